"""The outbox: Slack messages written with the transition that decided them, sent later by
whichever replica holds the deploy's lease; and how far each deploy's effects got."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Table, exists, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from rollout.records import ROOT, Message, OutboxRecord
from rollout.state import DeployState
from store.mapping import deploy_state
from store.models import Deploy, DeployEffects, OutboxMessage

OUTBOX: Table = OutboxMessage.metadata.tables["outbox"]
EFFECTS: Table = DeployEffects.metadata.tables["deploy_effects"]
DEPLOYS: Table = Deploy.metadata.tables["deploys"]
SENDING_STATES = ("pending", "sent", "dropped")
ACTIVE = ("created", "running", "held", "stabilizing")


def outbox_values(deploy_id: str, message: Message, now: datetime) -> dict[str, Any]:
    """The outbox columns of a new, pending message."""
    return {
        "deploy_id": deploy_id,
        "kind": message.kind,
        "channel": message.channel,
        "in_thread": message.in_thread,
        "target": message.target,
        "ref": message.ref,
        "text": message.text,
        "blocks": list(message.blocks),
        "state": "pending",
        "attempts": 0,
        "created_at": now,
    }


def outbox_record(row: OutboxMessage) -> OutboxRecord:
    """A stored outbox row as a record."""
    assert row.id is not None
    message = Message(
        kind=row.kind if row.kind in ("update", "upload") else "post",  # type: ignore[arg-type]
        text=row.text,
        blocks=list(row.blocks),
        channel=row.channel,
        in_thread=row.in_thread,
        target=row.target,
        ref=row.ref,
    )
    return OutboxRecord(
        id=row.id,
        deploy_id=row.deploy_id,
        message=message,
        state=_sending_state(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        sent_channel=row.sent_channel,
        ts=row.ts,
    )


def _sending_state(value: str) -> Literal["pending", "sent", "dropped"]:
    """An outbox row's state column, checked (the column holds a plain string)."""
    if value not in SENDING_STATES:
        raise ValueError(f"unexpected outbox state {value!r} in the store")
    return cast(Literal["pending", "sent", "dropped"], value)


class OutboxStore:
    """Pending messages, per-deploy send leases, and the card and world markers."""

    _engine: Engine

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    # --- messages ---------------------------------------------------------------------

    def outbox_due(self, now: datetime) -> list[str]:
        """Deploys whose oldest pending message may be sent now, oldest message first."""
        query = (
            select(OutboxMessage)
            .where(col(OutboxMessage.state) == "pending")
            .order_by(col(OutboxMessage.id))
        )
        first: dict[str, OutboxRecord] = {}
        with self._session() as session:
            for row in session.scalars(query):
                first.setdefault(row.deploy_id, outbox_record(row))
        return [deploy_id for deploy_id, record in first.items() if record.due(now)]

    def pending_messages(self, deploy_id: str) -> list[OutboxRecord]:
        """A deploy's unsent messages, in the order they were decided."""
        query = (
            select(OutboxMessage)
            .where(col(OutboxMessage.deploy_id) == deploy_id, col(OutboxMessage.state) == "pending")
            .order_by(col(OutboxMessage.id))
        )
        with self._session() as session:
            return [outbox_record(row) for row in session.scalars(query)]

    def messages(self, deploy_id: str) -> list[OutboxRecord]:
        """Every message of a deploy, in order, whatever its state."""
        query = (
            select(OutboxMessage)
            .where(col(OutboxMessage.deploy_id) == deploy_id)
            .order_by(col(OutboxMessage.id))
        )
        with self._session() as session:
            return [outbox_record(row) for row in session.scalars(query)]

    def message_named(self, deploy_id: str, ref: str) -> OutboxRecord | None:
        """The latest message of a deploy posted under `ref`, sent or not."""
        query = (
            select(OutboxMessage)
            .where(col(OutboxMessage.deploy_id) == deploy_id, col(OutboxMessage.ref) == ref)
            .order_by(col(OutboxMessage.id).desc())
            .limit(1)
        )
        with self._session() as session:
            row = session.scalars(query).first()
        return outbox_record(row) if row else None

    def mark_sent(self, message_id: int, channel: str, ts: str, now: datetime) -> None:
        """Slack took the message; posting the root card also gives the deploy its thread."""
        with self._session() as session, session.begin():
            row = session.get(OutboxMessage, message_id)
            assert row is not None, f"no outbox message {message_id}"
            row.state, row.sent_channel, row.ts, row.sent_at = "sent", channel, ts, now
            row.attempts += 1
            if row.ref == ROOT and row.kind == "post":
                session.execute(
                    update(DEPLOYS)
                    .where(DEPLOYS.c.id == row.deploy_id)
                    .values(channel=channel, root_ts=ts, thread_ts=ts)
                )

    def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None:
        """Slack refused or failed; try again at `retry_at` (later messages wait for it)."""
        change = (
            update(OUTBOX)
            .where(OUTBOX.c.id == message_id)
            .values(
                attempts=OUTBOX.c.attempts + 1, last_error=error[:500], next_attempt_at=retry_at
            )
        )
        with self._session() as session, session.begin():
            session.execute(change)

    def mark_dropped(self, message_id: int, error: str) -> None:
        """Give a message up for good (it can never be sent, e.g. its target was deleted)."""
        change = (
            update(OUTBOX)
            .where(OUTBOX.c.id == message_id)
            .values(state="dropped", attempts=OUTBOX.c.attempts + 1, last_error=error[:500])
        )
        with self._session() as session, session.begin():
            session.execute(change)

    # --- the lease on sending a deploy's messages -------------------------------------

    def claim_outbox(self, deploy_id: str, owner: str, now: datetime, lease: timedelta) -> bool:
        """Take (or extend) the right to send this deploy's messages; False if another has it."""
        change = (
            update(EFFECTS)
            .where(
                EFFECTS.c.deploy_id == deploy_id,
                or_(
                    EFFECTS.c.lease_until.is_(None),
                    EFFECTS.c.lease_until < now,
                    EFFECTS.c.owner == owner,
                ),
            )
            .values(owner=owner, lease_until=now + lease)
        )
        with self._session() as session, session.begin():
            return session.exec(change).rowcount == 1

    def release_outbox(self, deploy_id: str, owner: str) -> None:
        """Let any replica send this deploy's messages again."""
        change = (
            update(EFFECTS)
            .where(EFFECTS.c.deploy_id == deploy_id, EFFECTS.c.owner == owner)
            .values(owner=None, lease_until=None)
        )
        with self._session() as session, session.begin():
            session.execute(change)

    # --- the card ---------------------------------------------------------------------

    def stale_cards(self) -> list[str]:
        """Deploys with a root card that does not show their stored version yet."""
        query = (
            select(DEPLOYS.c.id)
            .join(EFFECTS, EFFECTS.c.deploy_id == DEPLOYS.c.id)
            .where(
                DEPLOYS.c.root_ts.is_not(None),
                or_(
                    EFFECTS.c.card_version.is_(None),
                    EFFECTS.c.card_version != DEPLOYS.c.row_version,
                ),
            )
            .order_by(DEPLOYS.c.created_at)
        )
        with self._session() as session:
            return [str(deploy_id) for deploy_id in session.scalars(query)]

    def card_version(self, deploy_id: str) -> int | None:
        """The deploy version its card in Slack shows, if any."""
        with self._session() as session:
            row = session.get(DeployEffects, deploy_id)
            return row.card_version if row else None

    def mark_card_shown(self, deploy_id: str, version: int) -> None:
        """The card now shows the deploy at `version`."""
        self._set_effects(deploy_id, card_version=version)

    # --- the world --------------------------------------------------------------------

    def to_reconcile(self) -> list[tuple[DeployState, int]]:
        """Each service's latest deploy, if it is active or its world is not known applied.

        Older deploys of a service are superseded: re-applying one would undo the newer.
        """
        newer = aliased(DEPLOYS)
        superseded = exists().where(
            newer.c.service == DEPLOYS.c.service,
            newer.c.created_at > DEPLOYS.c.created_at,
            newer.c.drill.is_(False),  # a later drill of the service supersedes nothing
        )
        query = (
            select(Deploy)
            .join(EFFECTS, EFFECTS.c.deploy_id == DEPLOYS.c.id, isouter=True)
            .where(
                or_(
                    col(Deploy.status).in_(ACTIVE),
                    EFFECTS.c.world_version.is_(None),
                    EFFECTS.c.world_version != DEPLOYS.c.row_version,
                ),
                ~superseded,
                col(Deploy.drill).is_(False),  # a drill's world is the simulator
            )
            .order_by(col(Deploy.created_at))
        )
        with self._session() as session:
            return [(deploy_state(row), row.row_version) for row in session.scalars(query)]

    def mark_world_applied(self, deploy_id: str, version: int) -> None:
        """Production matches the deploy's desired world at `version`."""
        self._set_effects(deploy_id, world_version=version)

    def _set_effects(self, deploy_id: str, **values: Any) -> None:
        with self._session() as session, session.begin():
            session.execute(
                update(EFFECTS).where(EFFECTS.c.deploy_id == deploy_id).values(**values)
            )
