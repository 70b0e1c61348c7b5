"""The store's one entry point: implements rollout.ports.Repository and the bot's extras."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from rollout.records import (
    EventRecord,
    FreezeRecord,
    Message,
    NoticeRecord,
    OutboxRecord,
    ReleaseRecord,
)
from store.deploys import DeployStore, conflict_message
from store.operations import OperationsStore
from store.outbox import OutboxStore
from store.releases import ReleaseStore

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


class Repository(DeployStore, ReleaseStore, OperationsStore, OutboxStore):
    """Deploys, audit trail, releases, operational state and the outbox over one engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
