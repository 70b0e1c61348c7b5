"""Literal data and a tiny driver for state-machine tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rollout import events as ev
from rollout.config import Team, TeamConfig
from rollout.machine import Outcome, Refusal, Transition, decide
from rollout.state import DeployState

COMMANDER = "UCMD"
ADMIN = "UADMIN"
STRANGER = "USTRANGER"
T0 = datetime(2026, 1, 6, 18, 0, tzinfo=UTC)

CONFIG = TeamConfig(team=Team(admins=(ADMIN,)))
STAGES = CONFIG.plan.stages  # release-branch, staging, dogfood, canary, 10%, 25%, 50%, 75%, 100%


def new_deploy(**changes: object) -> DeployState:
    """A created deploy of api 2.0 replacing 1.9."""
    base = DeployState(
        id="d1", service="api", version="2.0", previous_version="1.9", commander=COMMANDER
    )
    return base.evolve(**changes)


def moved(outcome: Outcome) -> Transition:
    """Assert the event was allowed and return the transition."""
    assert isinstance(outcome, Transition), f"refused: {getattr(outcome, 'reason', outcome)}"
    return outcome


def refused(outcome: Outcome) -> Refusal:
    """Assert the event was refused and return the refusal."""
    assert isinstance(outcome, Refusal), f"expected a refusal, got {outcome}"
    return outcome


def step(state: DeployState, event: ev.Event, now: datetime = T0) -> DeployState:
    """Apply an event that must be allowed."""
    return moved(decide(state, event, now, CONFIG)).state


def at_stage(name: str, phase: str = "awaiting_confirm") -> tuple[DeployState, datetime]:
    """Drive a fresh deploy to the named stage, returning the state and the time reached."""
    state, now = step(new_deploy(), ev.Start(COMMANDER)), T0
    while STAGES[state.stage_index].name != name or state.phase != phase:
        state, now = _next(state, now)
    return state, now


def _next(state: DeployState, now: datetime) -> tuple[DeployState, datetime]:
    if state.phase == "checklist":
        item = min(set(range(len(STAGES[state.stage_index].items))) - state.checklist_done)
        return step(state, ev.ChecklistItemDone(COMMANDER, item), now), now
    if state.phase == "deploying":
        return step(state, ev.SmokePassed(), now), now
    if state.phase == "baking":
        assert state.bake_until is not None
        later = state.bake_until
        state = step(state, pass_all(), later)
        return step(state, ev.BakeElapsed(), later), later
    return step(state, ev.Confirm(COMMANDER, state.stage_index), now), now


def pass_all() -> ev.JudgeVerdict:
    """The default policy's only judge passes."""
    return ev.JudgeVerdict("sequential", "act", "pass", "no regression")


def later(now: datetime, **delta: float) -> datetime:
    """now + a timedelta."""
    return now + timedelta(**delta)
