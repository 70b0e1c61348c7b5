"""The audit trail read for delivery figures: deploys since a time, each with its events."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rollout.records import EventRecord
from rollout.state import DeployState
from store.mapping import deploy_state, event_record
from store.models import Deploy, DeployEvent

DEPLOYS: Table = Deploy.metadata.tables["deploys"]
EVENTS: Table = DeployEvent.metadata.tables["deploy_events"]


class DeliveryStore:
    """Reads the deploys table and the audit trail together."""

    _engine: Engine

    def deploys_since(
        self, since: datetime, service: str | None = None
    ) -> list[tuple[DeployState, list[EventRecord]]]:
        """Deploys created at or after `since` (oldest first), each with its audit trail."""
        query = select(Deploy).where(DEPLOYS.c.created_at >= since)
        if service is not None:
            query = query.where(DEPLOYS.c.service == service)
        with Session(self._engine) as session:
            rows = list(session.scalars(query.order_by(DEPLOYS.c.created_at)))
            trails: dict[str, list[EventRecord]] = defaultdict(list)
            ids = [row.id for row in rows]
            if ids:
                events = select(DeployEvent).where(EVENTS.c.deploy_id.in_(ids))
                for event in session.scalars(events.order_by(EVENTS.c.id)):
                    trails[event.deploy_id].append(event_record(event))
            return [(deploy_state(row), trails[row.id]) for row in rows]
