"""Release history, freezes, rotation handoffs, notices, flags, drills and Slack deliveries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_fixtures import *  # noqa: F403
from store_fixtures import T0, deploy_state

from rollout.config import Freeze
from rollout.errors import CommanderError
from rollout.events import Audit
from store.records import NoticeRecord, ReleaseRecord

HOUR = timedelta(hours=1)


def release(repo, version, at, *, deploy_id=None, safe=True, outcome="completed"):
    repo.add_release(
        "api",
        version,
        deployed_at=at,
        outcome=outcome,
        rollback_safe=safe,
        deploy_id=deploy_id,
        commander="U123",
    )


class TestReleaseHistory:
    def test_history_is_the_services_releases_newest_first(self, repo):
        release(repo, "1.0", T0)
        release(repo, "1.1", T0 + HOUR, safe=False)
        repo.add_release("web", "9.9", deployed_at=T0 + 2 * HOUR, outcome="completed",
                         rollback_safe=True, deploy_id=None, commander=None)  # fmt: skip
        assert repo.history("api") == [
            ReleaseRecord("api", "1.1", T0 + HOUR, "completed", False, "U123", None),
            ReleaseRecord("api", "1.0", T0, "completed", True, "U123", None),
        ]

    def test_history_stops_at_the_limit(self, repo):
        for minute in range(15):
            release(repo, f"1.{minute}", T0 + timedelta(minutes=minute))
        assert [r.version for r in repo.history("api", limit=3)] == ["1.14", "1.13", "1.12"]

    def test_the_history_page_pairs_each_release_with_its_deploys_audit_trail(self, repo):
        for n in range(3):
            repo.add(deploy_state(f"d-{n}", status="completed"), T0)
            audit = Audit("U123", "start", "created", "running", 0, f"started {n}")
            repo.record(f"d-{n}", [audit, audit], T0)
            release(repo, f"1.{n}", T0 + n * HOUR, deploy_id=f"d-{n}")
        release(repo, "hand-rolled", T0 + 5 * HOUR)

        page = repo.history_page("api", limit=3)

        assert [(r.version, len(events)) for r, events in page] == [
            ("hand-rolled", 0),
            ("1.2", 2),
            ("1.1", 2),
        ]
        assert page[1][1][0].reason == "started 2"


class TestFreezes:
    def test_a_freeze_is_active_until_it_ends(self, repo):
        record = repo.add_freeze("api", until=T0 + HOUR, reason="launch", set_by="U9", now=T0)
        assert (record.service, record.set_by, record.start) == ("api", "U9", T0)
        active = repo.active_freezes(T0 + timedelta(minutes=5))
        assert active == [Freeze(start=T0, until=T0 + HOUR, reason="launch", services=("api",),
                                 set_by="U9")]  # fmt: skip
        assert repo.active_freezes(T0 + HOUR) == []

    def test_ending_a_freeze_early_records_who_and_when(self, repo):
        repo.add_freeze("all", until=T0 + HOUR, reason="incident", set_by="U9", now=T0)
        ended = repo.end_freeze("all", by="U1", now=T0 + timedelta(minutes=10))
        assert (ended.ended_by, ended.ended_at) == ("U1", T0 + timedelta(minutes=10))
        assert repo.active_freezes(T0 + timedelta(minutes=11)) == []
        assert repo.end_freeze("all", by="U1", now=T0 + timedelta(minutes=12)) is None

    def test_a_freeze_that_has_already_ended_is_refused(self, repo):
        with pytest.raises(CommanderError, match="must end in the future"):
            repo.add_freeze("api", until=T0, reason="oops", set_by="U9", now=T0)


class TestRotation:
    def test_handoffs_since_a_time_come_back_in_order(self, repo):
        repo.add_handoff(T0 + HOUR, "U2")
        repo.add_handoff(T0 - HOUR, "U0")
        repo.add_handoff(T0, "U1")
        assert repo.handoffs_since(T0) == [(T0, "U1"), (T0 + HOUR, "U2")]


class TestNotices:
    def test_a_notice_goes_scheduled_posted_ended_exactly_once_each(self, repo):
        notice = repo.add_notice(channel="C1", text="db upgrade", starts_at=T0,
                                 ends_at=T0 + HOUR, created_by="U9", now=T0)  # fmt: skip
        assert repo.notices_pending() == [notice]
        assert notice.state == "scheduled"

        assert repo.mark_notice_posted(notice.id, "111.1", T0) is True
        assert repo.mark_notice_posted(notice.id, "222.2", T0) is False
        assert repo.notices_pending()[0].posted_ts == "111.1"

        assert repo.mark_notice_ended(notice.id, "111.2", T0 + HOUR) is True
        assert repo.mark_notice_ended(notice.id, "111.3", T0 + HOUR) is False
        assert repo.notices_pending() == []

    def test_a_scheduled_notice_cannot_end_before_it_was_posted(self, repo):
        notice = repo.add_notice(channel="C1", text="x", starts_at=T0, ends_at=None,
                                 created_by="U9", now=T0)  # fmt: skip
        assert repo.mark_notice_ended(notice.id, None, T0) is False
        assert repo.notices_pending() == [
            NoticeRecord(notice.id, "C1", "x", T0, None, "U9", "scheduled")
        ]


class TestFlags:
    def test_flags_keep_their_latest_value_and_every_change(self, repo):
        repo.set_flag("new-checkout", True, by="U1", now=T0, reason="launch")
        repo.set_flag("new-checkout", False, by="U2", now=T0 + HOUR, reason="kill switch")
        repo.set_flag("dark-mode", True, by="U1", now=T0)
        assert repo.flags() == {"new-checkout": False, "dark-mode": True}
        assert repo.flag_history("new-checkout") == [
            (T0, "U1", True, "launch"),
            (T0 + HOUR, "U2", False, "kill switch"),
        ]


class TestDrills:
    def test_drill_runs_get_increasing_ids(self, repo):
        first = repo.add_drill_run(scenario="bad-canary", trainer="U1", trainee="U2",
                                   seed=2**40, score=0.8, now=T0)  # fmt: skip
        second = repo.add_drill_run(scenario="bad-canary", trainer="U1", trainee="U3",
                                    seed=7, score=None, now=T0)  # fmt: skip
        assert second > first


class TestSlackDeliveries:
    def test_a_delivery_key_is_claimed_once_within_its_ttl(self, repo):
        assert repo.claim_delivery("Ev1", T0) is True
        assert repo.claim_delivery("Ev1", T0 + timedelta(minutes=59)) is False
        assert repo.claim_delivery("Ev2", T0) is True

    def test_an_expired_key_is_purged_and_may_be_claimed_again(self, repo):
        assert repo.claim_delivery("Ev1", T0, ttl=timedelta(minutes=5)) is True
        assert repo.claim_delivery("Ev1", T0 + timedelta(minutes=6)) is True
