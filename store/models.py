"""Every table the store keeps. Rows map to core dataclasses in store/repository.py only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, LargeBinary, MetaData, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from store.columns import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Its own registry, so these tables and the naming convention never leak into SQLModel's
# default metadata.
_registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))

# 64-bit ids on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class StoreModel(SQLModel, registry=_registry):
    """Base of every store table."""


def utc(*, nullable: bool = False, index: bool = False) -> Any:
    """A timezone-aware UTC datetime column."""
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def json_column(*, nullable: bool = False) -> Any:
    """A JSON column."""
    return Field(sa_column=Column(JSON(), nullable=nullable))


def text(*, nullable: bool = False) -> Any:
    """An unbounded text column."""
    return Field(sa_column=Column(Text(), nullable=nullable))


IN_FLIGHT_SQL = "status IN ('created', 'running', 'held')"
# Drills live apart: a drill of a service never blocks a real deploy of it.
REAL_IN_FLIGHT_SQL = f"{IN_FLIGHT_SQL} AND NOT drill"


class Deploy(StoreModel, table=True):
    """One deploy: the core's whole DeployState, where it talks in Slack, and a CAS counter."""

    __tablename__ = "deploys"
    __table_args__ = (
        Index("ix_deploys_service_created_at", "service", "created_at"),
        Index("ix_deploys_channel_thread_ts", "channel", "thread_ts"),
        # At most one deploy of a service in flight, even when two replicas start it at once.
        Index(
            "uq_deploys_service_in_flight",
            "service",
            unique=True,
            sqlite_where=sql_text(REAL_IN_FLIGHT_SQL),
            postgresql_where=sql_text(REAL_IN_FLIGHT_SQL),
        ),
    )

    id: str = Field(primary_key=True)
    service: str
    version: str
    previous_version: str | None = None
    commander: str
    plan_name: str
    status: str = Field(index=True)
    phase: str | None = None
    stage_index: int
    checklist_done: list[int] = json_column()
    exposure_internal: float
    exposure_external: float
    exposure_mirror: float
    authorized_percent: float
    bake_until: datetime | None = utc(nullable=True)
    stabilize_until: datetime | None = utc(nullable=True)
    held_phase: str | None = None
    hold_reason: str | None = text(nullable=True)
    verdicts: list[list[str]] = json_column()
    hotfix: bool
    major: bool
    drill: bool
    forced_reason: str | None = text(nullable=True)
    rollback_target: str | None = None
    started_at: datetime | None = utc(nullable=True)
    finished_at: datetime | None = utc(nullable=True)
    stage_started_at: datetime | None = utc(nullable=True)
    meta: list[list[Any]] = json_column()
    channel: str | None = None
    root_ts: str | None = None
    thread_ts: str | None = None
    created_at: datetime = utc()
    updated_at: datetime = utc()
    row_version: int = Field(default=1, description="compare-and-set counter")


class DeployEvent(StoreModel, table=True):
    """One entry of a deploy's audit trail; append-only (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "deploy_events"
    __table_args__ = (Index("ix_deploy_events_deploy_id_id", "deploy_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    deploy_id: str = Field(foreign_key="deploys.id")
    at: datetime = utc()
    actor: str
    kind: str
    from_status: str
    to_status: str
    stage: int
    reason: str = text()
    evidence: dict[str, Any] = json_column()


class Release(StoreModel, table=True):
    """A version a service ran in production, newest last; rollbacks pick from here."""

    __tablename__ = "releases"
    __table_args__ = (Index("ix_releases_service_deployed_at", "service", "deployed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    service: str
    version: str
    deployed_at: datetime = utc()
    outcome: str
    rollback_safe: bool
    deploy_id: str | None = Field(default=None, foreign_key="deploys.id", index=True)
    commander: str | None = None


class RotationHandoff(StoreModel, table=True):
    """A rotation override: `user_id` is commander from `at` on."""

    __tablename__ = "rotation_handoffs"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc(index=True)
    user_id: str


class Freeze(StoreModel, table=True):
    """A freeze or lock on a service ("all" for every service)."""

    __tablename__ = "freezes"

    id: int | None = Field(default=None, primary_key=True)
    service: str = Field(index=True)
    starts_at: datetime = utc()
    until: datetime = utc(index=True)
    reason: str = text()
    set_by: str
    ended_at: datetime | None = utc(nullable=True)
    ended_by: str | None = None


class MaintenanceNotice(StoreModel, table=True):
    """A user-facing maintenance notice: scheduled, then posted, then ended."""

    __tablename__ = "maintenance_notices"

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    text: str = text()
    starts_at: datetime = utc()
    ends_at: datetime | None = utc(nullable=True)
    created_by: str
    created_at: datetime = utc()
    state: str = Field(index=True)
    posted_ts: str | None = None
    posted_at: datetime | None = utc(nullable=True)
    ended_ts: str | None = None
    ended_at: datetime | None = utc(nullable=True)


class FeatureFlag(StoreModel, table=True):
    """A kill switch's current value."""

    __tablename__ = "feature_flags"

    name: str = Field(primary_key=True)
    enabled: bool
    updated_at: datetime = utc()
    updated_by: str


class FeatureFlagChange(StoreModel, table=True):
    """One change of a feature flag, for its history."""

    __tablename__ = "feature_flag_changes"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(foreign_key="feature_flags.name", index=True)
    enabled: bool
    changed_by: str
    changed_at: datetime = utc()
    reason: str = text()


class DeployObservation(StoreModel, table=True):
    """What the judges saw of a real deploy at one look, compactly: the replay's evidence."""

    __tablename__ = "deploy_observations"
    __table_args__ = (Index("ix_deploy_observations_deploy_id_at", "deploy_id", "at"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    deploy_id: str = Field(foreign_key="deploys.id")
    at: datetime = utc()
    stage: int
    figures: dict[str, Any] = json_column()  # per-arm totals, rates and p99; host health
    verdicts: dict[str, Any] = json_column()  # judge -> verdict at this look


class OutboxMessage(StoreModel, table=True):
    """A Slack post or update a transition decided, written with it; the worker sends it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_deploy_id_id", "state", "deploy_id", "id"),
        Index("ix_outbox_deploy_id_ref", "deploy_id", "ref"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    deploy_id: str = Field(foreign_key="deploys.id")
    kind: str  # "post", "update" or "upload" (a file: blocks hold its bytes)
    channel: str | None = None  # a post outside the thread goes here
    in_thread: bool  # a post in the deploy's thread (under the root card)
    target: str | None = None  # an update changes the message posted under this ref
    ref: str | None = None  # the name later rows use for this message
    last_error: str | None = text(nullable=True)  # (before `text`, which shadows the helper)
    text: str = text()
    blocks: list[dict[str, Any]] = json_column()
    state: str  # "pending", "sent" or "dropped"
    attempts: int = 0
    next_attempt_at: datetime | None = utc(nullable=True)
    sent_channel: str | None = None
    ts: str | None = None
    created_at: datetime = utc()
    sent_at: datetime | None = utc(nullable=True)


class DeployEffects(StoreModel, table=True):
    """How far a deploy's effects got, and which replica is sending its messages."""

    __tablename__ = "deploy_effects"

    deploy_id: str = Field(primary_key=True, foreign_key="deploys.id")
    world_version: int | None = None  # the deploy version whose desired world was applied
    card_version: int | None = None  # the deploy version the card in Slack shows
    owner: str | None = None  # the replica holding the lease on sending
    lease_until: datetime | None = utc(nullable=True)


class SlackDelivery(StoreModel, table=True):
    """A Slack delivery key seen recently; its primary key de-duplicates retries."""

    __tablename__ = "slack_deliveries"

    key: str = Field(primary_key=True)
    seen_at: datetime = utc()
    expires_at: datetime = utc(index=True)


class ReleaseTrain(StoreModel, table=True):
    """Several services released in depends_on order in one Slack thread."""

    __tablename__ = "release_trains"

    id: str = Field(primary_key=True)
    created_by: str
    created_at: datetime = utc()
    commit_time: datetime | None = utc(nullable=True)
    channel: str | None = None
    thread_ts: str | None = None
    state: str = Field(index=True, description="starting, open, then closed")
    closed_at: datetime | None = utc(nullable=True)
    force_reason: str | None = Field(default=None, description="an admin forced it: why")


class TrainCar(StoreModel, table=True):
    """One service of a train, in run order, and its deploy once started."""

    __tablename__ = "train_cars"

    train_id: str = Field(foreign_key="release_trains.id", primary_key=True)
    position: int = Field(primary_key=True)
    service: str
    version: str
    deploy_id: str | None = Field(default=None, foreign_key="deploys.id")
    claim: str | None = Field(default=None, description="who is starting it (replicas race)")
    claimed_at: datetime | None = utc(nullable=True)


class InboxCommand(StoreModel, table=True):
    """A slash command, stored before its ack and carried out from here, so none is lost."""

    __tablename__ = "inbox"

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    key: str = Field(unique=True, description="Slack's trigger id: a retry is the same key")
    user_id: str
    channel_id: str
    text: str
    response_url: str
    received_at: datetime = utc()
    claimed_by: str | None = None
    claimed_at: datetime | None = utc(nullable=True)
    done_at: datetime | None = utc(nullable=True, index=True)


class PolicyReport(StoreModel, table=True):
    """The latest `sim validate` or `sim tune` of the team policy, for `/deploy policy`."""

    __tablename__ = "policy_reports"

    kind: str = Field(primary_key=True, description="validation or tune: one row each")
    recorded_at: datetime = utc()
    summary: dict[str, Any] = json_column()
    chart: bytes | None = Field(default=None, sa_column=Column(LargeBinary(), nullable=True))
