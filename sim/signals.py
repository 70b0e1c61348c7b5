"""Which signals a run's charts plot: the ones its faults touch and its failing judges watched.

A signal is one of SIGNALS: the error rate (always drawn), latency p99, business events per
request, and the new hosts' health (unready hosts and restarts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rollout.config import Judge, TeamConfig
from sim.results import Decision
from sim.scenario import Fault

SIGNALS = ("errors", "latency", "business", "hosts")
METRIC_SIGNAL = {
    "errors": "errors",
    "error_rate": "errors",
    "success_rate": "errors",
    "latency_p99_ms": "latency",
    "business": "business",
    "business_rate": "business",
}
FAULT_SIGNALS = {
    "latency": ("latency",),
    "business_drop": ("business",),
    "crash_loop": ("hosts",),
    "bad_secret": ("hosts",),
}
JUDGE_SIGNALS = {"health": ("hosts",), "latency": ("latency",), "new_error": ("errors",)}


def judge_signals(judge: Judge) -> tuple[str, ...]:
    """The signals one judge watches."""
    if judge.kind in JUDGE_SIGNALS:
        return JUDGE_SIGNALS[judge.kind]
    metrics = getattr(judge, "metrics", None) or (getattr(judge, "metric", "errors"),)
    return tuple(dict.fromkeys(METRIC_SIGNAL.get(m, "errors") for m in metrics))


def run_signals(
    faults: Iterable[Fault], decisions: Sequence[Decision], config: TeamConfig
) -> tuple[str, ...]:
    """Errors, plus every signal a fault touches or a judge that failed watched."""
    found = {"errors"}
    for fault in faults:
        found.update(FAULT_SIGNALS.get(fault.kind, ()))
    failed = {d.judge for d in decisions if d.verdict == "fail"}
    for judge in config.policy.judges:
        if judge.label in failed:
            found.update(judge_signals(judge))
    return tuple(s for s in SIGNALS if s in found)
