"""The controller: judges turn observations into verdict events the machine folds."""

from __future__ import annotations

import numpy as np

from rollout import events as ev
from rollout.config import TeamConfig
from rollout.controller import fold, observe, watching
from rollout.observations import Arm, Observations
from tests.unit.machine_helpers import COMMANDER, T0, at_stage, new_deploy


def arms(canary_errors: int, canary_requests: int = 5_000) -> Observations:
    windows = 20
    base = Arm(requests=np.full(windows, 50_000), errors=np.full(windows, 50))
    canary = Arm(
        requests=np.full(windows, canary_requests // windows),
        errors=np.full(windows, canary_errors // windows),
    )
    return Observations(window_s=5.0, baseline=base, canary=canary)


def test_a_clear_regression_rolls_the_canary_back() -> None:
    state, now = at_stage("canary", "baking")
    result = observe(state, arms(canary_errors=400), now, TeamConfig())
    assert result.state.status == "rolled_back"
    assert any(isinstance(a, ev.RollBack) for a in result.actions)


def test_a_healthy_canary_records_a_pass() -> None:
    state, now = at_stage("canary", "baking")
    result = observe(state, arms(canary_errors=5), now, TeamConfig())
    assert dict(result.state.verdicts) == {"sequential": "pass"}


def test_nothing_is_judged_before_new_code_runs() -> None:
    state, now = at_stage("release-branch")
    assert not watching(state)
    assert observe(state, arms(canary_errors=400), now, TeamConfig()).state == state


def test_fold_stops_once_the_deploy_is_finished_and_collects_refusals() -> None:
    events = [ev.Start(COMMANDER), ev.Confirm("USTRANGER"), ev.Abort(COMMANDER), ev.Start("U1")]
    result = fold(new_deploy(), events, T0, TeamConfig())
    assert result.state.status == "aborted"
    assert [r.code for r in result.refusals] == ["not_commander"]
