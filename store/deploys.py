"""Deploys and their audit trail: compare-and-set state changes, append-only events."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, insert, or_, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from rollout.errors import NotFound
from rollout.events import Audit
from rollout.ports import Conflict
from rollout.records import EventRecord, Message
from rollout.state import DeployState
from store.mapping import deploy_state, deploy_values, event_record, event_values
from store.models import REAL_IN_FLIGHT_SQL, Deploy, DeployEffects, DeployEvent, OutboxMessage
from store.outbox import outbox_values

IN_FLIGHT = ("created", "running", "held")
ACTIVE = (*IN_FLIGHT, "stabilizing")
DEPLOYS: Table = Deploy.metadata.tables["deploys"]
EVENTS: Table = DeployEvent.metadata.tables["deploy_events"]
EFFECTS: Table = DeployEffects.metadata.tables["deploy_effects"]
OUTBOX: Table = OutboxMessage.metadata.tables["outbox"]

# How a winning event reads in "already <verb> by <who> at <time>".
PAST_TENSE = {
    "start": "started",
    "confirm": "confirmed",
    "hold": "held",
    "resume": "resumed",
    "rollback": "rolled back",
    "abort": "aborted",
    "handoff": "handed off",
    "checklist_item_done": "ticked off",
    "mark_healthy": "marked healthy",
    "mark_faulty": "marked faulty",
    "judge_verdict": "judged",
    "bake_elapsed": "moved on after the bake",
    "stabilization_elapsed": "completed after stabilization",
    "smoke_passed": "passed its smoke test",
    "smoke_failed": "failed its smoke test",
}
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


class DeployStore:
    """Deploy rows and deploy events; every state change is a compare-and-set."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def add(
        self,
        deploy: DeployState,
        now: datetime,
        *,
        channel: str | None = None,
        audits: Sequence[Audit] = (),
        outbox: Sequence[Message] = (),
    ) -> None:
        """Record a new deploy at version 1, with its first audits and messages in the same
        transaction; a duplicate id is a Conflict."""
        row = {**deploy_values(deploy), "channel": channel, "created_at": now, "updated_at": now}
        try:
            with self._session() as session, session.begin():
                session.exec(insert(DEPLOYS).values(**row, row_version=1))
                session.exec(insert(EFFECTS).values(deploy_id=deploy.id))
                self._append(session, deploy.id, audits, now)
                self._queue(session, deploy.id, outbox, now)
        except IntegrityError as exc:
            raise self._add_conflict(deploy) from exc

    def _add_conflict(self, deploy: DeployState) -> Conflict:
        """Why an insert failed: the id is taken, or the service already has a deploy in flight."""
        with self._session() as session:
            if session.get(Deploy, deploy.id) is not None:
                return Conflict(f"deploy {deploy.id} already exists")
            rows = session.exec(
                select(Deploy).where(
                    col(Deploy.service) == deploy.service, text(REAL_IN_FLIGHT_SQL)
                )
            ).all()
        if not rows:
            return Conflict(f"deploy {deploy.id} could not be recorded; try again")
        other = rows[0]
        return Conflict(
            f"another deploy of {deploy.service} is in flight "
            f"({other.version}, commander @{other.commander})",
            winner=other.commander,
        )

    def get(self, deploy_id: str) -> DeployState:
        """The deploy's current state."""
        return self.load(deploy_id)[0]

    def version_of(self, deploy_id: str) -> int:
        """The deploy's compare-and-set version."""
        return self.load(deploy_id)[1]

    def load(self, deploy_id: str) -> tuple[DeployState, int]:
        """The state and its version, read together (what a caller should pass to save)."""
        with self._session() as session:
            row = session.get(Deploy, deploy_id)
            if row is None:
                raise NotFound(f"no deploy {deploy_id}")
            return deploy_state(row), row.row_version

    def save(
        self,
        deploy: DeployState,
        expected_version: int,
        audits: Sequence[Audit],
        now: datetime,
        outbox: Sequence[Message] = (),
    ) -> int:
        """Store a new state if nobody changed it since `expected_version`; append the audits
        and queue the transition's Slack messages, all in one transaction."""
        new_version = expected_version + 1
        change = (
            update(DEPLOYS)
            .where(DEPLOYS.c.id == deploy.id, DEPLOYS.c.row_version == expected_version)
            .values(**deploy_values(deploy), updated_at=now, row_version=new_version)
        )
        with self._session() as session, session.begin():
            if session.exec(change).rowcount == 1:
                self._append(session, deploy.id, audits, now)
                self._queue(session, deploy.id, outbox, now)
                return new_version
        raise self._conflict(deploy.id)

    def record(
        self,
        deploy_id: str,
        audits: Sequence[Audit],
        now: datetime,
        outbox: Sequence[Message] = (),
    ) -> None:
        """Append audit entries, and their messages, without changing the deploy's state."""
        with self._session() as session, session.begin():
            self._append(session, deploy_id, audits, now)
            self._queue(session, deploy_id, outbox, now)

    def _append(
        self, session: Session, deploy_id: str, audits: Sequence[Audit], now: datetime
    ) -> None:
        if audits:
            session.exec(insert(EVENTS), params=[event_values(deploy_id, a, now) for a in audits])

    def _queue(
        self, session: Session, deploy_id: str, outbox: Sequence[Message], now: datetime
    ) -> None:
        if outbox:
            rows = [outbox_values(deploy_id, message, now) for message in outbox]
            session.exec(insert(OUTBOX), params=rows)

    def _conflict(self, deploy_id: str) -> Conflict:
        """Explain a lost compare-and-set with the latest decision that won it."""
        self.version_of(deploy_id)  # a vanished deploy is NotFound, not a conflict
        latest = select(DeployEvent).where(
            col(DeployEvent.deploy_id) == deploy_id, col(DeployEvent.kind).not_like("refused:%")
        )
        with self._session() as session:
            winner = session.exec(latest.order_by(col(DeployEvent.id).desc()).limit(1)).first()
        if winner is None:
            return Conflict("someone else changed this deploy first")
        return Conflict(conflict_message(event_record(winner)), winner=winner.actor)

    def set_thread(self, deploy_id: str, channel: str, root_ts: str, thread_ts: str) -> None:
        """Remember where the deploy talks in Slack."""
        change = (
            update(DEPLOYS)
            .where(DEPLOYS.c.id == deploy_id)
            .values(channel=channel, root_ts=root_ts, thread_ts=thread_ts)
        )
        with self._session() as session, session.begin():
            if session.exec(change).rowcount != 1:
                raise NotFound(f"no deploy {deploy_id}")

    def thread_of(self, deploy_id: str) -> tuple[str, str, str] | None:
        """(channel, root_ts, thread_ts), or None before the deploy has a thread."""
        with self._session() as session:
            row = session.get(Deploy, deploy_id)
        if row is None:
            raise NotFound(f"no deploy {deploy_id}")
        if row.channel is None or row.root_ts is None or row.thread_ts is None:
            return None
        return row.channel, row.root_ts, row.thread_ts

    def find_by_thread(self, channel: str, thread_ts: str) -> DeployState | None:
        """The deploy whose root message or thread is `thread_ts` in `channel`."""
        query = select(Deploy).where(
            col(Deploy.channel) == channel,
            or_(col(Deploy.thread_ts) == thread_ts, col(Deploy.root_ts) == thread_ts),
        )
        with self._session() as session:
            row = session.exec(query.order_by(col(Deploy.created_at).desc()).limit(1)).first()
        return deploy_state(row) if row else None

    def in_flight(self) -> list[DeployState]:
        """Deploys that are created, running or held, oldest first."""
        return self._with_status(IN_FLIGHT)

    def active(self) -> list[DeployState]:
        """Real in-flight deploys plus those stabilizing, oldest first (never drills)."""
        return self._with_status(ACTIVE)

    def _with_status(self, statuses: Sequence[str]) -> list[DeployState]:
        query = (  # drills live apart: the worker's DrillRunner runs them
            select(Deploy)
            .where(col(Deploy.status).in_(statuses), col(Deploy.drill).is_(False))
            .order_by(col(Deploy.created_at))
        )
        with self._session() as session:
            return [deploy_state(row) for row in session.exec(query)]

    def latest_for(self, service: str) -> DeployState | None:
        """The service's most recently created deploy."""
        query = select(Deploy).where(col(Deploy.service) == service, col(Deploy.drill).is_(False))
        with self._session() as session:
            row = session.exec(query.order_by(col(Deploy.created_at).desc()).limit(1)).first()
        return deploy_state(row) if row else None

    def events(self, deploy_id: str) -> list[EventRecord]:
        """The deploy's audit trail, oldest first."""
        query = select(DeployEvent).where(col(DeployEvent.deploy_id) == deploy_id)
        with self._session() as session:
            ordered = query.order_by(col(DeployEvent.id))
            return [event_record(row) for row in session.exec(ordered)]


def conflict_message(winner: EventRecord) -> str:
    """ "already confirmed by @U123 at 14:02 UTC": who won the race, and when."""
    verb = PAST_TENSE.get(winner.kind, f"changed ({winner.kind.replace('_', ' ')})")
    return f"already {verb} by {_who(winner.actor)} at {winner.at:%H:%M} UTC"


def _who(actor: str) -> str:
    if SLACK_USER.match(actor):
        return f"@{actor}"
    return {"policy": "the rollback policy", "system": "the system"}.get(actor, actor)
