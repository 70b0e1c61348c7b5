"""The release-control grammar: trains, commit times, kill switches and delivery figures."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.grammar import commands as p
from bot.grammar.deploy import parse_command
from bot.grammar.usage import CommandError

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
TZ = ZoneInfo("America/Los_Angeles")


def parse(text: str) -> p.Command:
    return parse_command(text, NOW, TZ)


def test_several_services_with_versions_are_one_train_in_the_order_typed() -> None:
    assert parse("start api 3.1.0 web 2.4.0") == p.StartTrain((("api", "3.1.0"), ("web", "2.4.0")))


def test_a_train_needs_a_version_after_every_service_and_names_each_once() -> None:
    with pytest.raises(CommandError, match="a version after every service"):
        parse("start api 3.1.0 web")
    with pytest.raises(CommandError, match="repeated: api"):
        parse("start api 3.1.0 api 3.2.0")
    with pytest.raises(CommandError, match="only --force and --commit-time"):
        parse("start api 3.1.0 web 2.4.0 --hotfix")


def test_commit_time_is_read_in_the_team_timezone_unless_it_has_an_offset() -> None:
    local = parse("start api 1.0 --commit-time 2026-03-02T08:30")
    assert isinstance(local, p.Start)
    assert local.commit_time == datetime(2026, 3, 2, 8, 30, tzinfo=TZ)
    utc = parse("start api 1.0 --commit-time 2026-03-02T16:00Z")
    assert isinstance(utc, p.Start) and utc.commit_time == datetime(2026, 3, 2, 16, tzinfo=UTC)
    with pytest.raises(CommandError, match="in the future"):
        parse("start api 1.0 --commit-time 2026-03-02T18:00Z")
    with pytest.raises(CommandError, match="cannot read the commit time"):
        parse("start api 1.0 --commit-time yesterday")


def test_kill_and_unkill_name_one_flag_and_an_optional_reason() -> None:
    assert parse('kill new-checkout --reason "5xx"') == p.Kill("new-checkout", True, "5xx")
    assert parse("unkill new-checkout") == p.Kill("new-checkout", False, "")
    with pytest.raises(CommandError, match="one flag"):
        parse("kill")


def test_dora_takes_at_most_one_service() -> None:
    assert parse("dora") == p.Dora(None)
    assert parse("dora api") == p.Dora("api")
    with pytest.raises(CommandError, match="at most one service"):
        parse("dora api web")
