"""Weekly drill schedules: add, list, cancel, and claim a due firing (compare-and-set on
next_at, so one replica starts each surprise drill)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from rollout.errors import NotFound
from store.drill_models import DrillSchedule

SCHEDULES: Table = DrillSchedule.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ScheduleRecord:
    """A schedule as stored: every `weekday` at `at_time` (team time) for `trainees`."""

    id: str
    scenario: str
    weekday: int
    at_time: str
    trainees: str
    trainer: str
    status: str
    turn: int
    next_at: datetime
    created_at: datetime
    last_drill_id: str | None = None


def _record(row: DrillSchedule) -> ScheduleRecord:
    fields = ScheduleRecord.__dataclass_fields__
    return ScheduleRecord(**{name: getattr(row, name) for name in fields})


class ScheduleStore:
    """The drill_schedules table."""

    _engine: Engine

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def add_schedule(self, schedule: ScheduleRecord) -> None:
        """Store a new schedule."""
        values = {name: getattr(schedule, name) for name in ScheduleRecord.__dataclass_fields__}
        with self._session() as session, session.begin():
            session.execute(insert(SCHEDULES).values(**values))

    def schedules(self, active_only: bool = True) -> list[ScheduleRecord]:
        """Schedules, the soonest first."""
        query = select(DrillSchedule)
        if active_only:
            query = query.where(col(DrillSchedule.status) == "active")
        with self._session() as session:
            rows = session.scalars(query.order_by(col(DrillSchedule.next_at)))
            return [_record(row) for row in rows]

    def due_schedules(self, now: datetime) -> list[ScheduleRecord]:
        """Active schedules whose next firing is at or before `now`."""
        return [s for s in self.schedules() if s.next_at <= now]

    def claim_firing(
        self, schedule: ScheduleRecord, next_at: datetime, turn: int, drill_id: str | None
    ) -> bool:
        """Move a due schedule to its next firing; False if another replica did first."""
        change = (
            update(SCHEDULES)
            .where(SCHEDULES.c.id == schedule.id, SCHEDULES.c.next_at == schedule.next_at)
            .values(next_at=next_at, turn=turn, last_drill_id=drill_id)
        )
        with self._session() as session, session.begin():
            return bool(session.execute(change).rowcount == 1)  # type: ignore[attr-defined]

    def cancel_schedule(self, schedule_id: str) -> ScheduleRecord:
        """Cancel an active schedule; NotFound if there is none by that id."""
        change = (
            update(SCHEDULES)
            .where(SCHEDULES.c.id == schedule_id, SCHEDULES.c.status == "active")
            .values(status="cancelled")
        )
        with self._session() as session, session.begin():
            if session.execute(change).rowcount != 1:  # type: ignore[attr-defined]
                raise NotFound(f"No active drill schedule {schedule_id}.")
            row = session.get(DrillSchedule, schedule_id)
            assert row is not None
            return _record(row)
