"""Drills and their pending inputs; a drill's step saves its deploy and its progress at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from rollout.errors import NotFound
from rollout.events import Audit
from rollout.ports import Conflict
from rollout.records import Message
from rollout.state import DeployState
from store.drill_models import Drill, DrillInput
from store.mapping import deploy_values, event_values
from store.models import Deploy, DeployEffects, DeployEvent, OutboxMessage
from store.outbox import outbox_values

DRILLS: Table = Drill.__table__  # type: ignore[attr-defined]
INPUTS: Table = DrillInput.__table__  # type: ignore[attr-defined]
DEPLOYS: Table = Deploy.__table__  # type: ignore[attr-defined]
EFFECTS: Table = DeployEffects.__table__  # type: ignore[attr-defined]
EVENTS: Table = DeployEvent.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
LIVE = ("running", "paused")


@dataclass(frozen=True)
class DrillRecord:
    """A drill as stored."""

    id: str
    deploy_id: str
    scenario: str
    seed: int
    speed: float
    policy: str
    trainer: str
    commander: str
    status: str
    started_at: datetime
    paused_at: datetime | None = None
    paused_total_s: float = 0.0
    applied_s: float = 0.0
    inputs_taken: int = 0
    decisions: list[dict[str, Any]] = field(default_factory=list)
    injections: list[dict[str, Any]] = field(default_factory=list)
    scorecard: dict[str, Any] | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    reaction_scale: float = 1.0
    clock_at: datetime | None = None
    clock_s: float = 0.0
    clock_rate: float | None = None
    asking: dict[str, Any] | None = None
    reactions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Simulated seconds per wall second now: speed, 0 until a question shows, or the
        reaction scale while it is open (docs/architecture.md, "The fair clock")."""
        return self.speed if self.clock_rate is None else self.clock_rate

    def now_s(self, wall: datetime) -> float:
        """The drill's simulated seconds at wall-clock `wall` (frozen while paused)."""
        until = self.paused_at if self.paused_at is not None else wall
        if self.clock_at is None:  # a drill from before the fair clock
            elapsed = (until - self.started_at).total_seconds() - self.paused_total_s
            return max(elapsed, 0.0) * self.speed
        return self.clock_s + max((until - self.clock_at).total_seconds(), 0.0) * self.rate


@dataclass(frozen=True)
class DrillInputRecord:
    """A pending input: a decision, an injection or an end request."""

    id: int
    drill_id: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime | None = None


def _record(row: Drill) -> DrillRecord:
    return DrillRecord(**{name: getattr(row, name) for name in DrillRecord.__dataclass_fields__})


class DrillStore:
    """The drills table: add, read, record inputs, save steps, pause, resume and finish."""

    _engine: Engine

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def add_drill(self, drill: DrillRecord, deploy: DeployState, channel: str) -> None:
        """Record the drill and its deploy row (drill=True) in one transaction."""
        now = drill.started_at
        row = {**deploy_values(deploy), "channel": channel, "created_at": now, "updated_at": now}
        values = {name: getattr(drill, name) for name in DrillRecord.__dataclass_fields__}
        with self._session() as session, session.begin():
            session.execute(insert(DEPLOYS).values(**row, row_version=1))
            session.execute(insert(EFFECTS).values(deploy_id=deploy.id))
            session.execute(insert(DRILLS).values(**values))

    def get_drill(self, drill_id: str) -> DrillRecord:
        """One drill; NotFound if there is none."""
        with self._session() as session:
            row = session.get(Drill, drill_id)
        if row is None:
            raise NotFound(f"no drill {drill_id}")
        return _record(row)

    def drill_of_deploy(self, deploy_id: str) -> DrillRecord | None:
        """The drill a deploy row belongs to, if any."""
        return self._first(select(Drill).where(col(Drill.deploy_id) == deploy_id))

    def latest_drill_of_trainer(self, trainer: str) -> DrillRecord | None:
        """The trainer's most recently started drill that is still running or paused."""
        query = select(Drill).where(col(Drill.trainer) == trainer, col(Drill.status).in_(LIVE))
        return self._first(query.order_by(col(Drill.started_at).desc()))

    def drills_in_progress(self) -> list[DrillRecord]:
        """Running and paused drills, oldest first."""
        return self._all(select(Drill).where(col(Drill.status).in_(LIVE)))

    def running_drills(self) -> list[DrillRecord]:
        """Drills the worker advances, oldest first."""
        return self._all(select(Drill).where(col(Drill.status) == "running"))

    def drill_history(self, commander: str | None = None, limit: int = 10) -> list[DrillRecord]:
        """Ended drills, newest first; only `commander`'s when given."""
        query = select(Drill).where(col(Drill.status) == "ended")
        if commander is not None:
            query = query.where(col(Drill.commander) == commander)
        with self._session() as session:
            rows = session.scalars(query.order_by(col(Drill.ended_at).desc()).limit(limit))
            return [_record(row) for row in rows]

    def add_drill_input(
        self, drill_id: str, kind: str, payload: dict[str, Any], now: datetime
    ) -> None:
        """Queue a decision, an injection or an end request for the worker."""
        with self._session() as session, session.begin():
            values = {"drill_id": drill_id, "kind": kind, "payload": payload, "created_at": now}
            session.execute(insert(INPUTS).values(**values))

    def drill_inputs(self, drill_id: str, after: int) -> list[DrillInputRecord]:
        """The drill's inputs not yet applied, in the order they came."""
        query = select(DrillInput).where(
            col(DrillInput.drill_id) == drill_id, col(DrillInput.id) > after
        )
        with self._session() as session:
            rows = session.scalars(query.order_by(col(DrillInput.id))).all()
        return [
            DrillInputRecord(r.id or 0, r.drill_id, r.kind, dict(r.payload), r.created_at)
            for r in rows
        ]

    def save_drill_step(
        self,
        drill_id: str,
        progress: dict[str, Any],
        step: tuple[DeployState, int, Sequence[Audit], Sequence[Message]] | None,
        now: datetime,
    ) -> None:
        """Save a step's deploy state, audits and messages (compare-and-set) with the drill's
        progress, in one transaction: after kill -9 the drill resumes from exactly there."""
        with self._session() as session, session.begin():
            if step is not None:
                deploy, version, audits, messages = step
                change = (
                    update(DEPLOYS)
                    .where(DEPLOYS.c.id == deploy.id, DEPLOYS.c.row_version == version)
                    .values(**deploy_values(deploy), updated_at=now, row_version=version + 1)
                )
                if session.execute(change).rowcount != 1:  # type: ignore[attr-defined]
                    raise Conflict(f"drill deploy {deploy.id} changed under its worker")
                if audits:
                    session.execute(
                        insert(EVENTS), [event_values(deploy.id, a, now) for a in audits]
                    )
                if messages:
                    session.execute(
                        insert(OUTBOX), [outbox_values(deploy.id, m, now) for m in messages]
                    )
            if progress:
                session.execute(update(DRILLS).where(DRILLS.c.id == drill_id).values(**progress))

    def question_sent_at(self, deploy_id: str) -> datetime | None:
        """When Slack took the drill's latest post; None while a post (not an upload) waits.

        The fair clock's "Slack has shown the question": the question is the latest post.
        """
        query = select(OUTBOX.c.state, OUTBOX.c.kind, OUTBOX.c.sent_at).where(
            OUTBOX.c.deploy_id == deploy_id, OUTBOX.c.kind != "upload"
        )
        with self._session() as session:
            rows = session.execute(query).all()
        if any(row.state == "pending" for row in rows):
            return None
        sent = [row.sent_at for row in rows if row.sent_at is not None]
        return max(sent, default=None)

    def set_drill(self, drill_id: str, **values: Any) -> None:
        """Change a drill's row (pause, resume, finish)."""
        with self._session() as session, session.begin():
            change = update(DRILLS).where(DRILLS.c.id == drill_id).values(**values)
            if session.execute(change).rowcount != 1:  # type: ignore[attr-defined]
                raise NotFound(f"no drill {drill_id}")

    def _first(self, query: Any) -> DrillRecord | None:
        with self._session() as session:
            row = session.scalars(query.limit(1)).first()
        return _record(row) if row else None

    def _all(self, query: Any) -> list[DrillRecord]:
        with self._session() as session:
            return [_record(r) for r in session.scalars(query.order_by(col(Drill.started_at)))]
