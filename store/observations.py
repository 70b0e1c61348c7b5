"""What the judges saw during real deploys, one compact row per look (rollout/looks.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from store.models import DeployObservation

OBSERVATIONS: Table = DeployObservation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LookRecord:
    """One look at a deploy: when, at which stage, the figures, and each judge's verdict."""

    at: datetime
    stage: int
    figures: dict[str, Any]
    verdicts: dict[str, str]


class ObservationStore:
    """The deploy_observations table."""

    _engine: Engine

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def add_look(
        self, deploy_id: str, at: datetime, stage: int, figures: dict[str, Any],
        verdicts: dict[str, str],
    ) -> None:  # fmt: skip
        """Store one look at a deploy."""
        values = {"deploy_id": deploy_id, "at": at, "stage": stage, "figures": figures,
                  "verdicts": verdicts}  # fmt: skip
        with self._session() as session, session.begin():
            session.execute(insert(OBSERVATIONS).values(**values))

    def looks(self, deploy_id: str) -> list[LookRecord]:
        """A deploy's looks, oldest first."""
        query = (
            select(DeployObservation)
            .where(col(DeployObservation.deploy_id) == deploy_id)
            .order_by(col(DeployObservation.at), col(DeployObservation.id))
        )
        with self._session() as session:
            rows = session.scalars(query).all()
        return [LookRecord(r.at, r.stage, dict(r.figures), dict(r.verdicts)) for r in rows]
