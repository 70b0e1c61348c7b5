"""Flagger/Argo style: one measurement per complete interval, each checked against bounds."""

from __future__ import annotations

import math

import numpy as np

from rollout.config import ThresholdJudge
from rollout.judges._common import LABELS, count, fmt_metric, metric_rows, total, verdict
from rollout.observations import FloatArray, Observations, Outcome, Verdict


def judge(cfg: ThresholdJudge, obs: Observations) -> Verdict:
    """Fail when more than failure_limit intervals measured outside [min, max]."""
    canary_n = total(obs.canary.requests)
    interval_s = cfg.interval.total_seconds()
    size = _windows_per_interval(interval_s, obs.window_s)
    samples = {"canary_requests": canary_n, "intervals": 0, "failed_intervals": 0}
    if size is None:
        summary = f"window length {obs.window_s!r} s is not usable; cannot form intervals"
        return verdict("inconclusive", "failed_intervals", 0, cfg.failure_limit, samples, summary)
    requests, values = metric_rows(obs.canary, cfg.metric, group=size)
    judged = (requests >= cfg.min_requests) & np.isfinite(values)
    too_high = values > cfg.max if cfg.max is not None else np.zeros(len(values), bool)
    too_low = values < cfg.min if cfg.min is not None else np.zeros(len(values), bool)
    failed = judged & (too_high | too_low)
    n_judged, n_failed = int(judged.sum()), int(failed.sum())
    samples = {"canary_requests": canary_n, "intervals": n_judged, "failed_intervals": n_failed}
    label = LABELS[cfg.metric]
    if n_judged == 0:
        summary = (
            f"no complete {interval_s:g} s interval with ≥ {count(cfg.min_requests)} canary "
            f"requests yet ({len(values)} complete, {count(canary_n)} canary requests)"
        )
        return verdict("inconclusive", "failed_intervals", 0, cfg.failure_limit, samples, summary)
    worst = fmt_metric(cfg.metric, _worst(values[judged], cfg))
    outcome: Outcome = "fail" if n_failed > cfg.failure_limit else "pass"
    summary = (
        f"{n_failed} of {n_judged} intervals of {interval_s:g} s broke {label} {_bounds(cfg)} "
        f"(worst {worst}; failure limit {cfg.failure_limit})"
    )
    return verdict(outcome, "failed_intervals", n_failed, cfg.failure_limit, samples, summary)


def _windows_per_interval(interval_s: float, window_s: float) -> int | None:
    if not (math.isfinite(window_s) and window_s > 0):
        return None
    return max(1, round(interval_s / window_s))


def _worst(values: FloatArray, cfg: ThresholdJudge) -> float:
    """The measurement furthest on the bad side."""
    if cfg.max is None and cfg.min is not None:
        return float(values.min())
    return float(values.max())


def _bounds(cfg: ThresholdJudge) -> str:
    parts = []
    if cfg.min is not None:
        parts.append(f"≥ {fmt_metric(cfg.metric, cfg.min)}")
    if cfg.max is not None:
        parts.append(f"≤ {fmt_metric(cfg.metric, cfg.max)}")
    return " and ".join(parts) or "(no bounds set)"
