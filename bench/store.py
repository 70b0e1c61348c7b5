"""Store benchmark: the history page over 100,000 audit events, and transitions per second.

Run: .venv/bin/python bench/store.py
Prints SQLite and PostgreSQL side by side (PostgreSQL from TEST_DATABASE_URL, else the local
server, in a temporary database of its own) with PASS/FAIL per target; exits 1 on a failure.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where this very file would shadow
# the `store` package; drop that entry before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from rollout.events import Audit  # noqa: E402
from rollout.state import DeployState  # noqa: E402
from store.db import make_engine, temporary_database, upgrade  # noqa: E402
from store.mapping import deploy_values  # noqa: E402
from store.models import Deploy, DeployEvent, Release  # noqa: E402
from store.repository import Repository  # noqa: E402

SERVICES = 10
DEPLOYS_PER_SERVICE = 500
EVENTS_PER_DEPLOY = 20  # 10 × 500 × 20 = 100,000 events
PAGE_RUNS = 50
TRANSITIONS = 2_000
PAGE_TARGET_MS = 50.0
RATE_TARGET = 500.0
T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def seed(engine: Engine) -> None:
    """Bulk-insert 5,000 deploys, their releases and 100,000 audit events."""
    deploys, releases, events = [], [], []
    for s in range(SERVICES):
        for d in range(DEPLOYS_PER_SERVICE):
            at = T0 + timedelta(hours=d, minutes=s)
            state = DeployState(
                f"s{s}-d{d}", f"svc-{s}", f"1.{d}", None, "U123", status="completed"
            )
            deploys.append({**deploy_values(state), "created_at": at, "updated_at": at})
            releases.append({"service": state.service, "version": state.version,
                             "deployed_at": at, "outcome": "completed", "rollback_safe": True,
                             "deploy_id": state.id, "commander": "U123"})  # fmt: skip
            events.extend(_event(state.id, at, e) for e in range(EVENTS_PER_DEPLOY))
    with engine.begin() as connection:
        connection.execute(insert(Deploy.__table__), deploys)
        connection.execute(insert(Release.__table__), releases)
        for start in range(0, len(events), 10_000):
            connection.execute(insert(DeployEvent.__table__), events[start : start + 10_000])
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _event(deploy_id: str, at: datetime, n: int) -> dict[str, object]:
    return {"deploy_id": deploy_id, "at": at + timedelta(seconds=n), "actor": "policy",
            "kind": "judge_verdict", "from_status": "running", "to_status": "running",
            "stage": n % 9, "reason": "error rate within bounds",
            "evidence": {"p": 0.4, "n": 1200}}  # fmt: skip


def history_page_ms(repo: Repository) -> float:
    """Median milliseconds to load one service's last 20 releases with their events."""
    timings = []
    for run in range(PAGE_RUNS):
        started = time.perf_counter()
        page = repo.history_page(f"svc-{run % SERVICES}", limit=20)
        timings.append((time.perf_counter() - started) * 1000)
        assert len(page) == 20 and all(len(events) == EVENTS_PER_DEPLOY for _, events in page)
    return statistics.median(timings)


def transitions_per_second(repo: Repository) -> float:
    """Compare-and-set saves (one UPDATE, one audit INSERT, one commit each) per second."""
    state = DeployState("bench", "svc-bench", "2.0", "1.0", "U123", status="running")
    repo.add(state, T0)
    version = 1
    started = time.perf_counter()
    for n in range(TRANSITIONS):
        audit = Audit("U123", "confirm", "running", "running", n % 9, "confirmed")
        version = repo.save(state.evolve(stage_index=n % 9), version, [audit], T0)
    return TRANSITIONS / (time.perf_counter() - started)


def measure(url: str) -> dict[str, float]:
    """Migrate, seed and measure one database."""
    upgrade(url)
    engine = make_engine(url)
    try:
        seed(engine)
        repo = Repository(engine)
        return {"page": history_page_ms(repo), "rate": transitions_per_second(repo)}
    finally:
        engine.dispose()


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'bench.db'}"


def postgres_database() -> AbstractContextManager[str]:
    """A temporary database on the PostgreSQL server, dropped afterwards."""
    return temporary_database(
        os.environ.get("TEST_DATABASE_URL") or LOCAL_POSTGRES, "commander_bench"
    )


def run(database: Callable[[], AbstractContextManager[str]]) -> dict[str, float] | None:
    """Measure one backend; None when its server cannot be reached."""
    try:
        with database() as url:
            return measure(url)
    except OperationalError as exc:
        print(f"  (skipped: {str(exc.orig or exc).splitlines()[0]})")
        return None


def main() -> int:
    """Measure both backends and print the table; 1 when a target is missed."""
    print(
        f"seeding {SERVICES * DEPLOYS_PER_SERVICE * EVENTS_PER_DEPLOY:,} audit events per backend"
    )
    sqlite, postgres = run(sqlite_database), run(postgres_database)
    rows = [
        ("history page, last 20 releases + events (median ms)", "page", "< 50 ms",
         lambda v: v < PAGE_TARGET_MS, ("sqlite", "postgresql")),
        ("transitions per second, one connection", "rate", ">= 500/s on SQLite",
         lambda v: v >= RATE_TARGET, ("sqlite",)),
    ]  # fmt: skip
    print(f"{'metric':<54}{'SQLite':>10}{'PostgreSQL':>12}  {'target':<20}result")
    failed = False
    for label, key, target, ok, judged in rows:
        figures = {"sqlite": sqlite, "postgresql": postgres}
        shown = [f"{f[key]:.1f}" if f else "n/a" for f in figures.values()]
        verdicts = [ok(figures[b][key]) for b in judged if figures[b] is not None]
        passed = bool(verdicts) and all(verdicts)
        failed |= not passed
        print(
            f"{label:<54}{shown[0]:>10}{shown[1]:>12}  {target:<20}{'PASS' if passed else 'FAIL'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
