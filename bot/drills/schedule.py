"""Drills on a schedule: a weekly surprise drill for an on-call group (a Wheel of Misfortune).

`/deploy drill schedule <scenario|random> every <weekday> <HH:MM> --trainees @group` stores a
schedule; each worker pass starts the drills that are due, for the group's next trainee in
turn, and skips a week that falls in a freeze. A firing is claimed with compare-and-set on its
time, so one replica starts it, and a restarted bot picks the schedules up from the store.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.drills.service import DrillService
from bot.grammar.drill import (
    WEEKDAYS,
    DrillScheduleAdd,
    DrillScheduleCancel,
    DrillScheduleCommand,
    DrillStart,
)
from rollout.config import Freeze
from rollout.errors import CommanderError, NotFound
from rollout.windows import localize
from store.schedules import ScheduleRecord

log = logging.getLogger("commander.drills")
RANDOM = "random"


def next_firing(weekday: int, at_time: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first `weekday` at `at_time` (team time) strictly after `after`, in UTC."""
    local = after.astimezone(tz)
    moment = datetime.combine(local.date(), time.fromisoformat(at_time), tzinfo=tz)
    moment += timedelta(days=(weekday - local.weekday()) % 7)
    if moment <= local:
        moment += timedelta(days=7)
    return moment.astimezone(ZoneInfo("UTC"))


def freeze_at(now: datetime, freezes: tuple[Freeze, ...], tz: ZoneInfo) -> Freeze | None:
    """The freeze in force at `now`, if any: a frozen week has no surprise drill."""
    for freeze in freezes:
        if localize(freeze.start, tz) <= now < localize(freeze.until, tz):
            return freeze
    return None


class DrillSchedules:
    """Schedule, list and cancel weekly drills; start the due ones."""

    def __init__(self, service: DrillService) -> None:
        self.service = service
        self.repo = service.repo
        self.tz = service.config.team.tz

    def run(self, cmd: DrillScheduleCommand, user: str) -> str:
        """The reply to `/deploy drill schedule …` (trainers only)."""
        self.service.require_trainer(user, "schedule")
        if isinstance(cmd, DrillScheduleAdd):
            return self.add(cmd, user)
        if isinstance(cmd, DrillScheduleCancel):
            gone = self.repo.cancel_schedule(cmd.schedule_id)
            return f"Drill schedule {gone.id} cancelled: {describe(gone)}."
        return self.listing()

    def add(self, cmd: DrillScheduleAdd, user: str) -> str:
        """Store a schedule; a scenario name must exist and the trainees must be someone."""
        if cmd.scenario != RANDOM:
            self.service.scenario(cmd.scenario)
        if not self.trainees(cmd.trainees):
            raise CommanderError(f"@{cmd.trainees} has no members to drill.")
        now = self.service.clock.now()
        schedule = ScheduleRecord(
            id=f"sched-{uuid.uuid4().hex[:6]}", scenario=cmd.scenario, weekday=cmd.weekday,
            at_time=cmd.at_time, trainees=cmd.trainees, trainer=user, status="active", turn=0,
            next_at=next_firing(cmd.weekday, cmd.at_time, self.tz, now), created_at=now,
        )  # fmt: skip
        self.repo.add_schedule(schedule)
        when = schedule.next_at.astimezone(self.tz)
        return (
            f"Drill schedule {schedule.id}: {describe(schedule)}. "
            f"First drill {when:%a %d %b %H:%M %Z}; trainees take turns."
        )

    def listing(self) -> str:
        """The active schedules, soonest first."""
        found = self.repo.schedules()
        if not found:
            return "No drill schedules. Add one with `/deploy drill schedule … every …`."
        lines = [
            f"• {s.id}: {describe(s)}; next {s.next_at.astimezone(self.tz):%a %d %b %H:%M %Z}"
            for s in found
        ]
        return "Drill schedules:\n" + "\n".join(lines)

    def trainees(self, who: str) -> tuple[str, ...]:
        """A group's members in a stable order, or the one user."""
        return tuple(sorted(self.service.members(who))) if who.startswith("S") else (who,)

    # --- the worker's part ------------------------------------------------------------------

    def run_due(self, now: datetime) -> list[str]:
        """Start every due drill (or skip it in a freeze); the drill ids started."""
        started = []
        for schedule in self.repo.due_schedules(now):
            try:
                drill_id = self.fire(schedule, now)
            except CommanderError as exc:  # e.g. the trainer left, the scenario is gone
                log.warning("drill schedule %s: %s", schedule.id, exc)
                self.repo.claim_firing(schedule, self._next(schedule, now), schedule.turn, None)
                continue
            if drill_id is not None:
                started.append(drill_id)
        return started

    def fire(self, schedule: ScheduleRecord, now: datetime) -> str | None:
        """Start this week's drill for the next trainee, unless frozen or claimed elsewhere."""
        following = self._next(schedule, now)
        runtime = tuple(self.repo.active_freezes(now))
        if freeze_at(now, (*self.service.config.team.freezes, *runtime), self.tz) is not None:
            self.repo.claim_firing(schedule, following, schedule.turn, schedule.last_drill_id)
            log.info("drill schedule %s: skipped this week, a freeze is on", schedule.id)
            return None
        trainees = self.trainees(schedule.trainees)
        if not trainees:
            raise NotFound(f"@{schedule.trainees} has no members")
        trainee = trainees[schedule.turn % len(trainees)]
        scenario = self._scenario(schedule)
        if not self.repo.claim_firing(schedule, following, schedule.turn + 1, "starting"):
            return None  # another replica fired it
        record = self.service.begin(DrillStart(scenario, commander=trainee), schedule.trainer)
        self.repo.claim_firing(
            ScheduleRecord(**{**schedule.__dict__, "next_at": following}),
            following, schedule.turn + 1, record.id,
        )  # fmt: skip
        return record.id

    def _scenario(self, schedule: ScheduleRecord) -> str:
        if schedule.scenario != RANDOM:
            return schedule.scenario
        names = sorted(p.stem for p in self.service.scenarios.glob("*.toml"))
        if not names:
            raise NotFound(f"no scenarios in {self.service.scenarios}/")
        return random.Random(f"{schedule.id}:{schedule.turn}").choice(names)  # noqa: S311

    def _next(self, schedule: ScheduleRecord, now: datetime) -> datetime:
        """The next firing after now: a bot that was down skips the missed weeks."""
        return next_firing(schedule.weekday, schedule.at_time, self.tz, now)


def describe(schedule: ScheduleRecord) -> str:
    """A schedule in words."""
    day = WEEKDAYS[schedule.weekday].capitalize()
    who = f"@{schedule.trainees}"
    return f"{schedule.scenario} every {day} at {schedule.at_time} for {who}"
