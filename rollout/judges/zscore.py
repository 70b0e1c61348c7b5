"""Slack ReleaseBot style: the canary's pooled metric as a z-score against history."""

from __future__ import annotations

import math

from rollout.config import ZScoreJudge
from rollout.judges._common import (
    LABELS,
    Metric,
    count,
    fmt_metric,
    pooled,
    verdict,
    window_points,
)
from rollout.observations import Arm, Observations, Verdict

LATENCY_FLOOR = 0.01  # the smallest spread assumed for latency: 1% of the mean


def judge(cfg: ZScoreJudge, obs: Observations) -> Verdict:
    """Fail when the canary sits more than `threshold` standard deviations on the bad side."""
    source, arm = _history(obs, cfg)
    points = window_points(arm, cfg.metric)
    canary_n, canary_value = pooled(obs.canary, cfg.metric)
    samples = {"canary_requests": canary_n, "history_points": len(points)}
    label = LABELS[cfg.metric]
    if len(points) < cfg.min_history:
        summary = f"only {len(points)} {source} points, needs {cfg.min_history}"
        return verdict("inconclusive", "z", math.nan, cfg.threshold, samples, summary)
    if canary_n == 0 or not math.isfinite(canary_value):
        summary = f"no canary {label} yet ({count(canary_n)} canary requests)"
        return verdict("inconclusive", "z", math.nan, cfg.threshold, samples, summary)
    mean, std = _mean_std(arm, cfg.metric)
    spread = max(std, _floor(cfg.metric, mean, canary_n))
    z = (canary_value - mean) / spread
    bad_high = cfg.metric != "business_rate"
    failed = z > cfg.threshold if bad_high else z < -cfg.threshold
    side = "above" if z >= 0 else "below"
    summary = (
        f"canary {label} {fmt_metric(cfg.metric, canary_value)} is {abs(z):.1f}σ {side} the "
        f"{source} mean {fmt_metric(cfg.metric, mean)} "
        f"(limit {cfg.threshold:g}σ {'above' if bad_high else 'below'}, "
        f"{len(points)} {source} points, {count(canary_n)} canary requests)"
    )
    return verdict("fail" if failed else "pass", "z", z, cfg.threshold, samples, summary)


def _history(obs: Observations, cfg: ZScoreJudge) -> tuple[str, Arm]:
    """The arm whose windows are the history: the pre-deploy one, else the stage's baseline."""
    if len(window_points(obs.history, cfg.metric)):
        return "history", obs.history
    return "baseline", obs.baseline


def _mean_std(arm: Arm, metric: Metric) -> tuple[float, float]:
    """Mean and sample standard deviation of the arm's window points (kept: history is fixed)."""
    key = f"zscore_mean_std:{metric}"
    if key not in arm.derived:
        points = window_points(arm, metric)
        arm.derived[key] = (float(points.mean()), float(points.std(ddof=1)))
    mean_std: tuple[float, float] = arm.derived[key]
    return mean_std


def _floor(metric: str, mean: float, canary_n: int) -> float:
    """A spread below which history is not trusted (it guards std = 0).

    For rates: the binomial standard error of the canary's pooled rate at the history mean,
    with that rate held at one event per canary sample or more, so that one stray error on a
    spotless history is not a 10σ event.
    """
    if metric == "latency_p99_ms":
        return max(abs(mean) * LATENCY_FLOOR, 1e-9)
    p = min(max(mean, 1.0 / canary_n), 0.5)
    return math.sqrt(p * (1 - p) / canary_n)
