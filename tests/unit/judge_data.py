"""Observation data for judge tests: seeded synthetic arms and literal ones."""

from __future__ import annotations

from typing import Any

import numpy as np

from rollout.observations import N_LATENCY_BUCKETS, Arm, Observations, latency_bucket_counts


def arm(
    rng: np.random.Generator,
    windows: int,
    rate: float,
    p_error: float = 0.001,
    latency_ms: float | None = None,
    conversion: float = 0.05,
    error_types: dict[str, int] | None = None,
) -> Arm:
    """Seeded per-window counts; latency is lognormal around `latency_ms` when given."""
    requests = rng.poisson(rate, windows)
    hist = np.zeros((windows, N_LATENCY_BUCKETS), dtype=np.int64)
    if latency_ms is not None:
        hist = np.stack(
            [latency_bucket_counts(rng.lognormal(np.log(latency_ms), 0.4, n)) for n in requests]
        )
    return Arm(
        requests=requests,
        errors=rng.binomial(requests, p_error),
        business=rng.binomial(requests, conversion),
        latency_hist=hist,
        error_types=error_types or {},
    )


def literal(requests: list[int], errors: list[int]) -> Arm:
    return Arm(np.array(requests, dtype=np.int64), np.array(errors, dtype=np.int64))


def obs_of(canary: Arm, baseline: Arm | None = None, **kw: Any) -> Observations:
    return Observations(
        window_s=kw.pop("window_s", 1.0), baseline=baseline or Arm(), canary=canary, **kw
    )
