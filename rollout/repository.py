"""The store as the bot sees it: small Protocols composed into `Repository`.

store.repository.Repository (SQL) and tests.fakes.InMemoryRepository (dicts) both satisfy it;
tests/integration/test_repository_contract.py holds them to the same behaviour. Everything
returned is a core type or a plain record from rollout.records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from rollout.config import Freeze
from rollout.events import Audit
from rollout.records import (
    EventRecord,
    FreezeRecord,
    Message,
    NoticeRecord,
    OutboxRecord,
    PolicyReportRecord,
    ReleaseRecord,
    TrainRecord,
)
from rollout.state import DeployState


class DeployLog(Protocol):
    """Deploy states with compare-and-set, and their append-only audit trail."""

    def add(
        self,
        deploy: DeployState,
        now: datetime,
        *,
        channel: str | None = None,
        audits: Sequence[Audit] = (),
        outbox: Sequence[Message] = (),
    ) -> None:
        """Record a new deploy at version 1 with its first audits and messages, in one
        transaction; a taken id or a second deploy of the service in flight is a Conflict."""

    def get(self, deploy_id: str) -> DeployState:
        """The deploy's state; NotFound when there is none."""

    def version_of(self, deploy_id: str) -> int:
        """The deploy's compare-and-set version; NotFound when there is none."""

    def load(self, deploy_id: str) -> tuple[DeployState, int]:
        """The state and its version, read together (what to pass to save)."""

    def save(
        self,
        deploy: DeployState,
        expected_version: int,
        audits: Sequence[Audit],
        now: datetime,
        outbox: Sequence[Message] = (),
    ) -> int:
        """Store `deploy` if its version is still `expected_version`, else Conflict, with its
        audits and its Slack messages in the same transaction; the new version."""

    def record(
        self,
        deploy_id: str,
        audits: Sequence[Audit],
        now: datetime,
        outbox: Sequence[Message] = (),
    ) -> None:
        """Append audit entries, and their messages, without changing the deploy's state."""

    def events(self, deploy_id: str) -> Sequence[EventRecord]:
        """The deploy's audit trail, oldest first (empty for an unknown deploy)."""

    def in_flight(self) -> Sequence[DeployState]:
        """Deploys created, running or held, oldest first."""

    def active(self) -> Sequence[DeployState]:
        """In-flight deploys and those stabilizing, oldest first."""

    def latest_for(self, service: str) -> DeployState | None:
        """The service's most recently created deploy."""


class Threads(Protocol):
    """Where each deploy talks in Slack."""

    def set_thread(self, deploy_id: str, channel: str, root_ts: str, thread_ts: str) -> None:
        """Remember the deploy's card and thread; NotFound for an unknown deploy."""

    def thread_of(self, deploy_id: str) -> tuple[str, str, str] | None:
        """(channel, root_ts, thread_ts), or None before the deploy has a thread."""

    def find_by_thread(self, channel: str, thread_ts: str) -> DeployState | None:
        """The deploy whose card or thread is `thread_ts` in `channel`."""


class Releases(Protocol):
    """What each service ran in production."""

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

    def history(self, service: str, limit: int = 10) -> Sequence[ReleaseRecord]:
        """The service's releases, newest first."""


class Freezes(Protocol):
    """Freezes and locks on services, and rotation handoffs."""

    def add_freeze(
        self, service: str, *, until: datetime, reason: str, set_by: str, now: datetime
    ) -> FreezeRecord:
        """Freeze `service` from `now` to `until`; a CommanderError when `until` has passed."""

    def active_freezes(self, now: datetime) -> Sequence[Freeze]:
        """Freezes in force at `now`."""

    def end_freeze(self, service: str, *, by: str, now: datetime) -> FreezeRecord | None:
        """End every freeze in force on `service`; the latest one, or None."""

    def add_handoff(self, at: datetime, user: str) -> None:
        """Make `user` deploy commander from `at` on."""

    def handoffs_since(self, since: datetime) -> Sequence[tuple[datetime, str]]:
        """Handoffs at or after `since`, in time order."""


class Notices(Protocol):
    """Maintenance notices: scheduled, then posted, then ended."""

    def add_notice(
        self,
        *,
        channel: str,
        text: str,
        starts_at: datetime,
        ends_at: datetime | None,
        created_by: str,
        now: datetime,
    ) -> NoticeRecord:
        """Schedule a notice."""

    def notices_pending(self) -> Sequence[NoticeRecord]:
        """Notices to post or to end, by start time."""

    def mark_notice_posted(self, notice_id: int, ts: str, now: datetime) -> bool:
        """Scheduled → posted; False when it was not scheduled (another replica won)."""

    def mark_notice_ended(self, notice_id: int, ts: str | None, now: datetime) -> bool:
        """Posted → ended; False when it was not posted."""


class Flags(Protocol):
    """Feature flags (kill switches) and their history."""

    def set_flag(
        self, name: str, enabled: bool, *, by: str, now: datetime, reason: str = ""
    ) -> None:
        """Turn a flag on or off, keeping the change in its history."""

    def flags(self) -> dict[str, bool]:
        """Every flag's current value."""

    def flag_history(self, name: str) -> Sequence[tuple[datetime, str, bool, str]]:
        """A flag's changes, oldest first: (when, by whom, enabled, why)."""


class Deliveries(Protocol):
    """De-duplication of Slack retries and of work two replicas might both do."""

    def claim_delivery(self, key: str, now: datetime, ttl: timedelta = timedelta(hours=1)) -> bool:
        """True the first time `key` is claimed within `ttl`."""


class Outbox(Protocol):
    """Slack messages saved with the transition that decided them, sent in order per deploy by
    the replica holding that deploy's lease."""

    def outbox_due(self, now: datetime) -> Sequence[str]:
        """Deploys whose oldest pending message may be sent at `now`."""

    def pending_messages(self, deploy_id: str) -> Sequence[OutboxRecord]:
        """A deploy's unsent messages, in the order they were decided."""

    def message_named(self, deploy_id: str, ref: str) -> OutboxRecord | None:
        """The latest message of a deploy posted under `ref`, sent or not."""

    def mark_sent(self, message_id: int, channel: str, ts: str, now: datetime) -> None:
        """Slack took it; sending the root card also gives the deploy its thread."""

    def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None:
        """Try again at `retry_at`; the deploy's later messages wait for it."""

    def mark_dropped(self, message_id: int, error: str) -> None:
        """Give the message up for good."""

    def claim_outbox(self, deploy_id: str, owner: str, now: datetime, lease: timedelta) -> bool:
        """Take or extend the right to send this deploy's messages; False if another has it."""

    def release_outbox(self, deploy_id: str, owner: str) -> None:
        """Let any replica send this deploy's messages again."""


class Effects(Protocol):
    """How far each deploy's effects got: the card Slack shows, the world production runs."""

    def stale_cards(self) -> Sequence[str]:
        """Deploys with a card that does not show their stored version yet, oldest first."""

    def card_version(self, deploy_id: str) -> int | None:
        """The deploy version its card shows, if any."""

    def mark_card_shown(self, deploy_id: str, version: int) -> None:
        """The card now shows the deploy at `version`."""

    def to_reconcile(self) -> Sequence[tuple[DeployState, int]]:
        """Each service's newest deploy, when active or its world is not known applied."""

    def mark_world_applied(self, deploy_id: str, version: int) -> None:
        """Production matches the deploy's desired world at `version`."""


class Trains(Protocol):
    """Release trains: services shipped in order, each car becoming one deploy."""

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
        """Record a train of (service, version) cars, "starting" until opened."""

    def set_train_thread(self, train_id: str, channel: str, thread_ts: str) -> None:
        """Remember the train's thread."""

    def claim_car(
        self, train_id: str, position: int, token: str, now: datetime, stale: timedelta
    ) -> bool:
        """Take the right to start a car; a claim older than `stale` may be taken over."""

    def release_car(self, train_id: str, position: int, token: str) -> None:
        """Give a claim back (only its holder can)."""

    def set_car_deploy(self, train_id: str, position: int, deploy_id: str) -> bool:
        """Link a car to the deploy it started; False if it already had one."""

    def queue_message(self, key: str, deploy_id: str, message: Message, now: datetime) -> bool:
        """Add a message to a deploy's outbox once per `key`; True if added."""

    def open_train(self, train_id: str) -> None:
        """Starting → open: later passes move it on."""

    def close_train(self, train_id: str, now: datetime) -> None:
        """The train is done or stopped."""

    def train(self, train_id: str) -> TrainRecord:
        """One train with its cars; NotFound when there is none."""

    def open_trains(self) -> Sequence[TrainRecord]:
        """Open trains, oldest first."""


class DeliveryHistory(Protocol):
    """Deploys with their audit trails, for delivery figures."""

    def deploys_since(
        self, since: datetime, service: str | None = None
    ) -> Sequence[tuple[DeployState, Sequence[EventRecord]]]:
        """Deploys created at or after `since`, oldest first, each with its audit trail."""


class PolicyReports(Protocol):
    """The latest validation and tune of the team policy, as `commander sim` recorded them."""

    def record_policy_report(self, report: PolicyReportRecord) -> None:
        """Keep `report` as the latest of its kind, replacing the one before."""

    def policy_report(self, kind: str) -> PolicyReportRecord | None:
        """The latest report of a kind ("validation" or "tune"), or None."""


class Repository(
    DeployLog,
    Threads,
    Releases,
    Freezes,
    Notices,
    Flags,
    Deliveries,
    Outbox,
    Effects,
    Trains,
    DeliveryHistory,
    PolicyReports,
    Protocol,
):
    """Everything the bot keeps: deploys, threads, releases, freezes, notices, flags, the
    outbox, the effect markers, release trains, the delivery history and policy reports."""
