"""The outbox in the real store: messages commit with their transition (or not at all), leases
keep a deploy's sending to one replica, and the card and world markers follow versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_fixtures import *  # noqa: F403
from store_fixtures import T0, deploy_state

from rollout.events import Audit
from rollout.ports import Conflict
from store.records import ROOT, Message
from store.repository import Repository

AUDIT = Audit("U1", "start", "created", "running", 0, "started")
CARD = Message("post", "api 2.0.0: running", [{"type": "section"}], channel="#deploys", ref=ROOT)
STAGE = Message("post", "Stage 1/3", in_thread=True, ref="checklist:0")


def started(repo: Repository, deploy_id: str = "d1") -> int:
    state = deploy_state(deploy_id)
    repo.add(state, T0)
    return repo.save(state.evolve(status="running"), 1, [AUDIT], T0, [CARD, STAGE])


def test_messages_are_saved_with_the_transition_in_order(repo: Repository) -> None:
    started(repo)
    pending = repo.pending_messages("d1")
    assert [m.message for m in pending] == [CARD, STAGE]
    assert repo.outbox_due(T0) == ["d1"]


def test_a_lost_compare_and_set_saves_no_message(repo: Repository) -> None:
    started(repo)
    with pytest.raises(Conflict):
        repo.save(deploy_state("d1").evolve(status="held"), 1, [AUDIT], T0, [STAGE])
    assert len(repo.messages("d1")) == 2


def test_sending_the_root_card_gives_the_deploy_its_thread(repo: Repository) -> None:
    started(repo)
    card, stage = repo.pending_messages("d1")
    repo.mark_sent(card.id, "CDEPLOYS", "171.000100", T0)
    assert repo.thread_of("d1") == ("CDEPLOYS", "171.000100", "171.000100")
    assert repo.pending_messages("d1") == [stage]
    assert repo.stale_cards() == ["d1"]
    repo.mark_card_shown("d1", repo.version_of("d1"))
    assert repo.stale_cards() == []


def test_a_failed_message_waits_and_holds_back_its_deploy(repo: Repository) -> None:
    started(repo)
    card = repo.pending_messages("d1")[0]
    repo.mark_failed(card.id, "ratelimited", T0 + timedelta(seconds=30))
    assert repo.outbox_due(T0) == []
    assert repo.outbox_due(T0 + timedelta(seconds=30)) == ["d1"]
    assert repo.pending_messages("d1")[0].attempts == 1


def test_one_replica_at_a_time_holds_a_deploys_lease(repo: Repository) -> None:
    started(repo)
    lease = timedelta(seconds=15)
    assert repo.claim_outbox("d1", "a", T0, lease)
    assert not repo.claim_outbox("d1", "b", T0, lease)
    assert repo.claim_outbox("d1", "a", T0, lease)  # extending one's own lease
    assert repo.claim_outbox("d1", "b", T0 + timedelta(seconds=16), lease)  # a has expired
    repo.release_outbox("d1", "b")
    assert repo.claim_outbox("d1", "a", T0 + timedelta(seconds=16), lease)


def test_only_each_services_latest_deploy_is_reconciled_until_applied(repo: Repository) -> None:
    version = started(repo, "d1")
    repo.save(deploy_state("d1").evolve(status="rolled_back"), version, [AUDIT], T0)
    assert [d.id for d, _ in repo.to_reconcile()] == ["d1"]
    repo.mark_world_applied("d1", repo.version_of("d1"))
    assert repo.to_reconcile() == []
    newer = deploy_state("d2")
    repo.add(newer, T0 + timedelta(minutes=1))
    assert [d.id for d, _ in repo.to_reconcile()] == ["d2"]  # d1 is superseded either way
