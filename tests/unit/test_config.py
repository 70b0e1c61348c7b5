"""The team config: defaults, the example file, and errors that name file, key path, expectation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from rollout.config import TeamConfig, TrafficStage, weekday_set
from rollout.durations import format_duration, parse_duration
from rollout.errors import ConfigError
from rollout.parsing import parse_config

ROOT = Path(__file__).resolve().parents[2]


def error_for(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return str(caught.value)


class TestDefaults:
    def test_an_empty_file_gives_the_reference_process(self) -> None:
        config = parse_config("")
        names = [s.name for s in config.plan.stages]
        assert names == [
            "release-branch",
            "staging",
            "dogfood",
            "canary",
            "10%",
            "25%",
            "50%",
            "75%",
            "100%",
        ]
        canary = config.plan.stages[3]
        assert isinstance(canary, TrafficStage) and canary.percent == 2
        assert config.rotation.shift == timedelta(hours=2)
        assert [j.kind for j in config.policy.judges] == ["sequential"]

    def test_every_field_has_a_description(self) -> None:
        for field, info in TeamConfig.model_fields.items():
            assert info.description, field

    def test_the_example_config_parses(self) -> None:
        config = parse_config((ROOT / "commander.toml").read_text(), "commander.toml")
        assert config.service("web").depends_on == ("api",)
        assert config.plan_named("hotfix").stages[0].name == "staging"
        assert {j.mode for j in config.policy.judges} == {"act", "recommend"}


class TestErrors:
    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                '[[plan.stages]]\nkind="checklist"\nname="b"\nitems=["x"]\n'
                '[[plan.stages]]\nkind="traffic"\nname="a"\npercent=10\n'
                '[[plan.stages]]\nkind="traffic"\nname="c"\npercent=20\n'
                '[[plan.stages]]\nkind="traffic"\nname="d"\npercent=150',
                "commander.toml: plan.stages[3].percent: expected a number from 0 to 100, got 150",
            ),
            (
                '[team]\ntimezone="Mars/Olympus"',
                'commander.toml: team.timezone: expected an IANA timezone such as "Europe/Berlin", '
                'got "Mars/Olympus"',
            ),
            ('[team]\nadmin=["U1"]', "commander.toml: team.admin: unknown key"),
            (
                '[[plan.stages]]\nkind="traffic"\nname="a"\npercent=5\nbake="ten minutes"',
                'commander.toml: plan.stages[0].bake: expected a duration such as "30s"',
            ),
            (
                '[[policy.judges]]\nkind="bayes"',
                "commander.toml: policy.judges[0]: expected kind to be one of",
            ),
            (
                '[[policy.judges]]\nkind="sequential"\nmode="yolo"',
                "commander.toml: policy.judges[0].mode: expected 'observe', 'recommend' or 'act', "
                'got "yolo"',
            ),
            (
                '[[team.hours]]\ndays="mon-fry"',
                'commander.toml: team.hours[0].days: expected weekdays like "mon-fri"',
            ),
            (
                '[[services]]\nname="web"\ndepends_on=["api"]',
                'commander.toml: services[0].depends_on[0]: no service named "api" (services: web)',
            ),
            (
                "[rotation]\nshift = 2",
                'commander.toml: rotation.shift: expected a duration with a unit, such as "2s" or '
                '"2m" (units: ms, s, m, h, d, w), got 2',
            ),
            (
                '[[policy.judges]]\nkind="health"\nmax_restarts="3"',
                'commander.toml: policy.judges[0].max_restarts: expected a whole number, got "3" '
                "(numbers and booleans are written without quotes)",
            ),
            ("[team\n", "commander.toml: not valid TOML"),
        ],
    )
    def test_errors_name_the_file_the_key_path_and_the_expectation(
        self, text: str, message: str
    ) -> None:
        assert error_for(text).startswith(message)

    def test_an_unknown_plan_name_lists_the_known_ones(self) -> None:
        with pytest.raises(KeyError, match="known: default, hotfix"):
            parse_config((ROOT / "commander.toml").read_text()).plan_named("fast")


class TestValues:
    @pytest.mark.parametrize(
        ("text", "seconds"),
        [("90s", 90), ("10m", 600), ("2h30m", 9000), ("14d", 14 * 86400), ("0.5s", 0.5)],
    )
    def test_durations(self, text: str, seconds: float) -> None:
        assert parse_duration(text).total_seconds() == seconds

    def test_durations_round_trip_through_their_compact_form(self) -> None:
        assert format_duration(parse_duration("1h30m")) == "1h30m"

    def test_weekday_ranges_may_wrap_the_weekend(self) -> None:
        assert weekday_set("fri-mon") == {4, 5, 6, 0}
        assert weekday_set("mon,wed") == {0, 2}


class TestKeyPaths:
    def test_a_union_tag_after_a_list_index_is_not_a_key(self) -> None:
        from rollout.parsing import key_path

        assert key_path(("plan", "stages", 3, "traffic", "percent")) == "plan.stages[3].percent"

    def test_a_key_that_happens_to_share_a_tags_name_is_kept(self) -> None:
        """Regression: `fleet.deploy` was once rendered as `fleet`."""
        from rollout.parsing import key_path

        assert key_path(("fleet", "deploy")) == "fleet.deploy"
        assert key_path(("policy", "judges", 0, "latency", "latency")) == "policy.judges[0].latency"
