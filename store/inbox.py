"""The inbox: slash commands stored before their ack, claimed and carried out from the store."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from rollout.records import InboxRecord
from store.models import InboxCommand

INBOX: Table = InboxCommand.metadata.tables["inbox"]
ADD = insert(INBOX)


class InboxStore:
    """Adds, claims and finishes stored commands."""

    _engine: Engine
    # SQLite takes one writer at a time and makes the others sleep-poll (up to 100 ms a
    # round); queueing this process's inbox writes on a lock instead keeps acks fast.
    _inbox_writes: threading.Lock

    def add_command(self, command: InboxRecord, owner: str | None = None) -> int | None:
        """Store a command (claimed by `owner`, who carries it out next); None when its key
        was stored before (a retry of the same one)."""
        values = {
            "claimed_by": owner,
            "claimed_at": command.received_at if owner else None,
            "key": command.key,
            "user_id": command.user,
            "channel_id": command.channel,
            "text": command.text,
            "response_url": command.response_url,
            "received_at": command.received_at,
        }
        with self._inbox_writes:
            connection = self._inbox_connection()
            try:
                result = connection.execute(ADD, values)
                connection.commit()
            except IntegrityError:
                connection.rollback()
                return None
        key = result.inserted_primary_key
        return int(key[0]) if key else None

    def _inbox_connection(self) -> Connection:
        """One connection kept for the acks' inserts: no pool checkout on the ack's path."""
        if getattr(self, "_inbox_conn", None) is None:
            self._inbox_conn: Connection | None = self._engine.connect()
        assert self._inbox_conn is not None
        return self._inbox_conn

    def claim_command(
        self, command_id: int, owner: str, now: datetime, lease: timedelta
    ) -> InboxRecord | None:
        """The command, if not done and not claimed by someone else within the lease."""
        free = or_(INBOX.c.claimed_at.is_(None), INBOX.c.claimed_at < now - lease)
        claim = (
            update(INBOX)
            .where(INBOX.c.id == command_id, INBOX.c.done_at.is_(None), free)
            .values(claimed_by=owner, claimed_at=now)
        )
        with self._inbox_writes, self._engine.begin() as connection:
            if connection.execute(claim).rowcount != 1:
                return None
            row = connection.execute(select(INBOX).where(INBOX.c.id == command_id)).one()
        return _record(row)

    def finish_command(self, command_id: int, now: datetime) -> None:
        """Mark the command carried out and answered."""
        with self._inbox_writes, self._engine.begin() as connection:
            connection.execute(update(INBOX).where(INBOX.c.id == command_id).values(done_at=now))

    def pending_commands(self, received_before: datetime) -> list[int]:
        """Commands not done that arrived before a time, oldest first."""
        query = (
            select(INBOX.c.id)
            .where(INBOX.c.done_at.is_(None), INBOX.c.received_at < received_before)
            .order_by(INBOX.c.id)
        )
        with Session(self._engine) as session:
            return [int(i) for i in session.scalars(query)]

    def stored_keys(self, keys: list[str]) -> set[str]:
        """Which of these command keys the inbox holds."""
        found: set[str] = set()
        with Session(self._engine) as session:
            for start in range(0, len(keys), 500):
                query = select(INBOX.c.key).where(INBOX.c.key.in_(keys[start : start + 500]))
                found.update(str(k) for k in session.scalars(query))
        return found


def _record(row: object) -> InboxRecord:
    return InboxRecord(
        key=getattr(row, "key"),  # noqa: B009 (a Row's columns)
        user=getattr(row, "user_id"),  # noqa: B009
        channel=getattr(row, "channel_id"),  # noqa: B009
        text=getattr(row, "text"),  # noqa: B009
        response_url=getattr(row, "response_url"),  # noqa: B009
        received_at=getattr(row, "received_at"),  # noqa: B009
        id=getattr(row, "id"),  # noqa: B009
    )
