"""Release trains and their cars; which deploy each car became."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from rollout.errors import NotFound
from rollout.records import Message, TrainCarRecord, TrainRecord
from store.models import ReleaseTrain, SlackDelivery, TrainCar
from store.outbox import OUTBOX, outbox_values

CARS: Table = TrainCar.metadata.tables["train_cars"]
TRAINS: Table = ReleaseTrain.metadata.tables["release_trains"]
DELIVERIES: Table = SlackDelivery.metadata.tables["slack_deliveries"]
KEEP_KEYS = timedelta(days=30)  # a train's messages are keyed for longer than it is watched


class TrainStore:
    """The release_trains and train_cars tables."""

    _engine: Engine

    def add_train(
        self,
        train_id: str,
        cars: Sequence[tuple[str, str]],
        *,
        created_by: str,
        now: datetime,
        commit_time: datetime | None = None,
        force_reason: str | None = None,
    ) -> TrainRecord:
        """Record a train whose cars run in the given order; passes skip it until opened."""
        with Session(self._engine) as session, session.begin():
            session.add(
                ReleaseTrain(
                    id=train_id,
                    created_by=created_by,
                    created_at=now,
                    commit_time=commit_time,
                    state="starting",
                    force_reason=force_reason,
                )
            )
            session.flush()
            for position, (service, version) in enumerate(cars):
                session.add(
                    TrainCar(train_id=train_id, position=position, service=service, version=version)
                )
        return self.train(train_id)

    def set_train_thread(self, train_id: str, channel: str, thread_ts: str) -> None:
        """Remember the train's thread."""
        change = update(TRAINS).where(TRAINS.c.id == train_id)
        with Session(self._engine) as session, session.begin():
            session.execute(change.values(channel=channel, thread_ts=thread_ts))

    def claim_car(
        self, train_id: str, position: int, token: str, now: datetime, stale: timedelta
    ) -> bool:
        """Take the right to start a car (one replica at a time); a claim older than `stale`
        died with its process and may be taken over."""
        free = or_(CARS.c.claim.is_(None), CARS.c.claimed_at < now - stale)
        return self._change_car(
            train_id, position, CARS.c.deploy_id.is_(None), free, claim=token, claimed_at=now
        )

    def release_car(self, train_id: str, position: int, token: str) -> None:
        """Give a claim back after the start was refused, so a later pass tries again."""
        self._change_car(train_id, position, CARS.c.claim == token, claim=None, claimed_at=None)

    def set_car_deploy(self, train_id: str, position: int, deploy_id: str) -> bool:
        """Link a car to the deploy it started; False if it already had one."""
        return self._change_car(
            train_id, position, CARS.c.deploy_id.is_(None), deploy_id=deploy_id, claim=None
        )

    def _change_car(self, train_id: str, position: int, *conditions: Any, **values: object) -> bool:
        change = (
            update(CARS)
            .where(CARS.c.train_id == train_id, CARS.c.position == position, *conditions)
            .values(**values)
        )
        with Session(self._engine) as session, session.begin():
            return session.exec(change).rowcount == 1

    def queue_message(self, key: str, deploy_id: str, message: Message, now: datetime) -> bool:
        """Add a message to a deploy's outbox once per `key` (replicas race); True if added."""
        claim = {"key": f"train:{key}", "seen_at": now, "expires_at": now + KEEP_KEYS}
        try:
            with Session(self._engine) as session, session.begin():
                session.execute(insert(DELIVERIES).values(**claim))
                session.execute(insert(OUTBOX).values(**outbox_values(deploy_id, message, now)))
        except IntegrityError:
            return False
        return True

    def open_train(self, train_id: str) -> None:
        """The train's first cars have started: later passes move it on."""
        change = update(TRAINS).where(TRAINS.c.id == train_id, TRAINS.c.state == "starting")
        with Session(self._engine) as session, session.begin():
            session.execute(change.values(state="open"))

    def close_train(self, train_id: str, now: datetime) -> None:
        """The train is done or stopped: later passes skip it."""
        change = update(TRAINS).where(TRAINS.c.id == train_id, TRAINS.c.state != "closed")
        with Session(self._engine) as session, session.begin():
            session.execute(change.values(state="closed", closed_at=now))

    def train(self, train_id: str) -> TrainRecord:
        """One train with its cars."""
        with Session(self._engine) as session:
            row = session.get(ReleaseTrain, train_id)
            if row is None:
                raise NotFound(f"no release train {train_id}")
            return _record(row, _cars(session, [train_id]).get(train_id, ()))

    def open_trains(self) -> list[TrainRecord]:
        """Trains still running or held, oldest first."""
        query = select(ReleaseTrain).where(TRAINS.c.state == "open")
        with Session(self._engine) as session:
            rows = list(session.scalars(query.order_by(TRAINS.c.created_at)))
            cars = _cars(session, [r.id for r in rows])
            return [_record(row, cars.get(row.id, ())) for row in rows]


def _cars(session: Session, ids: Sequence[str]) -> dict[str, tuple[TrainCarRecord, ...]]:
    if not ids:
        return {}
    query = select(TrainCar).where(CARS.c.train_id.in_(ids))
    found: dict[str, list[TrainCarRecord]] = {}
    for car in session.scalars(query.order_by(CARS.c.train_id, CARS.c.position)):
        found.setdefault(car.train_id, []).append(
            TrainCarRecord(car.position, car.service, car.version, car.deploy_id)
        )
    return {key: tuple(value) for key, value in found.items()}


def _record(row: ReleaseTrain, cars: Sequence[TrainCarRecord]) -> TrainRecord:
    return TrainRecord(
        id=row.id,
        created_by=row.created_by,
        created_at=row.created_at,
        cars=tuple(cars),
        commit_time=row.commit_time,
        channel=row.channel,
        thread_ts=row.thread_ts,
        state=row.state,
        force_reason=row.force_reason,
    )
