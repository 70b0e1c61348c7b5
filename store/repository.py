"""The store's one entry point: implements rollout.ports.Repository and the bot's extras."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from rollout.records import (
    EventRecord,
    FreezeRecord,
    Message,
    NoticeRecord,
    OutboxRecord,
    ReleaseRecord,
)
from store.delivery import DeliveryStore
from store.deploys import DeployStore, conflict_message
from store.drills import DrillStore
from store.inbox import InboxStore
from store.observations import ObservationStore
from store.operations import OperationsStore
from store.outbox import OutboxStore
from store.policy_reports import PolicyReportStore
from store.releases import ReleaseStore
from store.schedules import ScheduleStore
from store.trains import TrainStore

__all__ = [
    "EventRecord",
    "FreezeRecord",
    "Message",
    "NoticeRecord",
    "OutboxRecord",
    "ReleaseRecord",
    "Repository",
    "conflict_message",
]


class Repository(
    DeployStore, ReleaseStore, OperationsStore, OutboxStore, TrainStore, DeliveryStore,
    DrillStore, ScheduleStore, ObservationStore, InboxStore, PolicyReportStore,
):  # fmt: skip
    """Deploys, audit trail, releases, operational state, the outbox, release trains,
    drills and their schedules, what judges saw, the inbox of commands and the policy reports,
    over one engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._inbox_writes = threading.Lock()
