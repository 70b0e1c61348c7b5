"""One behaviour for rollout.ports.Repository: the in-memory fake, SQLite and PostgreSQL
(with TEST_DATABASE_URL) must all pass every test here, so a bot test on the fake means the
same on the real store."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from store_fixtures import T0, deploy_state, fresh_schema, postgres_database  # noqa: F401

from rollout.config import Freeze
from rollout.errors import CommanderError, NotFound
from rollout.events import Audit
from rollout.ports import Conflict, Repository
from rollout.records import (
    ROOT,
    EventRecord,
    FreezeRecord,
    Message,
    PolicyReportRecord,
    ReleaseRecord,
    TrainCarRecord,
)
from store.db import make_engine, upgrade
from store.repository import Repository as SqlRepository
from tests.fakes import InMemoryRepository

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
IMPLEMENTATIONS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=IMPLEMENTATIONS)
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    """Each implementation of the port, empty."""
    if request.param == "memory":
        yield InMemoryRepository()
        return
    if request.param == "sqlite":
        yield from _sql(f"sqlite:///{tmp_path / 'contract.db'}")
        return
    with fresh_schema(request.getfixturevalue("postgres_database")) as url:
        yield from _sql(url)


def _sql(url: str) -> Iterator[Repository]:
    upgrade(url)
    engine = make_engine(url)
    try:
        yield SqlRepository(engine)
    finally:
        engine.dispose()


def port_methods() -> dict[str, inspect.Signature]:
    """Every method the port declares, with its signature."""
    return {
        name: inspect.signature(member)
        for kind in Repository.__mro__
        if getattr(kind, "_is_protocol", False)
        for name, member in vars(kind).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


class TestThePort:
    def test_every_method_has_the_ports_parameters(self, repo: Repository) -> None:
        for name, declared in port_methods().items():
            implemented = inspect.signature(getattr(repo, name))
            wanted = list(declared.parameters.values())[1:]  # without self
            have = implemented.parameters
            for parameter in wanted:
                assert parameter.name in have, f"{type(repo).__name__}.{name} lacks {parameter}"
                assert have[parameter.name].kind == parameter.kind, f"{name}({parameter.name})"
            extra = [p for p in have.values() if p.name not in declared.parameters]
            assert all(p.default is not p.empty for p in extra), f"{name} requires {extra}"

    def test_this_suite_calls_every_port_method(self) -> None:
        source = Path(__file__).read_text()
        untested = [name for name in port_methods() if f"repo.{name}(" not in source]
        assert untested == []


def audit(actor: str, kind: str, reason: str = "") -> Audit:
    return Audit(actor, kind, "running", "running", 0, reason, {"n": 1})


class TestDeploys:
    def test_a_new_deploy_reads_back_at_version_1(self, repo: Repository) -> None:
        state = deploy_state("d-1", status="running", meta=(("ticket", ("A", "B")),))
        repo.add(state, T0, channel="C1")
        assert repo.get("d-1") == state
        assert repo.version_of("d-1") == 1

    def test_an_unknown_deploy_is_not_found(self, repo: Repository) -> None:
        with pytest.raises(NotFound):
            repo.get("nope")
        with pytest.raises(NotFound):
            repo.version_of("nope")

    def test_a_taken_id_is_a_conflict(self, repo: Repository) -> None:
        repo.add(deploy_state("d-1", status="completed"), T0)
        with pytest.raises(Conflict):
            repo.add(deploy_state("d-1", status="completed", service="web"), T0)

    def test_one_deploy_per_service_in_flight(self, repo: Repository) -> None:
        repo.add(deploy_state("d-0", status="completed"), T0)
        repo.add(deploy_state("d-1", status="running", commander="U1"), T0 + HOUR)
        with pytest.raises(Conflict) as lost:
            repo.add(deploy_state("d-2", status="created"), T0 + 2 * HOUR)
        assert lost.value.winner == "U1"
        repo.add(deploy_state("d-3", status="created", service="web"), T0 + 2 * HOUR)

    def test_load_reads_the_state_with_its_version(self, repo: Repository) -> None:
        repo.add(deploy_state("d-1", status="created"), T0)
        repo.save(repo.get("d-1").evolve(status="running"), 1, [], T0)
        assert repo.load("d-1") == (repo.get("d-1"), 2)
        with pytest.raises(NotFound):
            repo.load("nope")

    def test_save_is_compare_and_set(self, repo: Repository) -> None:
        repo.add(deploy_state("d-1", status="created"), T0)
        started = repo.get("d-1").evolve(status="running")
        assert repo.save(started, 1, [audit("U99", "confirm")], T0) == 2
        with pytest.raises(Conflict) as lost:
            repo.save(started.evolve(status="held"), 1, [audit("U7", "hold")], T0 + HOUR)
        assert lost.value.winner == "U99"
        assert str(lost.value) == "already confirmed by @U99 at 14:02 UTC"
        assert repo.get("d-1") == started
        assert repo.version_of("d-1") == 2
        assert [e.actor for e in repo.events("d-1")] == ["U99"]

    def test_a_conflict_names_the_last_decision_not_a_refusal(self, repo: Repository) -> None:
        repo.add(deploy_state("d-1", status="created"), T0)
        repo.save(repo.get("d-1").evolve(status="running"), 1, [audit("U99", "start")], T0)
        repo.record("d-1", [audit("U7", "refused:hold")], T0 + HOUR)
        with pytest.raises(Conflict) as lost:
            repo.save(repo.get("d-1"), 1, [], T0 + HOUR)
        assert lost.value.winner == "U99"
        assert str(lost.value) == "already started by @U99 at 14:02 UTC"

    def test_a_conflict_with_no_decision_yet_says_someone(self, repo: Repository) -> None:
        repo.add(deploy_state("d-1", status="created"), T0)
        repo.save(repo.get("d-1"), 1, [], T0)
        with pytest.raises(Conflict) as lost:
            repo.save(repo.get("d-1"), 1, [], T0)
        assert lost.value.winner is None

    def test_saving_an_unknown_deploy_is_not_found(self, repo: Repository) -> None:
        with pytest.raises(NotFound):
            repo.save(deploy_state("ghost"), 1, [], T0)

    def test_record_appends_without_changing_the_version(self, repo: Repository) -> None:
        repo.add(deploy_state("d-1", status="running"), T0)
        repo.record("d-1", [audit("U1", "refused:confirm", "not yours")], T0)
        repo.record("d-1", [audit("policy", "judge_verdict")], T0 + HOUR)
        assert repo.version_of("d-1") == 1
        same = ("running", "running", 0)
        assert repo.events("d-1") == [
            EventRecord(T0, "U1", "refused:confirm", *same, "not yours", {"n": 1}),
            EventRecord(T0 + HOUR, "policy", "judge_verdict", *same, "", {"n": 1}),
        ]

    def test_an_unknown_deploy_has_no_events(self, repo: Repository) -> None:
        assert list(repo.events("nope")) == []

    def test_in_flight_and_active_oldest_first(self, repo: Repository) -> None:
        statuses = ["held", "completed", "stabilizing", "created", "rolled_back", "running"]
        for n, status in enumerate(statuses):
            repo.add(deploy_state(f"d-{n}", status=status, service=f"s{n}"), T0 + n * HOUR)
        assert [d.id for d in repo.in_flight()] == ["d-0", "d-3", "d-5"]
        assert [d.id for d in repo.active()] == ["d-0", "d-2", "d-3", "d-5"]

    def test_latest_for_is_the_most_recently_created(self, repo: Repository) -> None:
        repo.add(deploy_state("d-1", status="completed"), T0)
        repo.add(deploy_state("d-2", status="rolled_back"), T0 + HOUR)
        repo.add(deploy_state("d-3", status="completed", service="web"), T0 + 2 * HOUR)
        latest = repo.latest_for("api")
        assert latest is not None and latest.id == "d-2"
        assert repo.latest_for("billing") is None


class TestThreads:
    def test_no_thread_until_one_is_set(self, repo: Repository) -> None:
        repo.add(deploy_state("d-1", status="running"), T0, channel="C1")
        assert repo.thread_of("d-1") is None
        repo.set_thread("d-1", "C1", "100.1", "100.2")
        assert repo.thread_of("d-1") == ("C1", "100.1", "100.2")

    def test_find_by_card_or_thread_in_its_channel(self, repo: Repository) -> None:
        repo.add(deploy_state("d-1", status="running"), T0)
        repo.set_thread("d-1", "C1", "100.1", "100.2")
        for ts in ("100.1", "100.2"):
            found = repo.find_by_thread("C1", ts)
            assert found is not None and found.id == "d-1"
        assert repo.find_by_thread("C2", "100.1") is None
        assert repo.find_by_thread("C1", "999.9") is None

    def test_unknown_deploys_have_no_thread(self, repo: Repository) -> None:
        with pytest.raises(NotFound):
            repo.set_thread("nope", "C1", "1", "1")
        with pytest.raises(NotFound):
            repo.thread_of("nope")


class TestReleases:
    def test_history_newest_deployed_first_with_a_limit(self, repo: Repository) -> None:
        repo.add(deploy_state("d-1", status="completed"), T0)
        for version, at in (("1.1", T0 + HOUR), ("1.0", T0), ("1.2", T0 + 2 * HOUR)):
            repo.add_release(
                "api",
                version,
                deployed_at=at,
                outcome="completed",
                rollback_safe=version != "1.1",
                deploy_id="d-1" if version == "1.2" else None,
                commander="U1",
            )
        repo.add_release(
            "web", "9", deployed_at=T0, outcome="completed", rollback_safe=True,
            deploy_id=None, commander=None,
        )  # fmt: skip
        assert list(repo.history("api")) == [
            ReleaseRecord("api", "1.2", T0 + 2 * HOUR, "completed", True, "U1", "d-1"),
            ReleaseRecord("api", "1.1", T0 + HOUR, "completed", False, "U1", None),
            ReleaseRecord("api", "1.0", T0, "completed", True, "U1", None),
        ]
        assert [r.version for r in repo.history("api", 2)] == ["1.2", "1.1"]
        assert list(repo.history("billing")) == []


class TestFreezesAndHandoffs:
    def test_a_freeze_is_in_force_from_now_until_its_end(self, repo: Repository) -> None:
        record = repo.add_freeze("api", until=T0 + HOUR, reason="launch", set_by="U1", now=T0)
        assert (record.service, record.start, record.until, record.ended_at) == (
            "api", T0, T0 + HOUR, None,
        )  # fmt: skip
        in_force = Freeze(start=T0, until=T0 + HOUR, reason="launch", services=("api",),
                          set_by="U1")  # fmt: skip
        assert list(repo.active_freezes(T0 + HOUR / 2)) == [in_force]
        assert list(repo.active_freezes(T0 - HOUR)) == []
        assert list(repo.active_freezes(T0 + HOUR)) == []

    def test_a_freeze_must_end_in_the_future(self, repo: Repository) -> None:
        with pytest.raises(CommanderError):
            repo.add_freeze("api", until=T0, reason="x", set_by="U1", now=T0)

    def test_ending_ends_every_freeze_on_the_service(self, repo: Repository) -> None:
        repo.add_freeze("api", until=T0 + 2 * HOUR, reason="a", set_by="U1", now=T0)
        repo.add_freeze("api", until=T0 + 3 * HOUR, reason="b", set_by="U2", now=T0 + HOUR)
        repo.add_freeze("web", until=T0 + 3 * HOUR, reason="c", set_by="U3", now=T0)
        ended = repo.end_freeze("api", by="U99", now=T0 + 90 * timedelta(minutes=1))
        assert isinstance(ended, FreezeRecord)
        assert (ended.reason, ended.ended_by) == ("b", "U99")
        assert [f.services for f in repo.active_freezes(T0 + 100 * timedelta(minutes=1))] == [
            ("web",)
        ]
        assert repo.end_freeze("api", by="U99", now=T0 + 2 * HOUR) is None

    def test_handoffs_since_in_time_order(self, repo: Repository) -> None:
        repo.add_handoff(T0 + 2 * HOUR, "U2")
        repo.add_handoff(T0, "U0")
        repo.add_handoff(T0 + HOUR, "U1")
        assert list(repo.handoffs_since(T0 + HOUR)) == [(T0 + HOUR, "U1"), (T0 + 2 * HOUR, "U2")]


class TestNotices:
    def test_a_notice_is_scheduled_then_posted_then_ended(self, repo: Repository) -> None:
        later = repo.add_notice(channel="C1", text="b", starts_at=T0 + HOUR, ends_at=None,
                                created_by="U1", now=T0)  # fmt: skip
        first = repo.add_notice(channel="C1", text="a", starts_at=T0, ends_at=T0 + HOUR,
                                created_by="U1", now=T0)  # fmt: skip
        assert first.state == "scheduled" and first.ends_at == T0 + HOUR
        assert [n.text for n in repo.notices_pending()] == ["a", "b"]

        assert repo.mark_notice_ended(first.id, "2.0", T0) is False  # not posted yet
        assert repo.mark_notice_posted(first.id, "1.0", T0) is True
        assert repo.mark_notice_posted(first.id, "1.1", T0) is False  # another replica won
        posted = next(n for n in repo.notices_pending() if n.id == first.id)
        assert (posted.state, posted.posted_ts) == ("posted", "1.0")

        assert repo.mark_notice_ended(first.id, "2.0", T0 + HOUR) is True
        assert repo.mark_notice_ended(first.id, "2.1", T0 + HOUR) is False
        assert [n.id for n in repo.notices_pending()] == [later.id]

    def test_an_unknown_notice_cannot_move(self, repo: Repository) -> None:
        assert repo.mark_notice_posted(4242, "1.0", T0) is False
        assert repo.mark_notice_ended(4242, None, T0) is False


class TestFlagsAndDeliveries:
    def test_flags_keep_their_value_and_history(self, repo: Repository) -> None:
        assert repo.flags() == {}
        repo.set_flag("new-checkout", True, by="U1", now=T0, reason="launch")
        repo.set_flag("new-checkout", False, by="policy", now=T0 + HOUR)
        repo.set_flag("search-v2", True, by="U2", now=T0)
        assert repo.flags() == {"new-checkout": False, "search-v2": True}
        assert list(repo.flag_history("new-checkout")) == [
            (T0, "U1", True, "launch"),
            (T0 + HOUR, "policy", False, ""),
        ]
        assert list(repo.flag_history("unknown")) == []

    def test_a_delivery_is_claimed_once_within_its_ttl(self, repo: Repository) -> None:
        assert repo.claim_delivery("event:1", T0, HOUR) is True
        assert repo.claim_delivery("event:1", T0 + HOUR / 2, HOUR) is False
        assert repo.claim_delivery("event:2", T0, HOUR) is True
        assert repo.claim_delivery("event:1", T0 + HOUR, HOUR) is True  # expired, claimable
        assert repo.claim_delivery("event:1", T0 + HOUR) is False


def card(text: str = "card") -> Message:
    return Message("post", text, channel="C1", ref=ROOT)


def in_thread(text: str, ref: str | None = None) -> Message:
    return Message("post", text, [{"type": "divider"}], in_thread=True, ref=ref)


def started(repo: Repository, deploy_id: str, *messages: Message, at: datetime = T0) -> None:
    """Add a deploy and save its start with `messages` in the outbox."""
    repo.add(deploy_state(deploy_id, status="created", service=f"svc-{deploy_id}"), at)
    state = repo.get(deploy_id).evolve(status="running")
    repo.save(state, 1, [audit("U1", "start")], at, outbox=messages)


class TestOutbox:
    def test_messages_are_saved_with_their_transition_in_order(self, repo: Repository) -> None:
        started(repo, "d-1", card(), in_thread("stage 1"))
        pending = repo.pending_messages("d-1")
        assert [(m.message, m.state, m.attempts) for m in pending] == [
            (card(), "pending", 0),
            (in_thread("stage 1"), "pending", 0),
        ]
        assert {m.deploy_id for m in pending} == {"d-1"}
        assert list(repo.outbox_due(T0)) == ["d-1"]

    def test_record_queues_messages_without_a_new_version(self, repo: Repository) -> None:
        started(repo, "d-1", card())
        repo.record("d-1", [audit("U7", "refused:hold")], T0, outbox=[in_thread("no")])
        assert repo.version_of("d-1") == 2
        assert [m.message.text for m in repo.pending_messages("d-1")] == ["card", "no"]

    def test_a_lost_save_queues_nothing(self, repo: Repository) -> None:
        started(repo, "d-1", card())
        with pytest.raises(Conflict):
            repo.save(repo.get("d-1"), 1, [], T0, outbox=[in_thread("stale")])
        assert [m.message.text for m in repo.pending_messages("d-1")] == ["card"]

    def test_sending_the_card_gives_the_deploy_its_thread(self, repo: Repository) -> None:
        started(repo, "d-1", card(), in_thread("stage 1"))
        root = repo.pending_messages("d-1")[0]
        repo.mark_sent(root.id, "C1", "100.1", T0)
        assert repo.thread_of("d-1") == ("C1", "100.1", "100.1")
        assert [m.message.text for m in repo.pending_messages("d-1")] == ["stage 1"]
        sent = repo.message_named("d-1", ROOT)
        assert sent is not None
        assert (sent.id, sent.state, sent.sent_channel, sent.ts, sent.attempts) == (
            root.id, "sent", "C1", "100.1", 1,
        )  # fmt: skip

    def test_a_failed_message_holds_its_deploy_back_until_the_retry(self, repo: Repository) -> None:
        started(repo, "d-1", card(), in_thread("stage 1"))
        first = repo.pending_messages("d-1")[0]
        repo.mark_failed(first.id, "ratelimited", T0 + MINUTE)
        assert list(repo.outbox_due(T0)) == []
        assert list(repo.outbox_due(T0 + MINUTE)) == ["d-1"]
        retried = repo.pending_messages("d-1")[0]
        assert (retried.id, retried.attempts, retried.next_attempt_at) == (
            first.id, 1, T0 + MINUTE,
        )  # fmt: skip
        assert not retried.due(T0) and retried.due(T0 + MINUTE)

    def test_a_dropped_message_is_given_up(self, repo: Repository) -> None:
        started(repo, "d-1", in_thread("gone", ref="stage-1"))
        only = repo.pending_messages("d-1")[0]
        repo.mark_dropped(only.id, "message_not_found")
        assert list(repo.pending_messages("d-1")) == []
        assert list(repo.outbox_due(T0)) == []
        dropped = repo.message_named("d-1", "stage-1")
        assert dropped is not None and dropped.state == "dropped"

    def test_due_deploys_come_oldest_message_first(self, repo: Repository) -> None:
        started(repo, "d-2", card("two"))
        started(repo, "d-1", card("one"), at=T0 + HOUR)
        assert list(repo.outbox_due(T0 + HOUR)) == ["d-2", "d-1"]

    def test_message_named_is_the_latest_under_that_name(self, repo: Repository) -> None:
        started(repo, "d-1", in_thread("first", ref="checklist"))
        repo.save(repo.get("d-1"), 2, [], T0, outbox=[in_thread("second", ref="checklist")])
        named = repo.message_named("d-1", "checklist")
        assert named is not None and named.message.text == "second"
        assert repo.message_named("d-1", "nothing") is None


class TestLease:
    def test_one_replica_sends_a_deploys_messages_at_a_time(self, repo: Repository) -> None:
        started(repo, "d-1", card())
        assert repo.claim_outbox("d-1", "a", T0, MINUTE) is True
        assert repo.claim_outbox("d-1", "b", T0, MINUTE) is False
        assert repo.claim_outbox("d-1", "a", T0 + MINUTE / 2, MINUTE) is True  # extended
        assert repo.claim_outbox("d-1", "b", T0 + MINUTE, MINUTE) is False
        assert repo.claim_outbox("d-1", "b", T0 + 2 * MINUTE, MINUTE) is True  # it lapsed

    def test_only_the_owner_releases_the_lease(self, repo: Repository) -> None:
        started(repo, "d-1", card())
        repo.claim_outbox("d-1", "a", T0, HOUR)
        repo.release_outbox("d-1", "b")
        assert repo.claim_outbox("d-1", "b", T0, HOUR) is False
        repo.release_outbox("d-1", "a")
        assert repo.claim_outbox("d-1", "b", T0, HOUR) is True


class TestEffects:
    def test_a_card_is_stale_until_it_shows_the_stored_version(self, repo: Repository) -> None:
        started(repo, "d-1", card())
        assert list(repo.stale_cards()) == []  # no card in Slack yet
        assert repo.card_version("d-1") is None
        repo.mark_sent(repo.pending_messages("d-1")[0].id, "C1", "100.1", T0)
        assert list(repo.stale_cards()) == ["d-1"]
        repo.mark_card_shown("d-1", 2)
        assert repo.card_version("d-1") == 2
        assert list(repo.stale_cards()) == []
        repo.save(repo.get("d-1").evolve(status="held"), 2, [], T0)
        assert list(repo.stale_cards()) == ["d-1"]

    def test_reconcile_each_services_newest_deploy_until_applied(self, repo: Repository) -> None:
        repo.add(deploy_state("old", status="completed"), T0)
        repo.add(deploy_state("new", status="rolled_back"), T0 + HOUR)
        repo.add(deploy_state("web", status="running", service="web"), T0 + 2 * HOUR)
        assert [(d.id, v) for d, v in repo.to_reconcile()] == [("new", 1), ("web", 1)]
        repo.mark_world_applied("new", 1)
        repo.mark_world_applied("web", 1)
        assert [d.id for d, _ in repo.to_reconcile()] == ["web"]  # active: every pass
        repo.save(repo.get("new"), 1, [], T0 + 3 * HOUR)
        assert [(d.id, v) for d, v in repo.to_reconcile()] == [("new", 2), ("web", 1)]


class TestDeliveryHistory:
    def test_deploys_since_with_their_trails_oldest_first(self, repo: Repository) -> None:
        repo.add(deploy_state("d-0", status="completed"), T0 - HOUR)
        repo.add(deploy_state("d-1", status="completed"), T0)
        repo.add(deploy_state("d-2", status="running", service="web"), T0 + HOUR)
        repo.record("d-1", [audit("U1", "start")], T0)
        since = repo.deploys_since(T0)
        assert [(d.id, [e.kind for e in trail]) for d, trail in since] == [
            ("d-1", ["start"]),
            ("d-2", []),
        ]
        assert [d.id for d, _ in repo.deploys_since(T0, "web")] == ["d-2"]


class TestTrains:
    def test_a_train_starts_then_opens_then_closes(self, repo: Repository) -> None:
        train = repo.add_train(
            "t-1", [("api", "2.0"), ("web", "3.1")], created_by="U1", now=T0, commit_time=T0
        )
        assert (train.id, train.created_by, train.created_at, train.state) == (
            "t-1", "U1", T0, "starting",
        )  # fmt: skip
        assert train.cars == (TrainCarRecord(0, "api", "2.0"), TrainCarRecord(1, "web", "3.1"))
        assert list(repo.open_trains()) == []
        repo.open_train("t-1")
        repo.set_train_thread("t-1", "C1", "200.1")
        opened = repo.train("t-1")
        assert (opened.state, opened.channel, opened.thread_ts, opened.commit_time) == (
            "open", "C1", "200.1", T0,
        )  # fmt: skip
        assert [t.id for t in repo.open_trains()] == ["t-1"]
        repo.close_train("t-1", T0 + HOUR)
        assert repo.train("t-1").state == "closed"
        assert list(repo.open_trains()) == []
        with pytest.raises(NotFound):
            repo.train("t-2")

    def test_one_replica_starts_each_car(self, repo: Repository) -> None:
        repo.add_train("t-1", [("api", "2.0")], created_by="U1", now=T0)
        assert repo.claim_car("t-1", 0, "a", T0, MINUTE) is True
        assert repo.claim_car("t-1", 0, "b", T0, MINUTE) is False
        repo.release_car("t-1", 0, "b")  # not b's to give back
        assert repo.claim_car("t-1", 0, "b", T0 + MINUTE / 2, MINUTE) is False
        assert repo.claim_car("t-1", 0, "b", T0 + 2 * MINUTE, MINUTE) is True  # a died
        repo.release_car("t-1", 0, "b")
        assert repo.claim_car("t-1", 0, "c", T0 + 2 * MINUTE, MINUTE) is True

    def test_a_car_becomes_one_deploy(self, repo: Repository) -> None:
        repo.add_train("t-1", [("api", "2.0")], created_by="U1", now=T0)
        repo.add(deploy_state("d-1", status="running"), T0)
        assert repo.set_car_deploy("t-1", 0, "d-1") is True
        assert repo.set_car_deploy("t-1", 0, "d-1") is False
        assert repo.train("t-1").cars[0].deploy_id == "d-1"
        assert repo.claim_car("t-1", 0, "a", T0, MINUTE) is False  # already started

    def test_a_train_message_is_queued_once_per_key(self, repo: Repository) -> None:
        started(repo, "d-1", card())
        note = in_thread("api 2.0 is next")
        assert repo.queue_message("t-1:next", "d-1", note, T0) is True
        assert repo.queue_message("t-1:next", "d-1", note, T0) is False
        assert [m.message for m in repo.pending_messages("d-1")] == [card(), note]


class TestPolicyReports:
    def test_nothing_is_recorded_at_first(self, repo: Repository) -> None:
        assert repo.policy_report("validation") is None
        assert repo.policy_report("tune") is None

    def test_the_latest_report_of_each_kind_replaces_the_one_before(self, repo: Repository) -> None:
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # every byte value survives
        first = PolicyReportRecord("tune", T0, {"front": [{"trial": 3}]}, png)
        repo.record_policy_report(first)
        repo.record_policy_report(PolicyReportRecord("validation", T0, {"runs": 2}))
        later = PolicyReportRecord("tune", T0 + HOUR, {"front": [{"trial": 31}], "seeds": [0, 1]})
        repo.record_policy_report(later)
        assert repo.policy_report("tune") == later  # the chart went with the old tune
        validation = repo.policy_report("validation")
        assert validation is not None and validation.summary == {"runs": 2}
        repo.record_policy_report(first)
        stored = repo.policy_report("tune")
        assert stored is not None and stored.chart == png and stored.recorded_at == T0
