"""A compact record of what the judges saw at one look at a real deploy.

The bot stores one per look (store/observations.py); `commander drill from-deploy` fits a
scenario to them (sim/from_deploy.py). Totals over the stage's windows per arm, not the
windows themselves: a few hundred bytes a look.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rollout.observations import Arm, Observations, latency_quantile


def arm_figures(arm: Arm) -> dict[str, Any]:
    """One arm's totals: requests, errors, business events, p99 latency (ms, None if none)."""
    p99 = latency_quantile(arm.latency_hist.sum(axis=0), 0.99) if arm.windows else math.nan
    return {
        "requests": int(arm.requests.sum()),
        "errors": int(arm.errors.sum()),
        "business": int(arm.business.sum()),
        "p99_ms": None if math.isnan(p99) else round(p99, 3),
        "windows": arm.windows,
        "error_types": {k: int(v) for k, v in sorted(arm.error_types.items())},
    }


def look_figures(obs: Observations) -> dict[str, Any]:
    """The look as JSON-friendly figures (what a DeployObservation row keeps)."""
    hosts = obs.hosts
    return {
        "window_s": float(obs.window_s),
        "baseline": arm_figures(obs.baseline),
        "canary": arm_figures(obs.canary),
        "hosts": {
            "new": hosts.new_hosts, "unready": hosts.unready, "restarts": hosts.restarts,
        },
        "unavailable": obs.unavailable,
    }  # fmt: skip


def rate(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when nothing was counted."""
    return None if not whole else float(np.float64(part) / np.float64(whole))
