"""A drill's scorecard: the trainee beside the policy and the peers on the same seed."""

from __future__ import annotations

import json

from rollout.config import TeamConfig
from sim.drill import parse_injection, render_json, replay, scorecard
from sim.drill_world import drill_config
from sim.reference_policies import policy_named
from sim.runner import run
from sim.scenario import Scenario
from tests.unit.drill_fixtures import diligent, quick, rollback

CONFIG = TeamConfig()
ERRORS = {"kind": "error_rate", "rate": 0.05}
PEERS = ["team policy", "best response", "argo", "flagger"]


def test_the_peers_run_on_the_same_seed_as_the_rehearsal_runs_them() -> None:
    scenario = quick([ERRORS])
    card = scorecard(scenario, CONFIG, 6, "advise", [rollback(300.0)], [])
    assert [p.who for p in card.peers] == PEERS
    by_name = {p.who: p for p in card.peers}
    team = run(scenario, CONFIG, 6, keep_series=False)
    assert by_name["team policy"].bad_requests == team.bad_requests
    assert by_name["team policy"].time_to_mitigate_s == team.time_to_mitigate_s
    flagger = CONFIG.model_copy(update={"policy": policy_named("flagger", CONFIG)})
    assert by_name["flagger"].bad_requests == run(scenario, flagger, 6).bad_requests


def test_the_scorecard_is_a_pure_function_of_its_arguments() -> None:
    scenario = quick()
    injections = [parse_injection("error_rate", {"rate": 0.04}, 90.0)]
    first = scorecard(scenario, CONFIG, 2, "advise", [rollback(200.0)], injections)
    again = scorecard(scenario, CONFIG, 2, "advise", [rollback(200.0)], injections)
    assert first == again and render_json(first) == render_json(again)
    other_seed = scorecard(scenario, CONFIG, 3, "advise", [rollback(200.0)], injections)
    assert other_seed.peers != first.peers


def test_the_trainee_figures_are_the_replayed_run_and_its_decisions() -> None:
    scenario = quick([ERRORS])
    card = scorecard(scenario, CONFIG, 1, "advise", [rollback(400.0)], [])
    run_ = replay(scenario, CONFIG, 1, "advise", [rollback(400.0)], []).result()
    assert card.fault_onset_s == run_.fault_onset_s is not None
    assert card.trainee.outcome == "rolled_back"
    assert card.trainee.time_to_detect_s == 400.0 - run_.fault_onset_s
    assert card.trainee.time_to_mitigate_s == run_.time_to_mitigate_s
    assert card.trainee.bad_requests == run_.bad_requests
    best = next(p for p in card.peers if p.who == "best response")
    assert best.bad_requests < card.trainee.bad_requests
    assert card.verdict.startswith("You mitigated in") and "slower than the best response" in (
        card.verdict
    )


def test_the_best_response_rolls_back_one_median_reaction_after_the_onset() -> None:
    # the policy only recommends here, so the best response is the rollback itself
    config = drill_config(CONFIG, "advise")
    scenario = quick([ERRORS])
    card = scorecard(scenario, config, 1, "team", [], [])
    best = next(p for p in card.peers if p.who == "best response")
    median = scenario.commander.reaction_median.total_seconds()
    assert best.outcome == "rolled_back" and best.time_to_mitigate_s is not None
    assert median <= best.time_to_mitigate_s < median + 30
    assert best.time_to_detect_s is not None and best.time_to_detect_s <= median


def test_injected_faults_reach_the_peers_and_make_the_release_faulty() -> None:
    injections = [parse_injection("error_rate", {"rate": 0.05}, 100.0)]
    card = scorecard(quick(), CONFIG, 4, "advise", [], injections)
    team = next(p for p in card.peers if p.who == "team policy")
    assert team.outcome == "rolled_back"
    assert card.fault_onset_s is not None and card.fault_onset_s >= 100.0
    assert not card.verdict.startswith("Clean")


def test_a_healthy_drill_left_alone_is_clean() -> None:
    card = scorecard(quick(), CONFIG, 3, "advise", [], [])
    assert card.verdict.startswith("Clean") and card.trainee.outcome == "promoted"
    assert json.loads(render_json(card))["trainee"]["who"] == "you"


def gated(faults: list[dict[str, object]] | None = None) -> Scenario:
    """The quick drill with commander gates: nothing ships unless the trainee confirms."""
    scenario = quick(faults or [])
    stages = [s.model_copy(update={"gate": "commander"}) for s in scenario.release.stages]
    release = scenario.release.model_copy(update={"stages": stages})
    return scenario.model_copy(update={"release": release})


def test_a_healthy_drill_never_confirmed_is_a_miss_with_the_policys_time_to_ship() -> None:
    card = scorecard(gated(), CONFIG, 3, "advise", [], [])
    team = next(p for p in card.peers if p.who == "team policy")
    assert card.healthy and card.trainee.time_to_ship_s is None
    assert team.outcome == "promoted" and team.time_to_ship_s is not None
    assert team.bad_requests > 0 and team.damage < team.bad_requests / 10  # baseline errors
    assert card.verdict.startswith("Missed: the healthy release never shipped")
    assert "Clean" not in card.verdict


def test_a_trainee_who_confirms_each_gate_ships_clean_and_each_confirm_has_its_stage() -> None:
    decisions = diligent(gated(), CONFIG, 3)
    card = scorecard(gated(), CONFIG, 3, "advise", decisions, [])
    assert card.trainee.outcome == "promoted" and card.trainee.time_to_ship_s is not None
    assert card.verdict.startswith("Clean: you shipped the healthy release in")
    confirms = [d for d in card.decisions if d.kind == "confirm"]
    assert [d.stage for d in confirms] == [0, 1]  # typed confirms name no stage
    assert all(d["stage"] is not None for d in json.loads(render_json(card))["decisions"]
               if d["kind"] == "confirm")  # fmt: skip


def test_damage_on_the_scorecard_is_the_excess_over_the_baseline() -> None:
    scenario = quick([ERRORS])
    card = scorecard(scenario, CONFIG, 1, "advise", [rollback(400.0)], [])
    run_ = replay(scenario, CONFIG, 1, "advise", [rollback(400.0)], []).result()
    assert card.trainee.damage == round(run_.excess_bad_requests) > 0
    assert card.trainee.damage < card.trainee.bad_requests
