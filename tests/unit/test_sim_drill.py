"""Drills on the simulator: a person commands, trainers inject faults, replays are exact."""

from __future__ import annotations

import math

import pytest

from rollout.config import HealthJudge, Policy, SequentialJudge, TeamConfig
from rollout.decisions import Decision
from rollout.events import POLICY, Audit
from rollout.machine import Refusal
from rollout.state import DeployState
from sim.drill import DrillWorld, Step, drill_config, parse_injection, replay
from sim.runner import run
from tests.unit.drill_fixtures import TRAINEE, quick, rollback, stepped

CONFIG = TeamConfig()
ERRORS = {"kind": "error_rate", "rate": 0.05}


def test_advise_caps_every_acting_judge_at_recommend_and_team_keeps_the_modes() -> None:
    policy = Policy(judges=(SequentialJudge(mode="act"), HealthJudge(mode="observe")))
    config = TeamConfig(policy=policy)
    advised = drill_config(config, "advise").policy.judges
    assert [j.mode for j in advised] == ["recommend", "observe"]
    assert [j.mode for j in drill_config(config, "team").policy.judges] == ["act", "observe"]


def test_under_advise_the_policy_holds_and_asks_instead_of_rolling_back() -> None:
    scenario = quick([ERRORS])
    advised = DrillWorld(scenario, CONFIG, 1, "advise")
    advised.advance(300)
    assert advised.state.status == "held" and not advised.over
    team = DrillWorld(scenario, CONFIG, 1, "team")
    team.advance(300)
    assert team.state.status == "rolled_back"


def test_asks_wait_for_the_person_the_simulated_commander_never_acts() -> None:
    deploy = DeployState(
        id="d1", service="web", version="x", previous_version=None, commander=TRAINEE
    )
    world = DrillWorld(quick([ERRORS]), CONFIG, 1, "advise", deploy)
    world.advance(1200)
    assert world.state.status == "held"  # nobody answered; the deploy waits
    assert (world.state.id, world.state.service, world.state.drill) == ("d1", "web", True)
    actors = [a.actor for s in world.log for a in s.actions if isinstance(a, Audit)]
    assert actors[0] == TRAINEE and set(actors[1:]) == {POLICY}  # the start, then the judges


def test_a_trainee_rollback_after_the_fault_is_scored_from_the_onset() -> None:
    world = replay(quick([ERRORS]), CONFIG, 1, "advise", [rollback(400.0)], [])
    result = world.result()
    assert result.fault_onset_s is not None and result.fault_onset_s < 60
    assert world.outcome == "rolled_back"
    # mitigation: the fleet back on the old version a little after the 400 s rollback
    assert result.time_to_mitigate_s is not None
    assert 400 - result.fault_onset_s < result.time_to_mitigate_s < 460 - result.fault_onset_s
    assert [d.kind for d in world.decisions] == ["rollback"]
    assert world.decisions[0].at_s == 400.0


def test_decide_returns_the_step_it_made_and_refuses_others_as_the_core_does() -> None:
    world = DrillWorld(quick([ERRORS]), CONFIG, 1, "advise", None)
    world.advance(200)
    stranger = world.decide(rollback(200.0, user="USTRANGER"))
    assert isinstance(stranger, Refusal) and stranger.code == "not_commander"
    made = world.decide(rollback(200.0, user=world.state.commander))
    assert isinstance(made, Step)
    assert (made.at_s, made.before.status, made.after.status) == (200.0, "held", "rolled_back")
    assert [d.user for d in world.decisions] == [world.state.commander]
    world.advance(math.inf)
    late = world.decide(rollback(world.now_s + 1, user=world.state.commander))
    assert isinstance(late, Refusal)


def test_an_injected_fault_starts_at_the_injection_time() -> None:
    world = DrillWorld(quick(), CONFIG, 2, "team")
    world.advance(60.0)
    assert world.rehearsal.meter.started and world.rehearsal.meter.fault_onset is None
    world.inject(parse_injection("error_rate", {"rate": 0.05}, 60.0))
    world.advance(120.0)
    assert world.rehearsal.meter.fault_onset == 60.0
    assert world.result().fault_onset_s == 60.0
    assert [i.at_s for i in world.injections] == [60.0]


def test_an_injection_before_the_new_version_runs_waits_for_it() -> None:
    world = DrillWorld(quick(), CONFIG, 2, "team")
    world.inject(parse_injection("error_rate", {"rate": 0.05}, 0.0))
    world.advance(1200)
    assert world.result().fault_onset_s is not None and world.state.status == "rolled_back"


def test_the_hint_names_the_failing_judge_and_its_evidence() -> None:
    world = DrillWorld(quick([ERRORS]), CONFIG, 1, "advise")
    assert "nothing to go on" in world.hint()
    world.advance(300)
    failing = [d for d in world.rehearsal.decisions if d.verdict == "fail"]
    assert failing
    hint = world.hint()
    assert f"Judge {failing[-1].judge} fails" in hint and failing[-1].evidence in hint


def test_a_healthy_drill_promotes_once_the_gates_pass() -> None:
    world = replay(quick(), CONFIG, 3, "advise", [], [])
    assert world.outcome == "promoted" and world.result().fault_onset_s is None


@pytest.mark.parametrize("policy", ["advise", "team"])
def test_small_increments_give_the_same_run_as_one_go(policy) -> None:
    scenario = quick(duration="15m")
    injections = [parse_injection("error_rate", {"rate": 0.03, "audience": "external"}, 61.3)]
    decisions = [Decision(at_s=30.0, kind="hold", user=TRAINEE), Decision(
        at_s=95.5, kind="resume", user=TRAINEE), rollback(170.25)]  # fmt: skip
    whole = replay(scenario, CONFIG, 5, policy, decisions, injections)
    world, steps = stepped(scenario, CONFIG, 5, policy, decisions, injections, 0.37)
    assert steps == world.log == whole.log
    assert world.result(keep_series=False) == whole.result(keep_series=False)
    assert world.decisions == whole.decisions and world.now_s == whole.now_s


def test_a_restart_from_until_s_then_continuing_equals_an_uninterrupted_drill() -> None:
    scenario = quick(duration="15m")
    injections = [parse_injection("latency", {"multiplier": 3.0}, 40.0)]
    decisions = [rollback(250.0)]
    whole = replay(scenario, CONFIG, 8, "advise", decisions, injections)
    restarted = replay(scenario, CONFIG, 8, "advise", decisions, injections, until_s=123.4)
    assert restarted.now_s == 123.4 and restarted.advance(123.4) == []  # steps discarded
    world, steps = stepped(scenario, CONFIG, 8, "advise", decisions, injections, 1.0, restarted)
    assert world.log == whole.log and steps == whole.log[len(whole.log) - len(steps) :]
    assert world.result(keep_series=False) == whole.result(keep_series=False)


def test_a_simulated_commander_replay_is_the_rehearsal_itself() -> None:
    scenario = quick([ERRORS])
    alone = run(scenario, CONFIG, 4, keep_series=False)
    replayed = replay(scenario, CONFIG, 4, "team", [], [], sim_commander=True)
    assert replayed.result(keep_series=False) == alone


def test_the_chart_is_written(tmp_path) -> None:
    world = replay(quick([ERRORS]), CONFIG, 1, "advise", [rollback(200.0)], [])
    world.chart(tmp_path / "drill.png")
    assert (tmp_path / "drill.png").read_bytes()[:4] == b"\x89PNG"


def test_a_decision_ahead_of_now_advances_first_and_keeps_the_steps_for_the_caller() -> None:
    world = DrillWorld(quick([ERRORS]), CONFIG, 1, "advise")
    handed = world.advance(5)
    made = world.decide(rollback(300.0, user=world.state.commander))
    assert isinstance(made, Step) and made.at_s == 300.0 == world.now_s
    handed += world.advance(300)  # the policy's hold, made on the way to 300 s
    assert any(s.after.status == "held" for s in handed)
    assert handed + [made] == world.log[: len(handed) + 1]


def test_a_replay_records_the_same_times_it_was_given() -> None:
    """SimPy reaches 330.0012 from 64.3398 as 330.0011999999999; a restart that replays the
    stored inputs must store them back unchanged."""
    scenario = quick(duration="15m")
    injections = [parse_injection("error_rate", {"rate": 0.3}, 64.3398)]
    decisions = [rollback(330.0012)]
    world = replay(scenario, CONFIG, 11, "advise", decisions, injections)
    assert [d.at_s for d in world.decisions] == [330.0012]
    assert [i.at_s for i in world.injections] == [64.3398]
    again = replay(scenario, CONFIG, 11, "advise", world.decisions, world.injections)
    assert (again.decisions, again.injections) == (world.decisions, world.injections)
