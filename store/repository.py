"""The store's one entry point: implements rollout.ports.Repository and the bot's extras."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from rollout.records import EventRecord, FreezeRecord, NoticeRecord, ReleaseRecord
from store.deploys import DeployStore, conflict_message
from store.operations import OperationsStore
from store.releases import ReleaseStore

__all__ = [
    "EventRecord",
    "FreezeRecord",
    "NoticeRecord",
    "ReleaseRecord",
    "Repository",
    "conflict_message",
]


class Repository(DeployStore, ReleaseStore, OperationsStore):
    """Deploys, audit trail, releases and operational state over one SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
