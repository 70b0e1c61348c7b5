"""The canary's latency quantile against the baseline's, from pooled histograms."""

from __future__ import annotations

import math

import numpy as np

from rollout.config import LatencyJudge
from rollout.judges._common import count, ms, verdict
from rollout.observations import Arm, IntArray, Observations, Outcome, Verdict, latency_quantile


def judge(cfg: LatencyJudge, obs: Observations) -> Verdict:
    """Fail when the canary's quantile is more than max_increase_pct above the baseline's."""
    canary_hist, baseline_hist = _pooled(obs.canary), _pooled(obs.baseline)
    canary_n, baseline_n = int(canary_hist.sum()), int(baseline_hist.sum())
    samples = {"canary_requests": canary_n, "baseline_requests": baseline_n}
    name = f"p{cfg.quantile * 100:g}"
    if min(canary_n, baseline_n) < cfg.min_requests:
        summary = (
            f"too few latency samples for {name}: {count(canary_n)} canary and "
            f"{count(baseline_n)} baseline, needs {count(cfg.min_requests)} each"
        )
        return verdict(
            "inconclusive", "increase_pct", math.nan, cfg.max_increase_pct, samples, summary
        )
    canary_q = latency_quantile(canary_hist, cfg.quantile)
    baseline_q = latency_quantile(baseline_hist, cfg.quantile)
    increase = (canary_q / baseline_q - 1.0) * 100.0
    compared = (
        f"canary {name} {ms(canary_q)} vs baseline {ms(baseline_q)}"
        f" ({increase:+.0f}%, limit +{cfg.max_increase_pct:g}%) over {count(canary_n)} canary"
        " requests"
    )
    outcome: Outcome = "fail" if increase > cfg.max_increase_pct else "pass"
    return verdict(outcome, "increase_pct", increase, cfg.max_increase_pct, samples, compared)


def _pooled(arm: Arm) -> IntArray:
    """Sum a (windows × buckets) histogram over windows, ignoring negative or missing counts."""
    if arm.latency_pooled is not None:
        # whole-number sums are exact in any order, so the running total gives the same counts
        summed = np.asarray(arm.latency_pooled, dtype=np.int64)
        return np.where(summed > 0, summed, 0)
    arr = np.asarray(arm.latency_hist, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr.sum(axis=0)
    arr = np.where(np.isfinite(arr) & (arr > 0), arr, 0.0)
    return arr.astype(np.int64)
