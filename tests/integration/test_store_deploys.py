"""Deploys: stored, read back, changed only by compare-and-set, found by their Slack thread."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy.exc import StatementError
from store_fixtures import *  # noqa: F403
from store_fixtures import T0, deploy_state

from rollout.errors import NotFound
from rollout.events import Audit
from rollout.ports import Conflict
from store.deploys import conflict_message
from store.records import EventRecord

CONFIRM = Audit("U123", "confirm", "running", "running", 4, "confirmed canary")


class TestAddAndGet:
    def test_a_new_deploy_reads_back_at_version_1(self, repo):
        repo.add(deploy_state(), T0, channel="C1")
        assert repo.get("d-1") == deploy_state()
        assert repo.version_of("d-1") == 1
        assert repo.load("d-1") == (deploy_state(), 1)

    def test_an_unknown_deploy_is_not_found(self, repo):
        with pytest.raises(NotFound, match="no deploy nope"):
            repo.get("nope")

    def test_adding_the_same_id_twice_is_a_conflict(self, repo):
        repo.add(deploy_state(), T0)
        with pytest.raises(Conflict, match="already exists"):
            repo.add(deploy_state(), T0)

    def test_a_second_in_flight_deploy_of_a_service_is_a_conflict_naming_the_first(self, repo):
        """Two replicas may both pass the window check; the database still admits only one."""
        first = deploy_state().evolve(id="d-1", service="api", status="running", commander="U1")
        repo.add(first, T0)
        second = first.evolve(id="d-2", version="9.9", status="created", commander="U2")
        with pytest.raises(Conflict, match=r"another deploy of api is in flight .*@U1"):
            repo.add(second, T0)

    def test_once_the_first_deploy_finishes_the_service_may_deploy_again(self, repo):
        first = deploy_state().evolve(id="d-1", service="api", status="running")
        repo.add(first, T0)
        repo.save(first.evolve(status="rolled_back"), 1, [], T0)
        repo.add(first.evolve(id="d-2", status="created"), T0)
        assert repo.get("d-2").status == "created"


class TestCompareAndSet:
    def test_save_with_the_current_version_stores_the_state_and_bumps_the_version(self, repo):
        repo.add(deploy_state(), T0)
        running = deploy_state(status="running", phase="baking", stage_index=4, started_at=T0)
        assert repo.save(running, 1, [CONFIRM], T0) == 2
        assert repo.load("d-1") == (running, 2)

    def test_save_with_a_stale_version_conflicts_and_names_the_winner(self, repo):
        repo.add(deploy_state(), T0)
        repo.save(deploy_state(stage_index=5), 1, [CONFIRM], T0)
        with pytest.raises(Conflict) as lost:
            repo.save(deploy_state(stage_index=5, commander="U999"), 1, [CONFIRM], T0)
        assert str(lost.value) == "already confirmed by @U123 at 14:02 UTC"
        assert lost.value.winner == "U123"
        assert repo.get("d-1").commander == "U123"

    def test_a_losing_save_appends_no_audit(self, repo):
        repo.add(deploy_state(), T0)
        repo.save(deploy_state(stage_index=5), 1, [CONFIRM], T0)
        with pytest.raises(Conflict):
            repo.save(deploy_state(stage_index=5), 1, [CONFIRM], T0)
        assert len(repo.events("d-1")) == 1

    def test_the_conflict_ignores_refused_attempts_when_naming_the_winner(self, repo):
        repo.add(deploy_state(), T0)
        repo.save(deploy_state(stage_index=5), 1, [CONFIRM], T0)
        refused = Audit("U777", "refused:confirm", "running", "running", 5, "stale")
        repo.record("d-1", [refused], T0 + timedelta(minutes=3))
        with pytest.raises(Conflict, match=r"confirmed by @U123 at 14:02"):
            repo.save(deploy_state(), 1, [], T0)

    def test_saving_a_deploy_that_does_not_exist_is_not_found(self, repo):
        with pytest.raises(NotFound):
            repo.save(deploy_state("ghost"), 1, [], T0)


class TestConflictWording:
    @pytest.mark.parametrize(
        ("actor", "kind", "expected"),
        [
            ("U123", "hold", "already held by @U123 at 14:02 UTC"),
            ("policy", "judge_verdict", "already judged by the rollback policy at 14:02 UTC"),
            (
                "system",
                "bake_elapsed",
                "already moved on after the bake by the system at 14:02 UTC",
            ),
            ("W42ABC", "rollback", "already rolled back by @W42ABC at 14:02 UTC"),
            ("U1X", "new_thing", "already changed (new thing) by @U1X at 14:02 UTC"),
        ],
    )
    def test_the_message_says_what_won_who_did_it_and_when(self, actor, kind, expected):
        event = EventRecord(T0, actor, kind, "running", "held", 3, "")
        assert conflict_message(event) == expected


class TestAuditTrail:
    def test_events_come_back_in_order_with_aware_utc_times_and_evidence(self, repo):
        repo.add(deploy_state(), T0)
        verdict = Audit("policy", "judge_verdict", "running", "held", 4, "errors up", {"p": 0.01})
        repo.save(deploy_state(status="held"), 1, [verdict], T0)
        repo.record("d-1", [CONFIRM], T0 + timedelta(seconds=1))
        first, second = repo.events("d-1")
        assert first == EventRecord(T0, "policy", "judge_verdict", "running", "held", 4,
                                    "errors up", {"p": 0.01})  # fmt: skip
        assert second.kind == "confirm"
        assert second.at.tzinfo is not None and second.at.utcoffset() == timedelta(0)

    def test_times_in_other_zones_are_stored_as_the_same_instant_in_utc(self, repo):
        from zoneinfo import ZoneInfo

        local = T0.astimezone(ZoneInfo("America/Los_Angeles"))
        repo.add(deploy_state(started_at=local), local)
        started = repo.get("d-1").started_at
        assert started == T0 and started.tzinfo == UTC

    def test_naive_datetimes_are_refused(self, repo):
        with pytest.raises(StatementError, match="naive datetime"):
            repo.add(deploy_state(), T0.replace(tzinfo=None))


class TestThreads:
    def test_a_deploy_is_found_by_its_thread_or_its_root_message(self, repo):
        repo.add(deploy_state(), T0, channel="C1")
        assert repo.thread_of("d-1") is None
        repo.set_thread("d-1", "C1", "100.1", "100.2")
        assert repo.thread_of("d-1") == ("C1", "100.1", "100.2")
        assert repo.find_by_thread("C1", "100.2").id == "d-1"
        assert repo.find_by_thread("C1", "100.1").id == "d-1"
        assert repo.find_by_thread("C2", "100.2") is None

    def test_setting_the_thread_does_not_count_as_a_state_change(self, repo):
        repo.add(deploy_state(), T0)
        repo.set_thread("d-1", "C1", "1.0", "1.0")
        assert repo.version_of("d-1") == 1


class TestQueries:
    def test_in_flight_and_active_select_by_status(self, repo):
        for i, status in enumerate(["created", "running", "held", "stabilizing", "completed"]):
            service = f"svc-{i}"  # one in-flight deploy per service is all the store admits
            repo.add(
                deploy_state(f"d-{i}", status=status, service=service), T0 + timedelta(minutes=i)
            )
        assert [d.status for d in repo.in_flight()] == ["created", "running", "held"]
        assert [d.status for d in repo.active()] == ["created", "running", "held", "stabilizing"]

    def test_latest_for_is_the_services_newest_deploy(self, repo):
        repo.add(deploy_state("old", status="completed"), T0)
        repo.add(deploy_state("new"), T0 + timedelta(hours=1))
        repo.add(deploy_state("other", service="web"), T0 + timedelta(hours=2))
        assert repo.latest_for("api").id == "new"
        assert repo.latest_for("nothing") is None
