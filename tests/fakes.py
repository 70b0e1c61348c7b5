"""In-memory fakes of the bot's ports: a repository with compare-and-set, a Slack poster
that records every call, a settable clock and a deployer that remembers what it did."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.edge import outgoing
from bot.edge.text import HOME
from bot.shell import limits
from rollout.config import Freeze
from rollout.errors import CommanderError, NotFound
from rollout.events import Audit
from rollout.ports import Conflict, SmokeResult
from rollout.records import (
    ROOT,
    EventRecord,
    FreezeRecord,
    Message,
    NoticeRecord,
    OutboxRecord,
    PolicyReportRecord,
    ReleaseRecord,
    TrainCarRecord,
    TrainRecord,
)
from rollout.state import DeployState
from store.deploys import conflict_message


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
    created: int
    created_at: datetime
    version: int = 1
    thread: tuple[str, str, str] | None = None
    events: list[EventRecord] = field(default_factory=list)
    world_version: int | None = None
    card_version: int | None = None
    lease: tuple[str, datetime] | None = None  # (owner, until)


IN_FLIGHT = ("created", "running", "held")


class InMemoryRepository:
    """rollout.ports.Repository over dicts, with the store's semantics (compare-and-set, one
    deploy per service in flight, ordering); test_repository_contract.py holds them equal."""

    def __init__(self) -> None:
        self.rows: dict[str, _Row] = {}
        self.releases: list[ReleaseRecord] = []
        self.freezes: list[FreezeRecord] = []
        self.handoffs: list[tuple[datetime, str]] = []
        self.notices: dict[int, NoticeRecord] = {}
        self.flag_values: dict[str, bool] = {}
        self.flag_changes: list[tuple[str, datetime, str, bool, str]] = []
        self.claims: dict[str, datetime] = {}
        self.outbox: list[OutboxRecord] = []
        self.trains: dict[str, TrainRecord] = {}
        self.car_claims: dict[tuple[str, int], tuple[str, datetime]] = {}
        self.policy_reports: dict[str, PolicyReportRecord] = {}
        self._ids = itertools.count(1)

    # deploys
    def add(
        self,
        deploy: DeployState,
        now: datetime,
        *,
        channel: str | None = None,
        audits: Sequence[Audit] = (),
        outbox: Sequence[Message] = (),
    ) -> None:
        if deploy.id in self.rows:
            raise Conflict(f"deploy {deploy.id} already exists")
        busy = [
            r.state
            for r in self.rows.values()
            if r.state.service == deploy.service and r.state.status in IN_FLIGHT
        ]
        if deploy.status in IN_FLIGHT and busy:
            raise Conflict(
                f"another deploy of {deploy.service} is in flight "
                f"({busy[0].version}, commander @{busy[0].commander})",
                winner=busy[0].commander,
            )
        self.rows[deploy.id] = _Row(deploy, created=len(self.rows), created_at=now)
        self.record(deploy.id, audits, now, outbox)

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
            decided = [e for e in row.events if not e.kind.startswith("refused:")]
            if not decided:
                raise Conflict("someone else changed this deploy first")
            raise Conflict(conflict_message(decided[-1]), winner=decided[-1].actor)
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

    def set_thread(self, deploy_id: str, channel: str, root_ts: str, thread_ts: str) -> None:
        self._row(deploy_id).thread = (channel, root_ts, thread_ts)

    def thread_of(self, deploy_id: str) -> tuple[str, str, str] | None:
        return self._row(deploy_id).thread

    def find_by_thread(self, channel: str, thread_ts: str) -> DeployState | None:
        for row in reversed(self._oldest_first()):
            if row.thread and row.thread[0] == channel and thread_ts in row.thread[1:]:
                return row.state
        return None

    def _oldest_first(self) -> list[_Row]:
        return sorted(self.rows.values(), key=lambda r: r.created)

    def in_flight(self) -> list[DeployState]:
        return [r.state for r in self._oldest_first() if r.state.status in IN_FLIGHT]

    def active(self) -> list[DeployState]:
        active = (*IN_FLIGHT, "stabilizing")
        return [r.state for r in self._oldest_first() if r.state.status in active]

    def latest_for(self, service: str) -> DeployState | None:
        mine = [r.state for r in self._oldest_first() if r.state.service == service]
        return mine[-1] if mine else None

    def events(self, deploy_id: str) -> list[EventRecord]:
        row = self.rows.get(deploy_id)
        return list(row.events) if row else []

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

    def deploys_since(
        self, since: datetime, service: str | None = None
    ) -> list[tuple[DeployState, list[EventRecord]]]:
        return [
            (r.state, list(r.events))
            for r in sorted(self.rows.values(), key=lambda r: (r.created_at, r.created))
            if r.created_at >= since and service in (None, r.state.service)
        ]

    # release trains
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
        records = tuple(TrainCarRecord(i, s, v) for i, (s, v) in enumerate(cars))
        self.trains[train_id] = TrainRecord(
            train_id, created_by, now, records, commit_time, state="starting",
            force_reason=force_reason,
        )  # fmt: skip
        return self.trains[train_id]

    def set_train_thread(self, train_id: str, channel: str, thread_ts: str) -> None:
        self.trains[train_id] = replace(self.train(train_id), channel=channel, thread_ts=thread_ts)

    def claim_car(
        self, train_id: str, position: int, token: str, now: datetime, stale: timedelta
    ) -> bool:
        held = self.car_claims.get((train_id, position))
        car = self._car(train_id, position)
        if car is None or car.deploy_id is not None or (held and held[1] >= now - stale):
            return False
        self.car_claims[(train_id, position)] = (token, now)
        return True

    def release_car(self, train_id: str, position: int, token: str) -> None:
        held = self.car_claims.get((train_id, position))
        if held and held[0] == token:
            del self.car_claims[(train_id, position)]

    def set_car_deploy(self, train_id: str, position: int, deploy_id: str) -> bool:
        car = self._car(train_id, position)
        if car is None or car.deploy_id is not None:
            return False
        train = self.trains[train_id]
        cars = tuple(replace(c, deploy_id=deploy_id) if c is car else c for c in train.cars)
        self.trains[train_id] = replace(train, cars=cars)
        self.car_claims.pop((train_id, position), None)
        return True

    def _car(self, train_id: str, position: int) -> TrainCarRecord | None:
        train = self.trains.get(train_id)
        return next((c for c in train.cars if c.position == position), None) if train else None

    def queue_message(self, key: str, deploy_id: str, message: Message, now: datetime) -> bool:
        if f"train:{key}" in self.claims:
            return False
        self.claims[f"train:{key}"] = now + timedelta(days=30)
        self.outbox.append(OutboxRecord(len(self.outbox) + 1, deploy_id, message, "pending"))
        return True

    def open_train(self, train_id: str) -> None:
        if self.train(train_id).state == "starting":
            self.trains[train_id] = replace(self.trains[train_id], state="open")

    def close_train(self, train_id: str, now: datetime) -> None:
        self.trains[train_id] = replace(self.train(train_id), state="closed")

    def train(self, train_id: str) -> TrainRecord:
        if train_id not in self.trains:
            raise NotFound(f"no release train {train_id}")
        return self.trains[train_id]

    def open_trains(self) -> list[TrainRecord]:
        opened = [t for t in self.trains.values() if t.state == "open"]
        return sorted(opened, key=lambda t: t.created_at)

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
        newest_added_first = [r for r in reversed(self.releases) if r.service == service]
        newest = sorted(newest_added_first, key=lambda r: r.deployed_at, reverse=True)
        return newest[:limit]

    # freezes and rotation
    def add_freeze(
        self, service: str, *, until: datetime, reason: str, set_by: str, now: datetime
    ) -> FreezeRecord:
        if until <= now:
            raise CommanderError(f"a freeze must end in the future, not at {until:%Y-%m-%d %H:%M}")
        record = FreezeRecord(next(self._ids), service, now, until, reason, set_by)
        self.freezes.append(record)
        return record

    def _in_force(self, f: FreezeRecord, now: datetime) -> bool:
        return f.ended_at is None and f.start <= now < f.until

    def active_freezes(self, now: datetime) -> list[Freeze]:
        return [
            Freeze(
                start=f.start,
                until=f.until,
                reason=f.reason,
                services=(f.service,),
                set_by=f.set_by,
            )
            for f in sorted(self.freezes, key=lambda f: f.start)
            if self._in_force(f, now)
        ]

    def end_freeze(self, service: str, *, by: str, now: datetime) -> FreezeRecord | None:
        ended: list[FreezeRecord] = []
        for i, f in enumerate(self.freezes):
            if f.service == service and self._in_force(f, now):
                self.freezes[i] = replace(f, ended_at=now, ended_by=by)
                ended.append(self.freezes[i])
        return max(ended, key=lambda f: f.start) if ended else None

    def add_handoff(self, at: datetime, user: str) -> None:
        self.handoffs.append((at, user))

    def handoffs_since(self, since: datetime) -> list[tuple[datetime, str]]:
        return sorted((h for h in self.handoffs if h[0] >= since), key=lambda h: h[0])

    # notices
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
        notice = NoticeRecord(
            next(self._ids), channel, text, starts_at, ends_at, created_by, "scheduled"
        )
        self.notices[notice.id] = notice
        return notice

    def notices_pending(self) -> list[NoticeRecord]:
        pending = [n for n in self.notices.values() if n.state in ("scheduled", "posted")]
        return sorted(pending, key=lambda n: (n.starts_at, n.id))

    def mark_notice_posted(self, notice_id: int, ts: str, now: datetime) -> bool:
        notice = self.notices.get(notice_id)
        if notice is None or notice.state != "scheduled":
            return False
        self.notices[notice_id] = replace(notice, state="posted", posted_ts=ts)
        return True

    def mark_notice_ended(self, notice_id: int, ts: str | None, now: datetime) -> bool:
        notice = self.notices.get(notice_id)
        if notice is None or notice.state != "posted":
            return False
        self.notices[notice_id] = replace(notice, state="ended", ended_ts=ts)
        return True

    # feature flags
    def set_flag(
        self, name: str, enabled: bool, *, by: str, now: datetime, reason: str = ""
    ) -> None:
        self.flag_values[name] = enabled
        self.flag_changes.append((name, now, by, enabled, reason))

    def flags(self) -> dict[str, bool]:
        return dict(self.flag_values)

    def flag_history(self, name: str) -> list[tuple[datetime, str, bool, str]]:
        return [(at, by, on, why) for flag, at, by, on, why in self.flag_changes if flag == name]

    # de-duplication
    def claim_delivery(self, key: str, now: datetime, ttl: timedelta = timedelta(hours=1)) -> bool:
        self.claims = {k: until for k, until in self.claims.items() if until > now}
        if key in self.claims:
            return False
        self.claims[key] = now + ttl
        return True

    # policy reports
    def record_policy_report(self, report: PolicyReportRecord) -> None:
        self.policy_reports[report.kind] = report

    def policy_report(self, kind: str) -> PolicyReportRecord | None:
        return self.policy_reports.get(kind)


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
    """Stands in for bot.slack_client.SlackPoster: every call passes the Slack edge, as there,
    must be one Slack would accept (bot.shell.limits), and lands in `calls`."""

    def __init__(self) -> None:
        self.calls: list[Posted] = []
        self._ts = itertools.count(1)

    def post(
        self,
        channel: str,
        text: str,
        blocks: Sequence[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        pointer: str = HOME,
    ) -> tuple[str, str]:
        text, fitted = outgoing.message(text, blocks, pointer)
        _accepted("chat.postMessage", {"text": text, "blocks": fitted})
        ts = f"1700000000.{next(self._ts):06d}"
        self.calls.append(Posted("chat.postMessage", channel, text, fitted, thread_ts, ts))
        return "C" + channel.lstrip("#").upper(), ts

    def update(
        self,
        channel: str,
        ts: str,
        text: str,
        blocks: Sequence[dict[str, Any]] | None = None,
        pointer: str = HOME,
    ) -> None:
        text, fitted = outgoing.message(text, blocks, pointer)
        _accepted("chat.update", {"text": text, "blocks": fitted})
        self.calls.append(Posted("chat.update", channel, text, fitted, None, ts))

    def upload(
        self, channel: str, thread_ts: str | None, filename: str, content: bytes, title: str
    ) -> tuple[str, str]:
        file_id = f"F{len(self.calls) + 1:06d}"
        title = outgoing.file_title(title)
        self.calls.append(Posted("files.upload_v2", channel, title, filename, thread_ts, file_id))
        return channel, file_id

    def ephemeral(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
        text = outgoing.reply(text)
        _accepted("chat.postEphemeral", {"text": text})
        self.calls.append(Posted("chat.postEphemeral", channel, text, None, thread_ts, user=user))

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        view = outgoing.view(view)
        _accepted("views.publish", {"view": view})
        self.calls.append(Posted("views.publish", "", "", view, user=user))

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        view = outgoing.view(view)
        _accepted("views.open", {"view": view})
        self.calls.append(Posted("views.open", "", trigger_id, view))

    def of(self, method: str) -> list[Posted]:
        return [c for c in self.calls if c.method == method]


def _accepted(method: str, params: dict[str, Any]) -> None:
    """Fail the test at once when Slack would refuse what the bot sent."""
    refused = limits.refusal(method, params)
    assert refused is None, f"Slack would refuse {method}: {refused}"


class RecordingDeployer:
    """A deployer whose smoke result is settable; remembers every call."""

    def __init__(self, smoke_ok: bool = True) -> None:
        self.smoke_ok = smoke_ok
        self.calls: list[tuple[Any, ...]] = []

    def deploy(self, service: str, environment: str, version: str) -> None:
        self.calls.append(("deploy", service, environment, version))

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None:
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
    from adapters.metrics import build_metrics
    from bot.commands import Commands
    from bot.deploys import Deploys
    from bot.outbox import Outbox
    from bot.policy import PolicyReports
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
    commands.policy = PolicyReports(repo, slack, config.team.tz)
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
