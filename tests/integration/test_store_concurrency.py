"""Racing replicas: of many confirmations of the same stage, exactly one advances the deploy."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter

from store_fixtures import *  # noqa: F403
from store_fixtures import T0, deploy_state

from rollout.config import TeamConfig
from rollout.events import Audit, Confirm
from rollout.machine import Transition, decide
from rollout.ports import Conflict
from rollout.state import DeployState, Exposure
from store.db import make_engine
from store.repository import Repository

CANARY = 3  # stage index of "canary" in the default plan


def awaiting_canary_confirmation() -> DeployState:
    """A deploy whose canary has baked and waits for the commander's go."""
    return deploy_state(
        "race",
        status="running",
        phase="awaiting_confirm",
        stage_index=CANARY,
        exposure=Exposure(internal=100.0, external=2.0),
        authorized_percent=2.0,
        started_at=T0,
    )


def confirm_many(repo: Repository, state: DeployState, version: int, attempts: int) -> Counter:
    """Try to confirm the canary `attempts` times, each from the same stale read."""
    outcome = decide(state, Confirm("U123", stage=CANARY), T0, TeamConfig())
    assert isinstance(outcome, Transition)
    audits = [a for a in outcome.actions if isinstance(a, Audit)]
    tally: Counter = Counter()
    for _ in range(attempts):
        try:
            repo.save(outcome.state, version, audits, T0)
            tally["won"] += 1
        except Conflict as lost:
            tally[str(lost)] += 1
    return tally


def race_in_threads(repo: Repository, threads: int, attempts: int) -> Counter:
    state, version = repo.load("race")
    start = threading.Barrier(threads)
    tallies: list[Counter] = []

    def replica() -> None:
        start.wait()
        tallies.append(confirm_many(repo, state, version, attempts))

    workers = [threading.Thread(target=replica) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(tallies, Counter())


def test_eight_threads_racing_200_confirmations_advance_the_deploy_once(repo):
    repo.add(awaiting_canary_confirmation(), T0)

    tally = race_in_threads(repo, threads=8, attempts=25)

    assert tally == Counter({"won": 1, "already confirmed by @U123 at 14:02 UTC": 199})
    assert repo.version_of("race") == 2
    assert repo.get("race").stage_index == CANARY + 1
    assert [e.kind for e in repo.events("race")] == ["confirm"]


def _process_replica(url: str, attempts: int, start, results) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    repo = Repository(engine)
    state, version = repo.load("race")
    start.wait()
    results.put(dict(confirm_many(repo, state, version, attempts)))
    engine.dispose()


def test_two_processes_sharing_one_sqlite_file_advance_the_deploy_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    from store.db import upgrade

    upgrade(url)
    engine = make_engine(url)
    Repository(engine).add(awaiting_canary_confirmation(), T0)
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(2), spawn.Queue()
    replicas = [
        spawn.Process(target=_process_replica, args=(url, 100, start, results)) for _ in range(2)
    ]
    for replica in replicas:
        replica.start()
    tally = sum((Counter(results.get(timeout=120)) for _ in replicas), Counter())
    for replica in replicas:
        replica.join(timeout=60)

    assert tally == Counter({"won": 1, "already confirmed by @U123 at 14:02 UTC": 199})
    assert Repository(engine).version_of("race") == 2
    assert [e.kind for e in Repository(engine).events("race")] == ["confirm"]
    engine.dispose()
