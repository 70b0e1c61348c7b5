"""Replies that used to mislead (issue 18) now say what happened."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.replies import history_text
from bot.commands import Caller
from bot.grammar.deploy import parse_command
from bot.grammar.drill import DrillCommandError
from bot.grammar.usage import CommandError
from bot.killswitches import KillSwitchControl
from rollout.authorization import NotAllowed
from rollout.errors import NotFound
from rollout.records import ReleaseRecord
from tests.fakes import bot_stack

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
CONFIG = """
[team]
timezone = "UTC"
admins = ["UADMIN"]
[rotation]
roster = ["UALICE"]
[[services]]
name = "checkout"
kill_switches = ["new-checkout"]
"""


def test_why_for_a_service_with_no_deploys_says_so() -> None:
    s = bot_stack(CONFIG)
    with pytest.raises(NotFound) as nothing:
        s.commands.run(parse_command("why checkout", NOW, UTC_ZONE), Caller("UALICE", "C"))
    assert str(nothing.value) == "Nothing to explain: checkout has no deploys yet."


def test_a_drill_commander_that_is_not_a_user_shows_the_drill_usage() -> None:
    with pytest.raises(DrillCommandError) as bad:
        parse_command("drill start error-spike-canary --commander notauser", NOW, UTC_ZONE)
    assert '"notauser" is not a user' in str(bad.value)
    assert "/deploy drill start <scenario>" in str(bad.value)
    assert "/deploy start <service>" not in str(bad.value)


def test_one_release_is_not_called_releases() -> None:
    record = ReleaseRecord("api", "1.0", NOW, "completed", True, "UALICE", "api-1")
    assert history_text("api", [record], UTC_ZONE).startswith("*Last release of api:*")


@pytest.mark.parametrize("length", ["0s", "0m"])
def test_a_notice_for_no_time_is_refused(length: str) -> None:
    with pytest.raises(CommandError, match="--for must be longer than 0s"):
        parse_command(f'notice "read-only" --for {length}', NOW, UTC_ZONE)


def test_a_flip_before_any_deploy_names_who_may_not_nobody() -> None:
    s = bot_stack(CONFIG)
    kills = KillSwitchControl(s.config, s.repo, s.clock)
    with pytest.raises(NotAllowed) as refused:
        kills.flip("new-checkout", True, "UALICE")
    assert (
        str(refused.value) == "checkout has no deploy yet, so only an admin may flip new-checkout."
    )
    assert "Turned new-checkout" in kills.flip("new-checkout", True, "UADMIN")
