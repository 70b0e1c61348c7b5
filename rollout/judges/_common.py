"""Shared pieces of the judges: per-window metrics, vectorised latency quantiles, wording."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt

from rollout.observations import (
    LATENCY_EDGES_MS,
    N_LATENCY_BUCKETS,
    Arm,
    Evidence,
    FloatArray,
    Outcome,
    Verdict,
)

Metric = Literal["error_rate", "success_rate", "latency_p99_ms", "business_rate"]

LABELS: Mapping[str, str] = {
    "error_rate": "error rate",
    "success_rate": "success rate",
    "latency_p99_ms": "p99 latency",
    "business_rate": "conversion rate",
}


def verdict(
    outcome: Outcome,
    statistic: str,
    value: float,
    bound: float,
    samples: Mapping[str, int],
    summary: str,
) -> Verdict:
    """A Verdict with its Evidence, in one call."""
    return Verdict(outcome, Evidence(statistic, float(value), float(bound), samples, summary))


def column(values: npt.ArrayLike, n: int) -> FloatArray:
    """The first n entries as floats; missing entries are NaN, so they never look healthy."""
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(arr) >= n:
        return arr[:n]
    return np.concatenate([arr, np.full(n - len(arr), np.nan)])


def hist_rows(hist: npt.ArrayLike, n: int) -> FloatArray:
    """The first n latency histogram rows; missing rows are empty histograms."""
    arr = np.asarray(hist, dtype=np.float64).reshape(-1, N_LATENCY_BUCKETS)
    if len(arr) >= n:
        return arr[:n]
    return np.concatenate([arr, np.zeros((n - len(arr), N_LATENCY_BUCKETS))])


def grouped(values: FloatArray, size: int) -> FloatArray:
    """Sum consecutive complete groups of `size` rows (a trailing partial group is dropped)."""
    groups = len(values) // size
    sums: FloatArray = values[: groups * size].reshape(groups, size, *values.shape[1:]).sum(axis=1)
    return sums


def latency_quantiles(hists: FloatArray, q: float) -> FloatArray:
    """`observations.latency_quantile` for every row of a (rows × buckets) array; NaN if empty."""
    totals = hists.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cumulative = np.cumsum(hists, axis=1) / totals[:, None]
    bucket = np.minimum((cumulative < q).sum(axis=1), N_LATENCY_BUCKETS - 1)
    last_edge = len(LATENCY_EDGES_MS) - 1
    lo = LATENCY_EDGES_MS[np.maximum(bucket - 1, 0)]
    hi = LATENCY_EDGES_MS[np.minimum(bucket, last_edge)]
    rows = np.arange(len(hists))
    below = np.where(bucket > 0, cumulative[rows, np.maximum(bucket - 1, 0)], 0.0)
    width = np.maximum(cumulative[rows, bucket] - below, 1e-12)
    with np.errstate(invalid="ignore"):
        share = np.clip((q - below) / width, 0.0, 1.0)
        out = lo * (hi / lo) ** share
    return np.where(totals > 0, out, np.nan)


def metric_rows(arm: Arm, metric: Metric, group: int = 1) -> tuple[FloatArray, FloatArray]:
    """(requests, metric) per group of `group` windows; the metric is NaN where undefined."""
    n = arm.windows
    requests = grouped(column(arm.requests, n), group)
    if metric == "latency_p99_ms":
        return requests, latency_quantiles(grouped(hist_rows(arm.latency_hist, n), group), 0.99)
    counts = arm.business if metric == "business_rate" else arm.errors
    events = grouped(column(counts, n), group)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(requests > 0, events / requests, np.nan)
    return requests, 1.0 - rate if metric == "success_rate" else rate


def window_points(arm: Arm, metric: Metric) -> FloatArray:
    """The metric per window, only for windows where it is defined (kept on the arm: the
    history arm is the same at every look; read-only)."""
    key = f"window_points:{metric}"
    if key not in arm.derived:
        _, values = metric_rows(arm, metric)
        points = values[np.isfinite(values)]
        points.flags.writeable = False
        arm.derived[key] = points
    cached: FloatArray = arm.derived[key]
    return cached


def pooled(arm: Arm, metric: Metric) -> tuple[int, float]:
    """(requests, metric) pooled over every window of the arm; the metric is NaN if undefined."""
    requests, values = metric_rows(arm, metric, group=max(arm.windows, 1))
    total = requests[0] if len(requests) else 0.0
    value = values[0] if len(values) else math.nan
    return (int(total) if math.isfinite(total) else 0), float(value)


def total(values: npt.ArrayLike) -> int:
    """The sum of the finite, non-negative counts."""
    arr = np.asarray(values, dtype=np.float64)
    return int(arr[np.isfinite(arr) & (arr > 0)].sum())


def fmt_metric(metric: str, value: float) -> str:
    """A metric value for people: rates as percentages, latency in ms."""
    if not math.isfinite(value):
        return "n/a"
    return ms(value) if metric.endswith("_ms") else pct(value)


def ms(value: float) -> str:
    """A latency for people: 240 ms, 3.5 ms."""
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.0f} ms" if value >= 10 else f"{value:.2g} ms"


def pct(rate: float) -> str:
    """A rate as a percentage with two significant figures: 2.1%, 0.10%, 12%."""
    if not math.isfinite(rate):
        return "n/a"
    value = rate * 100
    if abs(value) >= 10:
        return f"{value:.0f}%"
    if abs(value) >= 1:
        return f"{value:.1f}%"
    return f"{value:#.2g}%"


def sci(value: float) -> str:
    """A positive number compactly: 0.31, 42, 4.1e3."""
    if not math.isfinite(value):
        return "inf" if value > 0 else "n/a"
    if value < 1000:
        return f"{value:.2g}" if value < 10 else f"{value:.0f}"
    exponent = math.floor(math.log10(value))
    return f"{value / 10**exponent:.1f}e{exponent}"


def count(n: int) -> str:
    """An integer with thousands separators."""
    return f"{n:,}"
