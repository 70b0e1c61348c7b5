"""The tuner's pieces: the search space and its bounds, fronts and picks, the config writer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from rollout.config import OneSampleJudge, SequentialJudge, TeamConfig, TrafficStage
from rollout.errors import CommanderError, ConfigError
from rollout.parsing import parse_config
from sim.tune.front import Point, dominates, front_of, non_dominated, pick
from sim.tune.objectives import Scores
from sim.tune.space import apply, suggest, tuned_stages
from sim.tune.write import patched, tuned_text


class Recorder:
    """A stand-in trial: records each request and answers with its low or high bound."""

    def __init__(self, high: bool) -> None:
        self.high, self.asked = high, {}

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float:
        self.asked[name] = (low, high)
        return high if self.high else low

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        self.asked[name] = (low, high)
        return high if self.high else low

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        self.asked[name] = tuple(choices)
        return choices[-1] if self.high else choices[0]


def config_with(**tune: Any) -> TeamConfig:
    return TeamConfig.model_validate({"tune": tune})


class TestSpace:
    def test_every_setting_is_asked_within_the_tune_tables_bounds(self) -> None:
        config = config_with(alpha=[0.001, 0.02], bake=["2m", "4m"], evaluate_every=["3s", "9s"])
        trial = Recorder(high=True)
        params = suggest(trial, config)
        assert trial.asked["sequential.alpha"] == (0.001, 0.02)
        assert trial.asked["evaluate_every_s"] == (3, 9)
        stages = tuned_stages(config)
        assert stages == [s.name for s in config.plan.stages if isinstance(s, TrafficStage)]
        assert all(trial.asked[f"bake.{name}"] == (120, 240) for name in stages)
        assert params["one_sample.mode"] == "act"

    @pytest.mark.parametrize("high", [False, True])
    def test_applied_params_stay_inside_the_bounds(self, high: bool) -> None:
        config = config_with(alpha=[0.001, 0.02], min_requests=[300, 900], bake=["2m", "4m"])
        tuned = apply(config, suggest(Recorder(high), config))
        TeamConfig.model_validate(tuned.model_dump())  # still a valid config
        sequential = next(j for j in tuned.policy.judges if isinstance(j, SequentialJudge))
        added = [j for j in tuned.policy.judges if isinstance(j, OneSampleJudge)]
        assert sequential.alpha == (0.02 if high else 0.001)
        assert [j.alpha for j in added] == ([0.02] if high else [])  # high: "act", low: "off"
        assert 300 <= sequential.min_requests <= 900
        bakes = [s.bake for s in tuned.plan.stages if isinstance(s, TrafficStage)]
        assert set(bakes) == {timedelta(minutes=4 if high else 2)}

    def test_the_one_sample_judge_is_only_added_when_the_trial_says_act(self) -> None:
        config = config_with()
        tuned = apply(config, suggest(Recorder(high=False), config))
        assert not any(isinstance(j, OneSampleJudge) for j in tuned.policy.judges)
        fixed = config_with(try_one_sample=False)
        assert "one_sample.mode" not in suggest(Recorder(high=True), fixed)

    def test_stabilization_is_kept_unless_the_tune_table_bounds_it(self) -> None:
        assert "stabilization_s" not in suggest(Recorder(True), config_with())
        tuned = config_with(stabilization=["15m", "30m"])
        params = suggest(Recorder(True), tuned)
        assert apply(tuned, params).team.stabilization.minor == timedelta(minutes=30)

    @pytest.mark.parametrize(
        ("tune", "message"),
        [
            ({"alpha": [0.05, 0.01]}, "low ≤ high"),
            ({"bake": ["0s", "5m"]}, "above zero"),
            ({"population": 1}, "at least 2, got 1"),
        ],
    )
    def test_bad_bounds_are_config_errors(self, tune: dict[str, Any], message: str) -> None:
        body = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in tune.items())
        with pytest.raises(ConfigError, match=message):
            parse_config(f"[tune]\n{body}\n")

    def test_an_unknown_stage_is_named(self) -> None:
        with pytest.raises(CommanderError, match="no traffic stage named nope"):
            tuned_stages(config_with(stages=["nope"]))


def scores(damage: float, alarms: float, release: float, ok: bool = True) -> Scores:
    return Scores(damage, alarms, release, () if ok else ("bad",), 2)


class TestFront:
    def test_dominance_needs_no_worse_everywhere_and_better_somewhere(self) -> None:
        assert dominates((1, 0, 5), (1, 0, 6))
        assert not dominates((1, 0, 5), (1, 0, 5))
        assert not dominates((0, 1, 5), (1, 0, 5))

    def test_the_front_keeps_feasible_non_dominated_points_only(self) -> None:
        points = [
            Point(0, scores(10, 0.0, 600)),
            Point(1, scores(5, 0.0, 900)),
            Point(2, scores(12, 0.1, 700)),  # dominated by 0
            Point(3, scores(1, 0.0, 100, ok=False)),  # dominates all, but misses an [expect]
        ]
        front = front_of(points)
        assert [p.trial for p in front] == [0, 1]
        assert non_dominated([p.train.values for p in front]) == [0, 1]

    def test_picks(self) -> None:
        front = [
            Point(0, scores(10, 0.0, 300)),
            Point(1, scores(6, 0.0, 500)),
            Point(2, scores(2, 0.0, 1000)),
        ]
        assert pick(front, "damage").trial == 2
        assert pick(front, "fast").trial == 0
        assert pick(front, "balanced").trial == 1
        assert pick(front, "2").trial == 2
        with pytest.raises(ValueError, match="not on the front"):
            pick(front, "7")

    def test_picks_by_name_skip_points_that_miss_an_expect_on_test_seeds(self) -> None:
        lucky = Point(0, scores(1, 0.0, 100), test=scores(1, 0.05, 100, ok=False))
        honest = Point(1, scores(5, 0.0, 500), test=scores(5, 0.0, 500))
        assert pick([lucky, honest], "fast").trial == 1
        assert pick([lucky, honest], "damage").trial == 1
        assert pick([lucky, honest], "0").trial == 0  # named by number: the team's call


TEXT = """\
# the team's file
[team.stabilization]
minor = "15m"   # watched this long

[[plan.stages]]
kind = "traffic"
name = "canary"
percent = 2
bake = "10m"    # a comment kept

[[plan.stages]]
kind = "traffic"
name = "100%"
percent = 100

[policy]
evaluate_every = "5s"

[[policy.judges]]
kind = "sequential"
alpha = 0.01
"""


class TestWrite:
    def test_the_written_file_loads_as_the_tuned_config_and_keeps_comments(self) -> None:
        config = parse_config(TEXT)
        params = {"sequential.alpha": 0.00123456, "bake.canary": 90, "bake.100%": 150}
        tuned = apply(config, {**params, "evaluate_every_s": 7})
        text = tuned_text(TEXT, tuned, "tuned", "tuned.toml")
        assert parse_config(text) == tuned
        assert 'bake = "1m30s"    # a comment kept' in text
        assert 'minor = "15m"   # watched this long' in text
        assert "alpha = 0.00123" in text and 'evaluate_every = "7s"' in text

    def test_a_built_in_plan_cannot_be_patched_in_place(self) -> None:
        text = "[policy]\n"
        config = parse_config(text)
        tuned = apply(config, {"bake.canary": 90})
        assert 'bake = "1m30s"' not in patched(text, tuned, "tuned")
        with pytest.raises(CommanderError, match="in place"):
            tuned_text(text, tuned, "tuned", "tuned.toml")
