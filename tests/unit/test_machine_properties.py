"""Properties of the state machine over random event sequences (Hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rollout import events as ev
from rollout.config import TeamConfig, TrafficStage
from rollout.machine import Transition, decide
from rollout.state import DeployState
from tests.unit.machine_helpers import ADMIN, COMMANDER, STRANGER, T0, new_deploy

# A plan with every stage kind, an auto gate, and judges in all three modes.
CONFIG = TeamConfig.model_validate(
    {
        "team": {"admins": [ADMIN], "stabilization": {"minor": "5m"}},
        "plan": {
            "stages": [
                {"kind": "checklist", "name": "branch", "items": ["cut", "tag"]},
                {"kind": "deploy", "name": "staging", "smoke_test": "smoke"},
                {
                    "kind": "traffic",
                    "name": "dogfood",
                    "percent": 100,
                    "audience": "internal",
                    "bake": "2m",
                },
                {
                    "kind": "traffic",
                    "name": "dark",
                    "percent": 0,
                    "mirror_percent": 100,
                    "bake": "1m",
                    "gate": "auto",
                },
                {"kind": "traffic", "name": "canary", "percent": 2, "bake": "3m"},
                {"kind": "traffic", "name": "25%", "percent": 25, "bake": "2m", "gate": "auto"},
                {"kind": "traffic", "name": "100%", "percent": 100, "bake": "2m"},
            ]
        },
        "policy": {
            "judges": [
                {"kind": "sequential", "mode": "act"},
                {"kind": "latency", "mode": "recommend"},
                {"kind": "zscore", "mode": "observe"},
            ]
        },
    }
)
STAGES = CONFIG.plan.stages
USERS = st.sampled_from([COMMANDER, ADMIN, STRANGER, "UNEXT"])
STAGE_REF = st.one_of(st.none(), st.integers(0, len(STAGES)))
JUDGES = st.sampled_from([("sequential", "act"), ("latency", "recommend"), ("zscore", "observe")])

EVENTS = st.one_of(
    st.builds(ev.Start, USERS),
    st.builds(ev.ChecklistItemDone, USERS, st.integers(0, 2)),
    st.builds(ev.SmokePassed),
    st.builds(ev.SmokeFailed),
    st.builds(ev.Confirm, USERS, STAGE_REF),
    st.builds(ev.Confirm, USERS, STAGE_REF),  # twice: confirms should be common
    st.builds(ev.Hold, USERS),
    st.builds(ev.Resume, USERS),
    st.builds(ev.Rollback, USERS, st.sampled_from([None, "1.5"])),
    JUDGES.flatmap(
        lambda jm: st.builds(
            ev.JudgeVerdict,
            st.just(jm[0]),
            st.just(jm[1]),
            st.sampled_from(["pass", "pass", "inconclusive", "fail"]),
            st.just("summary"),
        )
    ),
    st.builds(ev.BakeElapsed),
    st.builds(ev.BakeElapsed),
    st.builds(ev.StabilizationElapsed),
    st.builds(ev.MarkHealthy, USERS),
    st.builds(ev.MarkFaulty, USERS),
    st.builds(ev.Abort, USERS),
    st.builds(ev.Handoff, USERS, USERS),
)
# "progress" stands for whichever event moves the deploy on, so sequences get deep into the plan.
MOVES = st.one_of(st.just("progress"), st.just("progress"), st.just("progress"), EVENTS)
SEQUENCES = st.lists(st.tuples(MOVES, st.integers(0, 200)), min_size=25, max_size=60)


def progress(state: DeployState) -> ev.Event:
    """The event a diligent commander or a passing judge would send next."""
    if state.status == "created":
        return ev.Start(state.commander)
    if state.status == "held":
        return ev.Resume(state.commander)
    if state.status == "stabilizing":
        return ev.MarkHealthy(state.commander)
    if state.phase == "checklist":
        return ev.ChecklistItemDone(state.commander, min({0, 1} - state.checklist_done))
    if state.phase == "deploying":
        return ev.SmokePassed()
    if state.phase == "baking":
        missing = [
            j for j, _ in (("sequential", 0), ("latency", 1)) if j not in dict(state.verdicts)
        ]
        if missing:
            mode = "act" if missing[0] == "sequential" else "recommend"
            return ev.JudgeVerdict(missing[0], mode, "pass", "fine")  # type: ignore[arg-type]
        return ev.BakeElapsed()
    return ev.Confirm(state.commander, state.stage_index)


def run(sequence: list[tuple[object, int]]) -> list[tuple[DeployState, ev.Event, object]]:
    """Apply the moves in order, advancing time; return (before, event, outcome) steps."""
    state, now, steps = new_deploy(), T0, []
    for move, seconds in sequence:
        now += timedelta(seconds=seconds)
        event = progress(state) if move == "progress" else move
        outcome = decide(state, event, now, CONFIG)  # type: ignore[arg-type]
        steps.append((state, event, outcome))  # type: ignore[arg-type]
        if isinstance(outcome, Transition):
            state = outcome.state
    return steps


def entered_percent(state: DeployState, previous: float) -> float:
    """The customer percent a gate authorised by moving into the state's stage."""
    stage = STAGES[state.stage_index]
    if isinstance(stage, TrafficStage) and stage.audience in ("all", "external"):
        return stage.percent
    return previous


@settings(max_examples=150, deadline=None)
@given(SEQUENCES)
def test_traffic_never_exceeds_the_last_confirmed_stages_percent(sequence) -> None:  # type: ignore[no-untyped-def]
    authorised = 0.0
    for before, _event, outcome in run(sequence):
        if not isinstance(outcome, Transition):
            continue
        if outcome.state.stage_index != before.stage_index or before.status == "created":
            authorised = entered_percent(outcome.state, authorised)
        for action in outcome.actions:
            if isinstance(action, ev.SetTraffic):
                assert action.external <= authorised
        assert outcome.state.exposure.external <= authorised


@settings(max_examples=150, deadline=None)
@given(SEQUENCES)
def test_one_confirm_advances_at_most_one_stage(sequence) -> None:  # type: ignore[no-untyped-def]
    for before, event, outcome in run(sequence):
        if isinstance(event, ev.Confirm) and isinstance(outcome, Transition):
            assert outcome.state.stage_index - before.stage_index <= 1


@settings(max_examples=150, deadline=None)
@given(SEQUENCES)
def test_after_a_rollback_the_new_versions_traffic_is_zero_and_stays_zero(sequence) -> None:  # type: ignore[no-untyped-def]
    rolled_back = False
    for _before, _event, outcome in run(sequence):
        if not isinstance(outcome, Transition):
            continue
        if rolled_back:
            assert not any(
                isinstance(a, ev.SetTraffic) and (a.external or a.internal or a.mirror)
                for a in outcome.actions
            )
        if outcome.state.status == "rolled_back":
            rolled_back = True
            assert not outcome.state.exposure.any and outcome.state.exposure.mirror == 0


@settings(max_examples=150, deadline=None)
@given(SEQUENCES)
def test_every_transition_emits_an_audit_action(sequence) -> None:  # type: ignore[no-untyped-def]
    for before, _event, outcome in run(sequence):
        if isinstance(outcome, Transition) and outcome.state != before:
            audits = [a for a in outcome.actions if isinstance(a, ev.Audit)]
            assert len(audits) == 1 and outcome.actions[-1] is audits[0]
        elif not isinstance(outcome, Transition):
            assert outcome.audit.kind.startswith("refused:")


@settings(max_examples=100, deadline=None)
@given(SEQUENCES)
def test_strangers_never_change_a_deploy(sequence) -> None:  # type: ignore[no-untyped-def]
    for before, event, outcome in run(sequence):
        user = getattr(event, "user", None)
        if user == STRANGER and not isinstance(event, ev.Start) and before.commander != STRANGER:
            assert not isinstance(outcome, Transition)
