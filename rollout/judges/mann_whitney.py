"""Kayenta style: a Mann–Whitney U test per metric over per-window points, then a score."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rollout.config import MannWhitneyJudge
from rollout.judges._common import LABELS, Metric, fmt_metric, verdict, window_points
from rollout.observations import FloatArray, Observations, Outcome, Verdict


def mann_whitney_u(canary: FloatArray, baseline: FloatArray) -> tuple[float, float]:
    """(U of the canary, two-sided p): normal approximation, tie and continuity corrected.

    Matches scipy.stats.mannwhitneyu(canary, baseline, method="asymptotic").
    """
    n1, n2 = len(canary), len(baseline)
    _, inverse, ties = np.unique(
        np.concatenate([canary, baseline]), return_inverse=True, return_counts=True
    )
    midranks = np.cumsum(ties) - (ties - 1) / 2.0
    u = float(midranks[inverse[:n1]].sum()) - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    tie_term = float((ties.astype(np.float64) ** 3 - ties).sum()) / (n * (n - 1))
    variance = n1 * n2 / 12.0 * ((n + 1) - tie_term)
    if variance <= 0:
        return u, 1.0
    z = (abs(u - n1 * n2 / 2.0) - 0.5) / math.sqrt(variance)
    return u, min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2.0)))


@dataclass(frozen=True)
class MetricResult:
    """One metric's comparison."""

    metric: str
    outcome: str  # "pass", "fail" or "inconclusive"
    p_value: float
    canary_median: float
    baseline_median: float
    canary_points: int
    baseline_points: int

    def describe(self) -> str:
        """E.g. "error_rate High (p=0.001, canary median 2.0% vs baseline 0.10%)"."""
        label = LABELS[self.metric]
        if self.outcome == "inconclusive":
            return f"{label} inconclusive ({self.canary_points}/{self.baseline_points} points)"
        canary = fmt_metric(self.metric, self.canary_median)
        baseline = fmt_metric(self.metric, self.baseline_median)
        word = {"pass": "pass", "fail": "Low" if self.metric == "business_rate" else "High"}
        return f"{label} {word[self.outcome]} (p={self.p_value:.2g}, {canary} vs {baseline})"


def compare(cfg: MannWhitneyJudge, metric: Metric, obs: Observations) -> MetricResult:
    """Judge one metric: bad when significant and the median moved past the tolerance."""
    canary = window_points(obs.canary, metric)
    baseline = window_points(obs.baseline, metric)
    sizes = (len(canary), len(baseline))
    if min(sizes) < cfg.min_points:
        return MetricResult(metric, "inconclusive", math.nan, math.nan, math.nan, *sizes)
    _, p = mann_whitney_u(canary, baseline)
    c_med, b_med = float(np.median(canary)), float(np.median(baseline))
    if metric == "business_rate":
        worse = c_med < b_med * (1 - cfg.tolerance)
    else:
        worse = c_med > b_med * (1 + cfg.tolerance)
    outcome = "fail" if p < 1 - cfg.confidence and worse else "pass"
    return MetricResult(metric, outcome, p, c_med, b_med, *sizes)


def judge(cfg: MannWhitneyJudge, obs: Observations) -> Verdict:
    """Score = % of judged metrics that pass; pass ≥ pass_score, fail < marginal_score."""
    results = [compare(cfg, metric, obs) for metric in cfg.metrics]
    judged = [r for r in results if r.outcome != "inconclusive"]
    samples = {
        "canary_points": max((r.canary_points for r in results), default=0),
        "baseline_points": max((r.baseline_points for r in results), default=0),
        "metrics_judged": len(judged),
    }
    details = "; ".join(r.describe() for r in results) or "no metrics configured"
    if not judged:
        summary = f"no metric has {cfg.min_points} points per arm yet: {details}"
        return verdict("inconclusive", "score", math.nan, cfg.pass_score, samples, summary)
    outcome: Outcome
    score = 100.0 * sum(r.outcome == "pass" for r in judged) / len(judged)
    if score >= cfg.pass_score:
        outcome, relation = "pass", f"≥ {cfg.pass_score:g} (pass)"
    elif score < cfg.marginal_score:
        outcome, relation = "fail", f"< {cfg.marginal_score:g} (marginal)"
    else:
        outcome, relation = "inconclusive", f"between {cfg.marginal_score:g} and {cfg.pass_score:g}"
    summary = f"score {score:.0f} {relation}: {details}"
    return verdict(outcome, "score", score, cfg.pass_score, samples, summary)
