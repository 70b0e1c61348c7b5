"""A rollback reaches a real webhook receiver on the next reconcile pass, however long the
backoff that earlier failures of the same deploy earned."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from adapters.webhook import WebhookDeployer
from bot.deploys import Deploys
from bot.reconcile import Reconciler
from bot.world import ServiceWorld
from rollout import events as ev
from rollout.config import Plan, TeamConfig, TrafficStage
from rollout.state import DeployState
from tests.fakes import FakeClock, InMemoryRepository
from tests.integration.webhook_fixtures import HANG, Receiver, serve_receiver
from tests.servers import wait_until

NOW = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
CONFIG = TeamConfig(plan=Plan(stages=(TrafficStage(name="canary", percent=2),)))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve_receiver()


def test_a_rollback_preempts_the_backoff_of_failed_traffic_changes(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "whsec-0123456789abcdef")
    deployer = WebhookDeployer({"url": receiver.url, "secret_env": "HOOK_SECRET",
                                "backoff": "0.01s", "timeout": "0.5s"})  # fmt: skip
    world = ServiceWorld(lambda _: deployer, lambda _: None)  # type: ignore[arg-type,return-value]
    repo = InMemoryRepository()
    deploys = Deploys(CONFIG, repo, FakeClock(NOW))
    reconciler = Reconciler(deploys, world)
    repo.add(DeployState("api-1", "api", "2.0", "1.0", "U1"), NOW)
    deploys.apply("api-1", ev.Start("U1"))

    now = NOW
    for _ in range(7):  # each 4xx doubles the wait: 1, 2, 4 … 64 s (capped at 60)
        receiver.replies = [(409, '{"error": "router busy"}')]
        reconciler.run_once(now)
        deploys.apply("api-1", ev.Resume("U1"))  # the commander keeps trying
        now += timedelta(seconds=61)
    actions = [r.json["action"] for r in receiver.received]
    assert actions == ["set_traffic"] * 7

    deploys.apply("api-1", ev.Rollback("U1", None, "error rate up"))
    reconciler.run_once(now - timedelta(seconds=60))  # 1 s after the last failure: backoff left
    assert [r.json["action"] for r in receiver.received][7:] == ["set_traffic", "rollback"]
    assert receiver.received[-1].json["version"] == "1.0"


def test_a_rollback_runs_beside_a_hung_traffic_change_and_is_applied_again_after_it(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "whsec-0123456789abcdef")
    deployer = WebhookDeployer({"url": receiver.url, "secret_env": "HOOK_SECRET",
                                "attempts": 1, "timeout": "30s"})  # fmt: skip
    world = ServiceWorld(lambda _: deployer, lambda _: None)  # type: ignore[arg-type,return-value]
    repo = InMemoryRepository()
    deploys = Deploys(CONFIG, repo, FakeClock(NOW))
    pool = ThreadPoolExecutor(max_workers=4)
    reconciler = Reconciler(deploys, world, lambda job: pool.submit(job) and None)
    repo.add(DeployState("api-1", "api", "2.0", "1.0", "U1"), NOW)
    deploys.apply("api-1", ev.Start("U1"))
    receiver.replies = [(HANG, "{}")]  # the router takes the traffic change and never answers
    reconciler.run_once(NOW)
    wait_until(lambda: receiver.received, 10, "the traffic change to reach the receiver")

    deploys.apply("api-1", ev.Rollback("U1", None, "error rate up"))
    reconciler.run_once(NOW)  # the traffic change still hangs
    sent = lambda: [r.json["action"] for r in receiver.received]  # noqa: E731
    wait_until(lambda: "rollback" in sent(), 10, "the rollback to reach the receiver")
    receiver.release.set()  # the hung change lands late, after the rollback
    wait_until(lambda: not reconciler._busy, 10, "both jobs to end")
    reconciler.run_once(NOW)
    wait_until(lambda: not reconciler._busy, 10, "the rollback to be applied again")
    # the hung change, the rollback beside it, and the rollback again after the change ended
    assert sent() == ["set_traffic", "set_traffic", "rollback", "set_traffic", "rollback"]
    pool.shutdown()
