"""No data is never a pass: a metrics source that gives none holds the deploy, once."""

from __future__ import annotations

import numpy as np

from rollout import events as ev
from rollout.controller import observe
from rollout.machine import decide
from rollout.observations import Arm, Observations
from tests.unit.machine_helpers import CONFIG, at_stage, step

REASON = "metrics source unreachable: connection refused to 127.0.0.1:9090"


def no_data(reason: str = REASON) -> Observations:
    return Observations(window_s=5.0, baseline=Arm(), canary=Arm(), unavailable=reason)


def test_an_unreachable_source_holds_the_bake_and_asks_the_commander() -> None:
    state, now = at_stage("canary", "baking")
    result = observe(state, no_data(), now, CONFIG)
    assert result.state.status == "held"
    assert result.state.hold_reason == REASON
    assert dict(result.state.verdicts) == {"sequential": "inconclusive"}
    notes = [a for a in result.actions if isinstance(a, ev.Notify)]
    asks = [a for a in result.actions if isinstance(a, ev.AskConfirm)]
    assert len(notes) == 1 and REASON in notes[0].text and notes[0].mention == state.commander
    assert len(asks) == 1 and asks[0].reason == REASON


def test_the_hold_is_said_once_however_often_the_worker_looks() -> None:
    state, now = at_stage("canary", "baking")
    held = observe(state, no_data(), now, CONFIG).state
    again = observe(held, no_data("metrics source unreachable: timed out"), now, CONFIG)
    assert again.state == held
    assert not [a for a in again.actions if isinstance(a, (ev.Notify, ev.AskConfirm))]


def test_data_that_never_arrived_cannot_let_the_bake_advance() -> None:
    state, now = at_stage("canary", "baking")
    held = observe(state, no_data(), now, CONFIG).state
    assert state.bake_until is not None
    refused = decide(held, ev.BakeElapsed(), state.bake_until, CONFIG)
    assert getattr(refused, "code", None) == "stale"  # held: no bake runs, so nothing passes


def test_a_source_with_data_again_judges_as_before_after_resume() -> None:
    state, now = at_stage("canary", "baking")
    held = observe(state, no_data(), now, CONFIG).state
    resumed = step(held, ev.Resume(held.commander), now)
    windows = 20
    healthy = Observations(
        window_s=5.0,
        baseline=Arm(requests=np.full(windows, 50_000), errors=np.full(windows, 50)),
        canary=Arm(requests=np.full(windows, 250), errors=np.zeros(windows, dtype=np.int64)),
    )
    assert observe(resumed, healthy, now, CONFIG).state.status == "running"


def test_a_finished_deploy_is_not_held() -> None:
    state, now = at_stage("100%", "baking")
    done = step(state, ev.Rollback(state.commander), now)
    outcome = decide(done, ev.MetricsUnavailable(REASON), now, CONFIG)
    assert getattr(outcome, "code", None) == "finished"
