"""Drills on a schedule: stored, fired in turn at their weekday and time, skipped in a freeze,
cancelled, and read back by a restarted bot. Time is freezegun's; the store is real."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from store_fixtures import *  # noqa: F403

from bot.drills.schedule import DrillSchedules, next_firing
from bot.drills.service import DrillRefused, DrillService
from bot.grammar.drill import DrillScheduleAdd, DrillScheduleCancel, DrillScheduleList
from bot.services import WallClock
from rollout.config import TeamConfig
from rollout.errors import NotFound

TRAINER, ONCALL = "UTRAINER", "S0ONCALL"
MEMBERS = {ONCALL: ("UCAROL", "UALICE", "UBOB")}  # taken in sorted order: alice, bob, carol
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
MONDAY_2PM = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
SCENARIO = """\
name = "wheel"
duration = "10m"
[fleet]
hosts = 4
rps = 50
[release]
stages = [{ kind = "traffic", name = "canary", percent = 10, bake = "1m" }]
"""


@pytest.fixture
def schedules(repo, tmp_path: Path) -> DrillSchedules:  # type: ignore[no-untyped-def]
    (tmp_path / "wheel.toml").write_text(SCENARIO)
    (tmp_path / "spin.toml").write_text(SCENARIO.replace('"wheel"', '"spin"'))
    base = TeamConfig()
    config = base.model_copy(
        update={
            "drills": base.drills.model_copy(update={"trainers": (TRAINER,)}),
            "team": base.team.model_copy(update={"timezone": "UTC"}),
        }
    )
    service = DrillService(config, repo, tmp_path, lambda g: MEMBERS.get(g, ()), WallClock())
    return DrillSchedules(service)


def add(schedules: DrillSchedules, scenario: str = "wheel") -> str:
    with freeze_time(WEDNESDAY):
        reply = schedules.run(DrillScheduleAdd(scenario, 0, "14:00", ONCALL), TRAINER)
    assert "every Monday at 14:00" in reply and "Mon 07 Dec 14:00" in reply
    return reply.split("Drill schedule ", 1)[1].split(":", 1)[0]


def commanders(schedules: DrillSchedules) -> list[str]:
    drills = schedules.repo.drills_in_progress()
    return [d.commander for d in sorted(drills, key=lambda d: d.started_at)]


def test_next_firing_is_the_coming_weekday_and_time_in_team_time() -> None:
    tz = ZoneInfo("UTC")
    assert next_firing(0, "14:00", tz, WEDNESDAY) == MONDAY_2PM
    los_angeles = ZoneInfo("America/Los_Angeles")  # team time: 14:00 there is 22:00 UTC
    assert next_firing(0, "14:00", los_angeles, WEDNESDAY) == MONDAY_2PM + timedelta(hours=8)
    assert next_firing(0, "14:00", tz, MONDAY_2PM) == MONDAY_2PM + timedelta(days=7)
    assert next_firing(2, "11:00", tz, WEDNESDAY) == WEDNESDAY + timedelta(hours=1)


def test_each_week_the_next_trainee_in_turn_gets_a_surprise_drill(schedules) -> None:  # type: ignore[no-untyped-def]
    add(schedules)
    with freeze_time(MONDAY_2PM - timedelta(minutes=1)):
        assert schedules.run_due(datetime.now(UTC)) == []
    for week in range(3):
        with freeze_time(MONDAY_2PM + timedelta(days=7 * week, seconds=5)):
            (started,) = schedules.run_due(datetime.now(UTC))
            assert schedules.run_due(datetime.now(UTC)) == []  # once per firing
        assert schedules.repo.get_drill(started).scenario == "wheel"
        assert schedules.repo.get_drill(started).trainer == TRAINER
    assert commanders(schedules) == ["UALICE", "UBOB", "UCAROL"]
    (schedule,) = schedules.repo.schedules()
    assert schedule.turn == 3 and schedule.next_at == MONDAY_2PM + timedelta(days=21)


def test_a_frozen_week_is_skipped_and_the_turn_kept(schedules) -> None:  # type: ignore[no-untyped-def]
    add(schedules)
    schedules.repo.add_freeze(
        "all", until=MONDAY_2PM + timedelta(days=1), reason="holiday", set_by="UADMIN",
        now=MONDAY_2PM - timedelta(hours=1),
    )  # fmt: skip
    with freeze_time(MONDAY_2PM):
        assert schedules.run_due(datetime.now(UTC)) == []
    with freeze_time(MONDAY_2PM + timedelta(days=7)):
        assert len(schedules.run_due(datetime.now(UTC))) == 1
    assert commanders(schedules) == ["UALICE"]


def test_schedules_survive_a_restart_and_cancel_stops_them(schedules) -> None:  # type: ignore[no-untyped-def]
    schedule_id = add(schedules)
    restarted = DrillSchedules(schedules.service)  # a new bot over the same store
    listed = restarted.run(DrillScheduleList(), TRAINER)
    assert schedule_id in listed and "wheel every Monday at 14:00 for @S0ONCALL" in listed
    assert "cancelled" in restarted.run(DrillScheduleCancel(schedule_id), TRAINER)
    with freeze_time(MONDAY_2PM):
        assert restarted.run_due(datetime.now(UTC)) == []
    assert "No drill schedules" in restarted.run(DrillScheduleList(), TRAINER)
    with pytest.raises(NotFound, match=schedule_id):
        restarted.run(DrillScheduleCancel(schedule_id), TRAINER)


def test_random_picks_a_scenario_of_the_folder_and_only_trainers_schedule(schedules) -> None:  # type: ignore[no-untyped-def]
    add(schedules, "random")
    with freeze_time(MONDAY_2PM):
        (started,) = schedules.run_due(datetime.now(UTC))
    assert schedules.repo.get_drill(started).scenario in ("wheel", "spin")
    with pytest.raises(DrillRefused, match="Only trainers"):
        schedules.run(DrillScheduleList(), "UALICE")
    with pytest.raises(NotFound, match="nowhere"):
        schedules.run(DrillScheduleAdd("nowhere", 0, "14:00", ONCALL), TRAINER)
