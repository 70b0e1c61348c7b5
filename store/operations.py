"""Everything around deploys: freezes and locks, rotation handoffs, maintenance notices,
feature flags, drills and Slack delivery de-duplication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, delete, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from rollout import config as core
from rollout.errors import CommanderError
from rollout.records import FreezeRecord, NoticeRecord
from store import drill_models, models
from store.mapping import freeze_record, notice_record

NOTICES: Table = models.StoreModel.metadata.tables["maintenance_notices"]
DELIVERIES: Table = models.StoreModel.metadata.tables["slack_deliveries"]


class OperationsStore:
    """The operational tables the bot reads and writes around deploys."""

    _engine: Engine

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    # --- freezes and locks ------------------------------------------------------------

    def add_freeze(
        self, service: str, *, until: datetime, reason: str, set_by: str, now: datetime
    ) -> FreezeRecord:
        """Freeze `service` ("all": every service) from now until `until`."""
        if until <= now:
            raise CommanderError(f"a freeze must end in the future, not at {until:%Y-%m-%d %H:%M}")
        row = models.Freeze(
            service=service, starts_at=now, until=until, reason=reason, set_by=set_by
        )
        with self._session() as session, session.begin():
            session.add(row)
        return freeze_record(row)

    def active_freezes(self, now: datetime) -> list[core.Freeze]:
        """Freezes in force at `now`, as the core's Freeze objects."""
        with self._session() as session:
            rows = session.exec(_in_force(now).order_by(col(models.Freeze.starts_at)))
            return [
                core.Freeze(
                    start=row.starts_at,
                    until=row.until,
                    reason=row.reason,
                    services=(row.service,),
                    set_by=row.set_by,
                )
                for row in rows
            ]

    def end_freeze(self, service: str, *, by: str, now: datetime) -> FreezeRecord | None:
        """End every freeze on `service` now; the latest one ended, or None if none was on."""
        query = _in_force(now).where(col(models.Freeze.service) == service)
        with self._session() as session, session.begin():
            rows = list(session.exec(query.order_by(col(models.Freeze.starts_at))))
            for row in rows:
                row.ended_at, row.ended_by = now, by
        return freeze_record(rows[-1]) if rows else None

    # --- rotation ---------------------------------------------------------------------

    def add_handoff(self, at: datetime, user: str) -> None:
        """Make `user` deploy commander from `at` on."""
        with self._session() as session, session.begin():
            session.add(models.RotationHandoff(at=at, user_id=user))

    def handoffs_since(self, since: datetime) -> list[tuple[datetime, str]]:
        """Handoffs at or after `since`, in time order."""
        table = models.RotationHandoff
        query = select(table).where(col(table.at) >= since).order_by(col(table.at), col(table.id))
        with self._session() as session:
            return [(row.at, row.user_id) for row in session.exec(query)]

    # --- maintenance notices ----------------------------------------------------------

    def add_notice(
        self,
        *,
        channel: str,
        text: str,
        starts_at: datetime,
        ends_at: datetime | None,
        created_by: str,
        now: datetime | None = None,
    ) -> NoticeRecord:
        """Schedule a maintenance notice (`now`, when it was scheduled, defaults to the clock)."""
        row = models.MaintenanceNotice(
            channel=channel,
            text=text,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=created_by,
            created_at=now or datetime.now(UTC),
            state="scheduled",
        )
        with self._session() as session, session.begin():
            session.add(row)
        return notice_record(row)

    def notices_pending(self) -> list[NoticeRecord]:
        """Notices still to post (scheduled) or to end (posted), by start time."""
        table = models.MaintenanceNotice
        query = select(table).where(col(table.state).in_(("scheduled", "posted")))
        with self._session() as session:
            rows = session.exec(query.order_by(col(table.starts_at), col(table.id)))
            return [notice_record(row) for row in rows]

    def mark_notice_posted(self, notice_id: int, ts: str, now: datetime) -> bool:
        """Scheduled → posted; False when another replica got there first."""
        return self._move_notice(
            notice_id, "scheduled", state="posted", posted_ts=ts, posted_at=now
        )

    def mark_notice_ended(self, notice_id: int, ts: str | None, now: datetime) -> bool:
        """Posted → ended; False when it was not posted or another replica ended it."""
        return self._move_notice(notice_id, "posted", state="ended", ended_ts=ts, ended_at=now)

    def _move_notice(self, notice_id: int, expected: str, **values: object) -> bool:
        change = (
            update(NOTICES)
            .where(NOTICES.c.id == notice_id, NOTICES.c.state == expected)
            .values(**values)
        )
        with self._session() as session, session.begin():
            return session.exec(change).rowcount == 1

    # --- feature flags ----------------------------------------------------------------

    def set_flag(
        self, name: str, enabled: bool, *, by: str, now: datetime, reason: str = ""
    ) -> None:
        """Turn a flag on or off, keeping the change in its history."""
        with self._session() as session, session.begin():
            flag = session.get(models.FeatureFlag, name)
            if flag is None:
                session.add(
                    models.FeatureFlag(name=name, enabled=enabled, updated_at=now, updated_by=by)
                )
                session.flush()
            else:
                flag.enabled, flag.updated_at, flag.updated_by = enabled, now, by
            session.add(
                models.FeatureFlagChange(
                    name=name, enabled=enabled, changed_by=by, changed_at=now, reason=reason
                )
            )

    def flags(self) -> dict[str, bool]:
        """Every flag's current value."""
        with self._session() as session:
            return {row.name: row.enabled for row in session.exec(select(models.FeatureFlag))}

    def flag_history(self, name: str) -> list[tuple[datetime, str, bool, str]]:
        """A flag's changes, oldest first: (when, by whom, enabled, why)."""
        table = models.FeatureFlagChange
        query = select(table).where(col(table.name) == name).order_by(col(table.id))
        with self._session() as session:
            return [(r.changed_at, r.changed_by, r.enabled, r.reason) for r in session.exec(query)]

    # --- drills -----------------------------------------------------------------------

    def add_drill_run(
        self,
        *,
        scenario: str,
        trainer: str,
        trainee: str,
        seed: int,
        score: float | None,
        now: datetime,
    ) -> int:
        """Record a drill run; its id."""
        row = drill_models.DrillRun(
            scenario=scenario,
            trainer=trainer,
            trainee=trainee,
            seed=seed,
            score=score,
            created_at=now,
        )
        with self._session() as session, session.begin():
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    # --- Slack deliveries -------------------------------------------------------------

    def claim_delivery(self, key: str, now: datetime, ttl: timedelta = timedelta(hours=1)) -> bool:
        """True the first time `key` is seen within its ttl; purges expired keys on the way."""
        table = DELIVERIES
        try:
            with self._session() as session, session.begin():
                session.exec(delete(table).where(table.c.expires_at <= now))
                session.exec(insert(table).values(key=key, seen_at=now, expires_at=now + ttl))
        except IntegrityError:
            return False
        return True


def _in_force(now: datetime) -> SelectOfScalar[models.Freeze]:
    table = models.Freeze
    return select(table).where(
        col(table.starts_at) <= now, col(table.until) > now, col(table.ended_at).is_(None)
    )
