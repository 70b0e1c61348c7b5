"""Policy judges: pure functions from (judge config, observations) to a Verdict.

Each judge never passes silently: no data, NaN or too few samples give "inconclusive".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rollout.events import JudgeVerdict
from rollout.judges import (
    health,
    latency,
    mann_whitney,
    new_error,
    one_sample,
    sequential,
    threshold,
    zscore,
)
from rollout.observations import Observations, Verdict

JUDGES: dict[str, Callable[[Any, Observations], Verdict]] = {
    "sequential": sequential.judge,
    "threshold": threshold.judge,
    "mann_whitney": mann_whitney.judge,
    "zscore": zscore.judge,
    "one_sample": one_sample.judge,
    "health": health.judge,
    "latency": latency.judge,
    "new_error": new_error.judge,
}


def evaluate(judge_cfg: Any, obs: Observations) -> Verdict:
    """Run the judge named by `judge_cfg.kind` on the observations."""
    kind = getattr(judge_cfg, "kind", None)
    if not isinstance(kind, str) or kind not in JUDGES:
        known = ", ".join(sorted(JUDGES))
        raise ValueError(f"unknown judge kind {kind!r} (known: {known})")
    return JUDGES[kind](judge_cfg, obs)


def judge_verdict(judge_cfg: Any, obs: Observations) -> JudgeVerdict:
    """Evaluate and wrap the result as the JudgeVerdict event the state machine consumes."""
    verdict = evaluate(judge_cfg, obs)
    return JudgeVerdict(
        judge=judge_cfg.label,
        mode=judge_cfg.mode,
        outcome=verdict.outcome,
        summary=verdict.evidence.summary,
        evidence=verdict.evidence.as_dict(),
    )


__all__ = ["JUDGES", "evaluate", "judge_verdict"]
