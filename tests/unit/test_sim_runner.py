"""The runner drives the rollout core over the simulated fleet and measures what happened."""

import json
import math
from pathlib import Path

import pytest

from rollout.config import Policy, SequentialJudge, Stabilization, Team, TeamConfig, TrafficStage
from rollout.errors import ConfigError
from rollout.parsing import parse_config
from sim.runner import run
from sim.scenario import ErrorRateFault, Expect, Fleet, Release, Scenario

ROOT = Path(__file__).parents[2]
RUN_KEYS = {
    "scenario", "seed", "outcome", "fault_onset_s", "detected_at_s", "time_to_detect_s",
    "time_to_mitigate_s", "bad_requests", "excess_bad_requests", "requests_to_new",
    "peak_exposure_all_users_pct", "peak_exposure_customers_pct", "duration_s", "decisions",
    "expectation_met", "expectation_failures",
}  # fmt: skip
NO_STABILIZATION = Team(stabilization=Stabilization(minor=0))
WATCH_ONLY = TeamConfig(team=NO_STABILIZATION,
                        policy=Policy(judges=(SequentialJudge(mode="observe"),)))  # fmt: skip
INSTANT = Fleet(hosts=20, rps=10_000, baseline_error_rate=0.0, strategy="blue_green",
                deploy="pull", signal_delay=0, copy_seconds=0, pull_jitter=0,
                startup_seconds=0, history=0)  # fmt: skip


def team_config() -> TeamConfig:
    return parse_config((ROOT / "commander.toml").read_text(), "commander.toml")


def stages(*percents: float, bake: str = "10m") -> tuple[TrafficStage, ...]:
    return tuple(TrafficStage(name=f"{p:g}%", percent=p, bake=bake, gate="auto") for p in percents)


def quick(**changes) -> Scenario:
    release = Release(stages=stages(2, 100, bake="2m"))
    return Scenario(name="quick", release=release, **changes)


class TestExposure:
    """Σ f_s·R·p·D_s: the bad requests a release causes when nobody detects anything."""

    def test_a_staged_rollout_exposes_the_sum_over_stages(self):
        scenario = Scenario(name="staged", fleet=INSTANT, faults=(ErrorRateFault(rate=0.02),),
                            release=Release(stages=stages(2, 10, 25, 50, 75)))  # fmt: skip
        result = run(scenario, WATCH_ONLY, seed=1, keep_series=False)
        assert result.outcome == "promoted"
        assert result.duration_s == 3000
        assert abs(result.requests_to_new - 9_720_000) < 3 * math.sqrt(9_720_000)
        assert abs(result.bad_requests - 194_400) < 3 * math.sqrt(194_400)

    def test_the_stabilization_period_exposes_the_last_stage_for_its_length(self):
        config = WATCH_ONLY.model_copy(update={"team": Team()})  # 15 minutes at the last stage
        scenario = Scenario(name="staged", fleet=INSTANT, faults=(ErrorRateFault(rate=0.02),),
                            release=Release(stages=stages(2, 10, 25, 50, 75)))  # fmt: skip
        result = run(scenario, config, seed=1, keep_series=False)
        expected = 9_720_000 + 0.75 * 10_000 * 900
        assert result.outcome == "promoted" and result.duration_s == 3900
        assert abs(result.requests_to_new - expected) < 3 * math.sqrt(expected)

    def test_a_big_bang_over_the_same_time_exposes_everyone(self):
        scenario = Scenario(name="big-bang", fleet=INSTANT, faults=(ErrorRateFault(rate=0.02),),
                            release=Release(stages=stages(100, bake="50m")))  # fmt: skip
        result = run(scenario, WATCH_ONLY, seed=2, keep_series=False)
        assert abs(result.bad_requests - 600_000) < 3 * math.sqrt(600_000)
        assert result.peak_exposure_all_users_pct == 100
        assert result.peak_exposure_customers_pct == 100


class TestDeterminism:
    def test_the_same_seed_gives_the_same_result(self):
        config = team_config()
        first = run(quick(), config, seed=5).to_json()
        assert json.dumps(first) == json.dumps(run(quick(), config, seed=5).to_json())

    def test_different_seeds_give_different_results(self):
        config = team_config()
        assert run(quick(), config, seed=5).to_json() != run(quick(), config, seed=6).to_json()


class TestResult:
    def test_the_json_record_has_exactly_the_published_keys(self):
        record = run(quick(), team_config(), seed=0, keep_series=False).to_json()
        assert set(record) == RUN_KEYS
        json.dumps(record)  # JSON-friendly all the way down

    def test_a_caught_fault_is_timed_from_onset_to_detection_to_rollback(self):
        scenario = quick(faults=(ErrorRateFault(rate=0.05),),
                         expect=Expect(outcome="rolled_back", within="1m"))  # fmt: skip
        result = run(scenario, team_config(), seed=3)
        assert result.outcome == "rolled_back" and result.expectation_met
        assert 0 <= result.time_to_detect_s <= result.time_to_mitigate_s
        assert result.detected_at_s == pytest.approx(result.fault_onset_s + result.time_to_detect_s)
        assert any(d.verdict == "fail" for d in result.decisions)

    def test_a_missed_expectation_says_why(self):
        scenario = quick(expect=Expect(outcome="rolled_back", max_bad_requests=0))
        result = run(scenario, team_config(), seed=0)
        assert not result.expectation_met
        assert "outcome promoted, expected rolled_back" in result.expectation_failures

    def test_the_series_is_coarse_and_aligned(self):
        series = run(quick(), team_config(), seed=0).series
        assert series is not None
        assert len(series.t_s) == len(series.error_rate_old) == len(series.traffic_pct)
        assert set(map(float, series.t_s[1:-1] - series.t_s[:-2])) == {series.bucket_s}
        assert series.bucket_s in (5.0, 10.0)  # one judge window for a short run, else 10 s
        assert [name for _, name in series.stages] == ["2%", "100%", "stabilization"]
        assert series.traffic_pct.max() == pytest.approx(100)

    def test_an_unknown_plan_is_a_config_error_naming_the_scenario(self):
        scenario = Scenario(name="lost", release=Release(plan="nope"))
        with pytest.raises(ConfigError, match='scenario lost: release.plan: no plan named "nope"'):
            run(scenario, team_config(), seed=0)


def test_a_crash_loops_fault_begins_at_the_first_crash_not_the_first_start() -> None:
    """A leak that crashes hosts after an hour cannot be seen, or detected, before then."""
    from sim.scenario import load_scenario

    scenario = load_scenario(Path("scenarios/memory-leak-in-stabilization.toml"))
    config = parse_config(Path("commander.toml").read_text(), "commander.toml")
    result = run(scenario, config, seed=1, keep_series=False)
    assert result.fault_onset_s is not None and result.fault_onset_s > 58 * 60
    assert result.time_to_detect_s is not None and result.time_to_detect_s < 5 * 60
