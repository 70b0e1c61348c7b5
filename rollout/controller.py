"""The controller both shells run: judge fresh observations, fold events through the machine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rollout import judges
from rollout.config import Policy, TeamConfig
from rollout.events import Action, Event, JudgeVerdict, MetricsUnavailable
from rollout.machine import (
    COMPARING,
    Refusal,
    Transition,
    decide,
    first_release,
    first_release_note,
)
from rollout.observations import Observations
from rollout.state import DeployState


@dataclass(frozen=True)
class Folded:
    """The result of applying several events in order."""

    state: DeployState
    actions: tuple[Action, ...]
    refusals: tuple[Refusal, ...]


def verdicts(
    policy: Policy, obs: Observations, state: DeployState | None = None
) -> list[JudgeVerdict]:
    """Every judge's verdict on the observations, as events for the machine."""
    if obs.unavailable is not None:
        return [_no_data(judge, obs.unavailable) for judge in policy.judges]
    if state is not None and first_release(state) and not obs.baseline.requests.sum():
        return [_first(judge, state) if judge.kind in COMPARING else
                judges.judge_verdict(judge, obs) for judge in policy.judges]  # fmt: skip
    return [judges.judge_verdict(judge, obs) for judge in policy.judges]


def _first(judge: Any, state: DeployState) -> JudgeVerdict:
    """A judge that compares arms has nothing to compare on a first release: it says so."""
    summary = first_release_note(state.service)
    return JudgeVerdict(judge.label, judge.mode, "inconclusive", summary, {"summary": summary})


def _no_data(judge: Any, reason: str) -> JudgeVerdict:
    """Inconclusive: a source with no data never lets a judge pass."""
    summary = f"no data: {reason}"
    return JudgeVerdict(judge.label, judge.mode, "inconclusive", summary, {"summary": summary})


def watching(state: DeployState) -> bool:
    """True when judges should look at the deploy: new code may be serving or starting."""
    if state.status == "stabilizing":
        return True
    return state.status in ("running", "held") and (
        state.exposure.any or state.exposure.mirror > 0 or state.phase == "baking"
    )


def fold(state: DeployState, events: Iterable[Event], now: datetime, config: TeamConfig) -> Folded:
    """Apply events in order; stop applying once the deploy is finished."""
    actions: list[Action] = []
    refusals: list[Refusal] = []
    for event in events:
        if state.finished:
            break
        outcome = decide(state, event, now, config)
        if isinstance(outcome, Transition):
            state = outcome.state
            actions.extend(outcome.actions)
        else:
            refusals.append(outcome)
    return Folded(state, tuple(actions), tuple(refusals))


def observe(state: DeployState, obs: Observations, now: datetime, config: TeamConfig) -> Folded:
    """Judge the observations and apply the verdicts to the deploy."""
    if not watching(state):
        return Folded(state, (), ())
    events: list[Event] = [*verdicts(config.policy, obs, state)]
    if obs.unavailable is not None:
        events.append(MetricsUnavailable(obs.unavailable))
    return fold(state, events, now, config)
