"""Maintenance notices on the real wall clock, driven by freezegun (team time is Los Angeles)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.grammar.commands import Notice
from bot.grammar.deploy import parse_command
from bot.services import WallClock
from tests.fakes import bot_stack

LA = ZoneInfo("America/Los_Angeles")
CONFIG = """
[team]
timezone = "America/Los_Angeles"
announcements_channel = "#announcements"
"""


def stack_on_the_wall_clock():  # type: ignore[no-untyped-def]
    stack = bot_stack(CONFIG)
    stack.team.clock = stack.clock = WallClock()
    return stack


def posts(stack) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.text for c in stack.slack.of("chat.postMessage") if c.channel == "#announcements"]


def schedule(stack, text: str) -> Notice:  # type: ignore[no-untyped-def]
    command = parse_command(text, WallClock().now(), LA)
    assert isinstance(command, Notice)
    stack.team.notice(command, "UOPS")
    return command


class TestWhenANoticeIsPosted:
    def test_a_local_time_means_the_next_time_the_teams_clock_shows_it(self) -> None:
        with freeze_time("2026-11-20 05:00:00+00:00"):  # Thu 21:00 in Los Angeles
            command = parse_command(
                'notice "DB upgrade" --at 22:00 --for 30m', WallClock().now(), LA
            )
        assert isinstance(command, Notice) and command.at is not None
        assert command.at.astimezone(LA) == datetime(2026, 11, 19, 22, 0, tzinfo=LA)

    def test_a_local_time_already_past_today_means_tomorrow(self) -> None:
        with freeze_time("2026-11-20 07:00:00+00:00"):  # Thu 23:00 in Los Angeles
            command = parse_command('notice "DB upgrade" --at 22:00', WallClock().now(), LA)
        assert command.at.astimezone(LA) == datetime(2026, 11, 20, 22, 0, tzinfo=LA)  # type: ignore[union-attr]

    def test_tomorrows_local_time_holds_across_the_end_of_daylight_saving(self) -> None:
        with freeze_time("2026-10-31 16:30:00+00:00"):  # Sat 09:30 PDT; DST ends Sunday 02:00
            command = parse_command('notice "Reindex" --at 09:00', WallClock().now(), LA)
        assert command.at.astimezone(LA).hour == 9  # type: ignore[union-attr]
        assert command.at.astimezone(UTC) == datetime(2026, 11, 1, 17, 0, tzinfo=UTC)  # type: ignore[union-attr]


class TestPostingAndAllClear:
    def test_nothing_is_posted_before_the_time_then_the_notice_and_its_all_clear(self) -> None:
        with freeze_time("2026-11-20 05:00:00+00:00") as frozen:
            stack = stack_on_the_wall_clock()
            schedule(stack, 'notice "Payments read-only" --at 22:00 --for 30m')
            frozen.tick(timedelta(minutes=59))
            stack.worker.run_once()
            assert posts(stack) == []
            frozen.tick(timedelta(minutes=1))
            stack.worker.run_once()
            assert posts(stack) == [":construction: Maintenance: Payments read-only"]
            frozen.tick(timedelta(minutes=29))
            stack.worker.run_once()
            assert len(posts(stack)) == 1
            frozen.tick(timedelta(minutes=1))
            stack.worker.run_once()
            stack.worker.run_once()
        assert posts(stack) == [
            ":construction: Maintenance: Payments read-only",
            ":white_check_mark: All clear: Payments read-only",
        ]

    @pytest.mark.parametrize("late_by", [timedelta(minutes=5), timedelta(hours=3)])
    def test_a_notice_due_while_the_bot_was_down_is_posted_when_it_looks(self, late_by) -> None:  # type: ignore[no-untyped-def]
        with freeze_time("2026-11-20 05:00:00+00:00") as frozen:
            stack = stack_on_the_wall_clock()
            schedule(stack, 'notice "Search reindex" --at 21:30')
            frozen.tick(timedelta(minutes=30) + late_by)
            stack.worker.run_once()
        assert posts(stack) == [":construction: Maintenance: Search reindex"]
