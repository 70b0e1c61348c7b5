"""In-memory fakes of the bot's ports: a repository with compare-and-set, a Slack poster
that records every call, a settable clock and a deployer that remembers what it did."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from rollout.config import Freeze
from rollout.errors import NotFound
from rollout.events import Audit
from rollout.ports import Conflict, SmokeResult
from rollout.state import DeployState
from store.records import (
    ROOT,
    EventRecord,
    FreezeRecord,
    Message,
    NoticeRecord,
    OutboxRecord,
    ReleaseRecord,
)


class FakeClock:
    """A clock that only moves when told."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 3, 2, 17, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@dataclass
class _Row:
    state: DeployState
    version: int = 1
    channel: str | None = None
    thread: tuple[str, str, str] | None = None
    events: list[EventRecord] = field(default_factory=list)
    world_version: int | None = None
    card_version: int | None = None
    lease: tuple[str, datetime] | None = None  # (owner, until)


class InMemoryRepository:
    """The store's API over dicts, with the same compare-and-set semantics."""

    def __init__(self) -> None:
        self.rows: dict[str, _Row] = {}
        self.releases: list[ReleaseRecord] = []
        self.freezes: list[FreezeRecord] = []
        self.handoffs: list[tuple[datetime, str]] = []
        self.notices: dict[int, NoticeRecord] = {}
        self.claims: set[str] = set()
        self.outbox: list[OutboxRecord] = []
        self._flags: dict[str, bool] = {}
        self._ids = itertools.count(1)

    # deploys
    def add(self, deploy: DeployState, now: datetime, *, channel: str | None = None) -> None:
        self.rows[deploy.id] = _Row(deploy, channel=channel)

    def _row(self, deploy_id: str) -> _Row:
        if deploy_id not in self.rows:
            raise NotFound(f"no deploy {deploy_id}")
        return self.rows[deploy_id]

    def get(self, deploy_id: str) -> DeployState:
        return self._row(deploy_id).state

    def version_of(self, deploy_id: str) -> int:
        return self._row(deploy_id).version

    def load(self, deploy_id: str) -> tuple[DeployState, int]:
        row = self._row(deploy_id)
        return row.state, row.version

    def save(
        self,
        deploy: DeployState,
        expected_version: int,
        audits: Sequence[Audit],
        now: datetime,
        outbox: Sequence[Message] = (),
    ) -> int:
        row = self._row(deploy.id)
        if row.version != expected_version:
            winner = row.events[-1] if row.events else None
            who = f"<@{winner.actor}>" if winner else "someone"
            raise Conflict(f"already changed by {who}", winner.actor if winner else None)
        row.state, row.version = deploy, row.version + 1
        self.record(deploy.id, audits, now)
        for message in outbox:
            self.outbox.append(OutboxRecord(len(self.outbox) + 1, deploy.id, message, "pending"))
        return row.version

    def record(
        self,
        deploy_id: str,
        audits: Sequence[Audit],
        now: datetime,
        outbox: Sequence[Message] = (),
    ) -> None:
        row = self._row(deploy_id)
        for message in outbox:
            self.outbox.append(OutboxRecord(len(self.outbox) + 1, deploy_id, message, "pending"))
        for a in audits:
            row.events.append(
                EventRecord(
                    now,
                    a.actor,
                    a.kind,
                    a.from_status,
                    a.to_status,
                    a.stage,
                    a.reason,
                    dict(a.evidence),
                )
            )

    def set_flag(
        self, name: str, enabled: bool, *, by: str, now: datetime, reason: str = ""
    ) -> None:
        self._flags[name] = enabled

    def flags(self) -> dict[str, bool]:
        return dict(self._flags)

    def set_thread(self, deploy_id: str, channel: str, root_ts: str, thread_ts: str) -> None:
        self._row(deploy_id).thread = (channel, root_ts, thread_ts)

    def thread_of(self, deploy_id: str) -> tuple[str, str, str] | None:
        return self._row(deploy_id).thread

    def find_by_thread(self, channel: str, thread_ts: str) -> DeployState | None:
        for row in self.rows.values():
            if row.thread and row.thread[0] == channel and thread_ts in row.thread[1:]:
                return row.state
        return None

    def in_flight(self) -> list[DeployState]:
        return [r.state for r in self.rows.values() if r.state.in_flight]

    def active(self) -> list[DeployState]:
        return [
            r.state
            for r in self.rows.values()
            if r.state.in_flight or r.state.status == "stabilizing"
        ]

    def latest_for(self, service: str) -> DeployState | None:
        mine = [r.state for r in self.rows.values() if r.state.service == service]
        return mine[-1] if mine else None

    def events(self, deploy_id: str) -> list[EventRecord]:
        return list(self._row(deploy_id).events)

    # the outbox and effect markers
    def outbox_due(self, now: datetime) -> list[str]:
        first: dict[str, OutboxRecord] = {}
        for record in self.outbox:
            if record.state == "pending":
                first.setdefault(record.deploy_id, record)
        return [deploy_id for deploy_id, record in first.items() if record.due(now)]

    def pending_messages(self, deploy_id: str) -> list[OutboxRecord]:
        return [r for r in self.messages(deploy_id) if r.state == "pending"]

    def messages(self, deploy_id: str) -> list[OutboxRecord]:
        return [r for r in self.outbox if r.deploy_id == deploy_id]

    def message_named(self, deploy_id: str, ref: str) -> OutboxRecord | None:
        named = [r for r in self.messages(deploy_id) if r.message.ref == ref]
        return named[-1] if named else None

    def _change(self, message_id: int, **changes: Any) -> OutboxRecord:
        record = self.outbox[message_id - 1]
        self.outbox[message_id - 1] = replace(record, attempts=record.attempts + 1, **changes)
        return record

    def mark_sent(self, message_id: int, channel: str, ts: str, now: datetime) -> None:
        record = self._change(message_id, state="sent", sent_channel=channel, ts=ts)
        if record.message.ref == ROOT and record.message.kind == "post":
            self.set_thread(record.deploy_id, channel, ts, ts)

    def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None:
        self._change(message_id, next_attempt_at=retry_at)

    def mark_dropped(self, message_id: int, error: str) -> None:
        self._change(message_id, state="dropped")

    def claim_outbox(self, deploy_id: str, owner: str, now: datetime, lease: timedelta) -> bool:
        row = self._row(deploy_id)
        if row.lease is not None and row.lease[0] != owner and row.lease[1] >= now:
            return False
        row.lease = (owner, now + lease)
        return True

    def release_outbox(self, deploy_id: str, owner: str) -> None:
        row = self._row(deploy_id)
        if row.lease is not None and row.lease[0] == owner:
            row.lease = None

    def stale_cards(self) -> list[str]:
        return [i for i, r in self.rows.items() if r.thread and r.card_version != r.version]

    def card_version(self, deploy_id: str) -> int | None:
        return self._row(deploy_id).card_version

    def mark_card_shown(self, deploy_id: str, version: int) -> None:
        self._row(deploy_id).card_version = version

    def to_reconcile(self) -> list[tuple[DeployState, int]]:
        latest: dict[str, _Row] = {}
        for row in self.rows.values():
            latest[row.state.service] = row
        return [
            (r.state, r.version)
            for r in latest.values()
            if r.state.status in ("created", "running", "held", "stabilizing")
            or r.world_version != r.version
        ]

    def mark_world_applied(self, deploy_id: str, version: int) -> None:
        self._row(deploy_id).world_version = version

    # releases
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
        self.releases.append(
            ReleaseRecord(
                service, version, deployed_at, outcome, rollback_safe, commander, deploy_id
            )
        )

    def history(self, service: str, limit: int = 10) -> list[ReleaseRecord]:
        return [r for r in reversed(self.releases) if r.service == service][:limit]

    # freezes and rotation
    def add_freeze(
        self, service: str, *, until: datetime, reason: str, set_by: str, now: datetime
    ) -> FreezeRecord:
        record = FreezeRecord(next(self._ids), service, now, until, reason, set_by)
        self.freezes.append(record)
        return record

    def active_freezes(self, now: datetime) -> list[Freeze]:
        return [
            Freeze(
                start=f.start,
                until=f.until,
                reason=f.reason,
                services=(f.service,),
                set_by=f.set_by,
            )
            for f in self.freezes
            if f.ended_at is None and f.start <= now < f.until
        ]

    def end_freeze(self, service: str, *, by: str, now: datetime) -> FreezeRecord | None:
        for i, f in enumerate(self.freezes):
            if f.service == service and f.ended_at is None and f.until > now:
                self.freezes[i] = replace(f, ended_at=now, ended_by=by)
                return self.freezes[i]
        return None

    def add_handoff(self, at: datetime, user: str) -> None:
        self.handoffs.append((at, user))

    def handoffs_since(self, since: datetime) -> list[tuple[datetime, str]]:
        return [h for h in self.handoffs if h[0] >= since]

    # notices
    def add_notice(
        self,
        *,
        channel: str,
        text: str,
        starts_at: datetime,
        ends_at: datetime | None,
        created_by: str,
    ) -> NoticeRecord:
        notice = NoticeRecord(
            next(self._ids), channel, text, starts_at, ends_at, created_by, "scheduled"
        )
        self.notices[notice.id] = notice
        return notice

    def notices_pending(self) -> list[NoticeRecord]:
        return [n for n in self.notices.values() if n.state in ("scheduled", "posted")]

    def mark_notice_posted(self, notice_id: int, ts: str, now: datetime) -> bool:
        notice = self.notices[notice_id]
        if notice.state != "scheduled":
            return False
        self.notices[notice_id] = replace(notice, state="posted", posted_ts=ts)
        return True

    def mark_notice_ended(self, notice_id: int, ts: str | None, now: datetime) -> bool:
        notice = self.notices[notice_id]
        if notice.state != "posted":
            return False
        self.notices[notice_id] = replace(notice, state="ended", ended_ts=ts)
        return True

    # de-duplication
    def claim_delivery(self, key: str, now: datetime, ttl: timedelta = timedelta(hours=1)) -> bool:
        if key in self.claims:
            return False
        self.claims.add(key)
        return True


@dataclass
class Posted:
    """One recorded Slack call."""

    method: str
    channel: str
    text: str
    blocks: Any = None
    thread_ts: str | None = None
    ts: str | None = None
    user: str | None = None


class RecordingSlack:
    """Stands in for bot.slack_client.SlackPoster; every call lands in `calls`."""

    def __init__(self) -> None:
        self.calls: list[Posted] = []
        self._ts = itertools.count(1)

    def post(self, channel: str, text: str, blocks: Any = None, thread_ts: str | None = None):
        ts = f"1700000000.{next(self._ts):06d}"
        self.calls.append(Posted("chat.postMessage", channel, text, blocks, thread_ts, ts))
        return "C" + channel.lstrip("#").upper(), ts

    def update(self, channel: str, ts: str, text: str, blocks: Any = None) -> None:
        self.calls.append(Posted("chat.update", channel, text, blocks, None, ts))

    def ephemeral(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
        self.calls.append(Posted("chat.postEphemeral", channel, text, None, thread_ts, user=user))

    def publish_home(self, user: str, view: dict) -> None:
        self.calls.append(Posted("views.publish", "", "", view, user=user))

    def of(self, method: str) -> list[Posted]:
        return [c for c in self.calls if c.method == method]


class RecordingDeployer:
    """A deployer whose smoke result is settable; remembers every call."""

    def __init__(self, smoke_ok: bool = True) -> None:
        self.smoke_ok = smoke_ok
        self.calls: list[tuple[Any, ...]] = []

    def deploy(self, service: str, environment: str, version: str) -> None:
        self.calls.append(("deploy", service, environment, version))

    def set_traffic(self, service, version, internal, external, mirror) -> None:
        self.calls.append(("set_traffic", service, version, internal, external, mirror))

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult:
        self.calls.append(("smoke_test", service, environment, test))
        return SmokeResult(self.smoke_ok, "" if self.smoke_ok else "HTTP 500 from /health")

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        self.calls.append(("rollback", service, from_version, to_version))


@dataclass
class BotStack:
    """The bot's services wired to fakes, carrying out effects inline."""

    config: Any
    repo: InMemoryRepository
    slack: RecordingSlack
    clock: FakeClock
    deployer: RecordingDeployer
    deploys: Any
    team: Any
    commands: Any
    worker: Any

    def thread_posts(self) -> list[Posted]:
        return [c for c in self.slack.of("chat.postMessage") if c.thread_ts]


def bot_stack(config_text: str, *, smoke_ok: bool = True) -> BotStack:
    """Build Deploys, Team, Commands and Worker over in-memory fakes; every save settles at
    once (the world reconciled, the outbox sent), as a worker pass right after it would."""
    from bot.adapters.metrics import build_metrics
    from bot.commands import Commands
    from bot.deploys import Deploys
    from bot.outbox import Outbox
    from bot.reconcile import Reconciler
    from bot.team import Team
    from bot.worker import Worker
    from bot.world import ServiceWorld
    from rollout.parsing import parse_config

    config = parse_config(config_text, "test.toml")
    repo, slack, clock = InMemoryRepository(), RecordingSlack(), FakeClock()
    deployer = RecordingDeployer(smoke_ok)
    world = ServiceWorld(lambda s: deployer, lambda s: build_metrics(config.service(s).metrics))
    deploys = Deploys(config, repo, clock)
    team = Team(deploys, repo, clock, slack)
    outbox = Outbox(repo, slack, config, owner="test")
    worker = Worker(deploys, team, Reconciler(deploys, world), outbox, world, tick=0)
    deploys.wake = Settle(lambda: worker.act(clock.now()))
    commands = Commands(deploys, team)
    return BotStack(config, repo, slack, clock, deployer, deploys, team, commands, worker)


class Settle:
    """Runs `act` until it stops causing saves; a save during a run asks for one more run."""

    def __init__(self, act: Any) -> None:
        self.act = act
        self._running = False
        self._again = False

    def __call__(self) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            self._again = True
            while self._again:
                self._again = False
                self.act()
        finally:
            self._running = False
