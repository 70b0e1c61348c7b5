"""Per-service release history: what ran when, and which versions are safe to roll back to."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Table, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from rollout.records import EventRecord, ReleaseRecord
from store.mapping import event_record, release_record
from store.models import DeployEvent, Release

RELEASES: Table = Release.metadata.tables["releases"]


class ReleaseStore:
    """The releases table, and the history page that joins releases to their audit trails."""

    _engine: Engine

    def add_release(
        self,
        service: str,
        version: str,
        *,
        deployed_at: datetime,
        outcome: str,
        rollback_safe: bool,
        deploy_id: str | None,
        commander: str | None,
    ) -> None:
        """Append a release to the service's history."""
        row = {
            "service": service,
            "version": version,
            "deployed_at": deployed_at,
            "outcome": outcome,
            "rollback_safe": rollback_safe,
            "deploy_id": deploy_id,
            "commander": commander,
        }
        with Session(self._engine) as session, session.begin():
            session.exec(insert(RELEASES).values(**row))

    def history(self, service: str, limit: int = 10) -> list[ReleaseRecord]:
        """The service's releases, newest first."""
        with Session(self._engine) as session:
            return [release_record(row) for row in session.exec(_newest(service, limit))]

    def history_page(
        self, service: str, limit: int = 20
    ) -> list[tuple[ReleaseRecord, list[EventRecord]]]:
        """The service's newest releases, each with its deploy's audit trail (oldest first)."""
        with Session(self._engine) as session:
            releases = list(session.exec(_newest(service, limit)))
            ids = {row.deploy_id for row in releases if row.deploy_id is not None}
            trails: dict[str, list[EventRecord]] = defaultdict(list)
            if ids:
                query = (
                    select(DeployEvent)
                    .where(col(DeployEvent.deploy_id).in_(ids))
                    .order_by(col(DeployEvent.deploy_id), col(DeployEvent.id))
                )
                for event in session.exec(query):
                    trails[event.deploy_id].append(event_record(event))
        return [
            (release_record(row), list(trails.get(row.deploy_id or "", []))) for row in releases
        ]


def _newest(service: str, limit: int) -> SelectOfScalar[Release]:
    return (
        select(Release)
        .where(col(Release.service) == service)
        .order_by(col(Release.deployed_at).desc(), col(Release.id).desc())
        .limit(limit)
    )
