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


@dataclass(frozen=True)
class TrainCarRecord:
    """One service of a release train, in run order."""

    position: int
    service: str
    version: str
    deploy_id: str | None = None


@dataclass(frozen=True)
class TrainRecord:
    """A release train and its cars, in run order."""

    id: str
    created_by: str
    created_at: datetime
    cars: tuple[TrainCarRecord, ...]
    commit_time: datetime | None = None
    channel: str | None = None
    thread_ts: str | None = None
    state: str = "open"
    force_reason: str | None = None  # an admin forced the train: every car starts forced


MessageKind = Literal["post", "update", "upload"]  # upload: a file, its bytes in blocks
ROOT = "root"  # the ref of a deploy's root card; posting it gives the deploy its thread


@dataclass(frozen=True)
class Message:
    """A Slack post or update a transition decided; written to the outbox with the transition.

    A post goes to `channel`, or into the deploy's thread when `in_thread`; naming it with
    `ref` lets a later update (`target=ref`) change it in place once it has a ts.
    """

    kind: MessageKind
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    channel: str | None = None
    in_thread: bool = False
    target: str | None = None
    ref: str | None = None


@dataclass(frozen=True)
class OutboxRecord:
    """A message in the outbox, and how far its delivery got."""

    id: int
    deploy_id: str
    message: Message
    state: Literal["pending", "sent", "dropped"]
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_channel: str | None = None
    ts: str | None = None

    def due(self, now: datetime) -> bool:
        """True when the message may be tried now."""
        return self.next_attempt_at is None or self.next_attempt_at <= now


@dataclass(frozen=True)
class InboxRecord:
    """A `/deploy` command as Slack sent it, stored before the ack."""

    key: str
    user: str
    channel: str
    text: str
    response_url: str
    received_at: datetime
    id: int | None = None


@dataclass(frozen=True)
class PolicyReportRecord:
    """The latest `sim validate` ("validation") or `sim tune` ("tune") of the team policy."""

    kind: Literal["validation", "tune"]
    recorded_at: datetime
    summary: Mapping[str, Any]
    chart: bytes | None = None  # the tune's front chart (PNG)
