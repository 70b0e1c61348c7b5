"""What the judges see: per-window counts for the baseline and canary arms, and host health."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Latency is kept as a histogram per window: log-spaced bucket edges from 1 ms to 120 s.
LATENCY_EDGES_MS: FloatArray = np.geomspace(1.0, 120_000.0, 97)
N_LATENCY_BUCKETS = len(LATENCY_EDGES_MS) + 1  # one under the first edge, one over the last


def latency_bucket_counts(samples_ms: npt.ArrayLike) -> IntArray:
    """Histogram raw latency samples into the shared buckets."""
    index = np.searchsorted(LATENCY_EDGES_MS, np.asarray(samples_ms, dtype=float), side="right")
    return np.bincount(index, minlength=N_LATENCY_BUCKETS).astype(np.int64)


def latency_quantile(hist: npt.ArrayLike, q: float) -> float:
    """The q-quantile (ms) of a latency histogram, interpolated geometrically; NaN if empty."""
    counts = np.asarray(hist, dtype=float)
    total = counts.sum()
    if total <= 0:
        return float("nan")
    cumulative = np.cumsum(counts) / total
    bucket = int(np.searchsorted(cumulative, q, side="left"))
    bucket = min(bucket, N_LATENCY_BUCKETS - 1)
    lo = LATENCY_EDGES_MS[max(bucket - 1, 0)]
    hi = LATENCY_EDGES_MS[min(bucket, len(LATENCY_EDGES_MS) - 1)]
    below = cumulative[bucket - 1] if bucket > 0 else 0.0
    share = (q - below) / max(cumulative[bucket] - below, 1e-12)
    return float(lo * (hi / lo) ** min(max(float(share), 0.0), 1.0))


def _empty_ints() -> IntArray:
    return np.zeros(0, dtype=np.int64)


def _empty_hist() -> IntArray:
    return np.zeros((0, N_LATENCY_BUCKETS), dtype=np.int64)


@dataclass(frozen=True)
class Arm:
    """One arm's observations, one row per window (oldest first)."""

    requests: IntArray = field(default_factory=_empty_ints)
    errors: IntArray = field(default_factory=_empty_ints)
    business: IntArray = field(default_factory=_empty_ints)
    latency_hist: IntArray = field(default_factory=_empty_hist)
    error_types: Mapping[str, int] = field(default_factory=dict)
    # latency_hist summed over its windows, from a source that keeps a running total; a judge
    # re-summing every window at every look would cost O(windows²) over a long stage
    latency_pooled: IntArray | None = None

    @property
    def windows(self) -> int:
        """How many windows are recorded."""
        return int(len(self.requests))

    @cached_property
    def derived(self) -> dict[str, Any]:
        """Figures a judge computed from this arm, kept for its next look (arms never change)."""
        return {}


@dataclass(frozen=True)
class HostHealth:
    """Health of the hosts running the new version."""

    new_hosts: int = 0
    unready: int = 0
    restarts: int = 0
    seconds_since_start: float = 0.0
    known: bool = True  # False: the metrics source has no fleet to ask (Prometheus alone)


@dataclass(frozen=True)
class Observations:
    """Everything a judge may look at for the current stage.

    `history` holds the baseline's windows from before the deploy began, for judges such as
    zscore that compare against history; `baseline` and `canary` hold the stage's windows.
    `unavailable` says why the source gave no data (unreachable, an HTTP error, an empty
    result or NaN); no data is never a pass, so the controller holds the deploy instead.
    """

    window_s: float
    baseline: Arm
    canary: Arm
    hosts: HostHealth = HostHealth()
    history: Arm = Arm()
    unavailable: str | None = None


Outcome = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class Evidence:
    """Why a judge decided: the statistic, the bound, the sample sizes, and a sentence."""

    statistic: str
    value: float
    bound: float
    samples: Mapping[str, int]
    summary: str

    def as_dict(self) -> dict[str, object]:
        """A JSON-friendly form."""
        value = None if np.isnan(self.value) else self.value
        bound = None if np.isnan(self.bound) else self.bound
        return {
            "statistic": self.statistic,
            "value": value,
            "bound": bound,
            "samples": dict(self.samples),
            "summary": self.summary,
        }


@dataclass(frozen=True)
class Verdict:
    """A judge's answer with its evidence."""

    outcome: Outcome
    evidence: Evidence
