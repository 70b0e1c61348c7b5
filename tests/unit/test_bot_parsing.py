"""The /deploy grammar: every command parses to a typed value, or fails with the right form."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.grammar import commands as p
from bot.grammar.deploy import parse_command
from bot.grammar.usage import CommandError

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
TZ = ZoneInfo("America/Los_Angeles")


def parse(text: str) -> p.Command:
    return parse_command(text, NOW, TZ)


class TestStart:
    def test_a_service_and_version(self):
        assert parse("start api 1.4.2") == p.Start("api", "1.4.2")

    def test_every_flag(self):
        cmd = parse('start api 1.4.2 --hotfix --major --commander <@U0BOB|bob> --force "sev1 fix"')
        assert cmd == p.Start("api", "1.4.2", True, True, "U0BOB", "sev1 fix")

    def test_smart_quotes_from_slack_clients_are_plain_quotes(self):
        assert parse("start api 1.0 --force “db down”").force == "db down"

    def test_missing_version_shows_the_form(self):
        with pytest.raises(
            CommandError, match=r"needs a service and a version.*Usage: `/deploy start <service>"
        ):
            parse("start api")

    def test_force_without_a_reason_is_refused(self):
        with pytest.raises(CommandError, match="--force needs a"):
            parse("start api 1.0 --force")
        with pytest.raises(CommandError, match="--force needs a reason"):
            parse('start api 1.0 --force ""')

    def test_an_unknown_flag_is_named(self):
        with pytest.raises(CommandError, match="does not take --yolo"):
            parse("start api 1.0 --yolo")

    def test_a_commander_must_be_a_user(self):
        with pytest.raises(CommandError, match='"bob" is not a user'):
            parse("start api 1.0 --commander bob")


class TestOtherCommands:
    def test_help_is_the_default(self):
        assert parse("") == p.Help()
        assert parse("help") == p.Help()

    def test_status_history_who_why(self):
        assert parse("status") == p.Status()
        assert parse("status api") == p.Status("api")
        assert parse("history api") == p.History("api")
        assert parse("who") == p.Who()
        assert parse("why api") == p.Why("api")

    def test_history_needs_a_service(self):
        with pytest.raises(CommandError, match=r"Usage: `/deploy history <service>`"):
            parse("history")

    def test_rollback_to_the_previous_or_a_named_version(self):
        assert parse("rollback api") == p.RollbackService("api")
        assert parse("rollback api 1.3.0") == p.RollbackService("api", "1.3.0")

    def test_handoff_takes_a_mention(self):
        assert parse("handoff <@U0ALICE>") == p.HandoffTo("U0ALICE")
        assert parse("handoff @U0ALICE api") == p.HandoffTo("U0ALICE", "api")

    def test_unknown_command_points_to_help(self):
        with pytest.raises(CommandError, match='unknown command "deploy".*/deploy help'):
            parse("deploy api")

    def test_unclosed_quote(self):
        with pytest.raises(CommandError, match="close every quote"):
            parse('notice "half')


class TestTimes:
    def test_freeze_until_a_duration_from_now(self):
        cmd = parse('freeze all --until 2h --reason "launch"')
        assert cmd == p.FreezeService("all", NOW + timedelta(hours=2), "launch")

    def test_a_clock_time_is_the_next_one_in_the_team_timezone(self):
        cmd = parse('freeze api --until 08:00 --reason "x"')  # 09:00 local now, so tomorrow
        assert cmd.until == datetime(2026, 3, 3, 8, 0, tzinfo=TZ)

    def test_an_iso_time_without_offset_is_team_time(self):
        cmd = parse('freeze api --until 2026-03-05T09:30 --reason "x" --takeover')
        assert cmd.until == datetime(2026, 3, 5, 9, 30, tzinfo=TZ) and cmd.takeover

    def test_freeze_needs_until_and_reason(self):
        with pytest.raises(CommandError, match="needs --until and --reason"):
            parse("freeze api --until 2h")

    def test_a_freeze_in_the_past_is_refused(self):
        with pytest.raises(CommandError, match="must be in the future"):
            parse('freeze api --until 2026-01-01T00:00 --reason "x"')

    def test_unreadable_time_lists_the_forms(self):
        with pytest.raises(CommandError, match='cannot read the time "soon"'):
            parse('freeze api --until soon --reason "x"')

    def test_notice_now_or_later_for_a_while(self):
        assert parse('notice "DB upgrade"') == p.Notice("DB upgrade")
        cmd = parse('notice "DB upgrade" --at 30m --for 1h')
        assert cmd == p.Notice("DB upgrade", NOW + timedelta(minutes=30), timedelta(hours=1))

    def test_notice_duration_must_be_a_duration(self):
        with pytest.raises(CommandError, match="--for: expected a duration"):
            parse('notice "x" --for forever')
