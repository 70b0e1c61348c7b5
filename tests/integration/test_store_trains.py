"""Release trains in the store: cars in order, one starter per car, and the delivery read."""

from __future__ import annotations

from datetime import timedelta

from store_fixtures import *  # noqa: F403
from store_fixtures import T0, deploy_state

from rollout.events import Audit
from store.records import Message

MINUTE = timedelta(minutes=1)


def test_a_train_keeps_its_cars_in_order_and_links_each_to_its_deploy(repo) -> None:
    train = repo.add_train("t1", [("api", "3.1"), ("web", "2.4")], created_by="U1", now=T0)
    assert [(c.position, c.service, c.version) for c in train.cars] == [
        (0, "api", "3.1"),
        (1, "web", "2.4"),
    ]
    repo.set_train_thread("t1", "C1", "100.1")
    assert repo.open_trains() == []  # passes leave it alone while /deploy start starts it
    repo.open_train("t1")
    repo.add(deploy_state("d-api"), T0)
    assert repo.claim_car("t1", 0, "me", T0, MINUTE)
    assert repo.set_car_deploy("t1", 0, "d-api")
    assert not repo.set_car_deploy("t1", 0, "d-api")  # already linked
    [open_train] = repo.open_trains()
    assert open_train.thread_ts == "100.1" and open_train.cars[0].deploy_id == "d-api"
    repo.close_train("t1", T0)
    assert repo.open_trains() == []


def test_only_one_starter_claims_a_car_until_it_gives_the_claim_back_or_it_goes_stale(
    repo,
) -> None:
    repo.add_train("t1", [("api", "3.1")], created_by="U1", now=T0)
    assert repo.claim_car("t1", 0, "a", T0, MINUTE)
    assert not repo.claim_car("t1", 0, "b", T0 + 10 * timedelta(seconds=1), MINUTE)
    repo.release_car("t1", 0, "a")
    assert repo.claim_car("t1", 0, "b", T0, MINUTE)
    assert repo.claim_car("t1", 0, "c", T0 + 2 * MINUTE, MINUTE)  # b's claim died with it


def test_deploys_since_returns_each_deploy_with_its_audit_trail(repo) -> None:
    repo.add(deploy_state("old"), T0 - timedelta(days=40))
    repo.add(deploy_state("new", service="web"), T0)
    repo.record("new", [Audit("U1", "start", "created", "running", 0, "started")], T0)
    [(state, trail)] = repo.deploys_since(T0 - timedelta(days=30))
    assert state.id == "new" and [e.kind for e in trail] == ["start"]
    assert [s.id for s, _ in repo.deploys_since(T0 - timedelta(days=30), "api")] == []


def test_a_train_message_joins_the_deploys_outbox_once_per_key(repo) -> None:
    repo.add(deploy_state("d-api"), T0)
    note = Message("post", "web 2.4.0 starts now that api completed.", in_thread=True)
    assert repo.queue_message("t1:start:1", "d-api", note, T0)
    assert not repo.queue_message("t1:start:1", "d-api", note, T0)  # another replica said it
    [pending] = repo.pending_messages("d-api")
    assert pending.message == note
