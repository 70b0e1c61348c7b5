"""What a repository hands back besides DeployState: frozen, plain records (no SQL here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

NoticeState = Literal["scheduled", "posted", "ended"]


@dataclass(frozen=True)
class EventRecord:
    """One audit entry of a deploy."""

    at: datetime
    actor: str
    kind: str
    from_status: str
    to_status: str
    stage: int
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReleaseRecord:
    """A version a service ran in production."""

    service: str
    version: str
    deployed_at: datetime
    outcome: str
    rollback_safe: bool
    commander: str | None
    deploy_id: str | None


@dataclass(frozen=True)
class FreezeRecord:
    """A freeze or lock as stored, including who ended it early."""

    id: int
    service: str
    start: datetime
    until: datetime
    reason: str
    set_by: str
    ended_at: datetime | None = None
    ended_by: str | None = None


@dataclass(frozen=True)
class NoticeRecord:
    """A maintenance notice and how far it got."""

    id: int
    channel: str
    text: str
    starts_at: datetime
    ends_at: datetime | None
    created_by: str
    state: NoticeState
    posted_ts: str | None = None
    ended_ts: str | None = None
