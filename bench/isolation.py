"""Isolation: another deploy's bake-end-to-question delay while one Prometheus is frozen.

Run: .venv/bin/python bench/isolation.py [--rounds 20]   (needs Debian's prometheus)
Two real Prometheus servers scrape test exporters; deploy "frozen" is judged from the first,
which is stopped with SIGSTOP, and deploy "api" from the second. The real worker (bot/worker.py)
runs its passes on its thread every 0.25 s. Each round starts an api deploy whose canary bakes
for 1 s and measures the time from its bake end to the question being saved (the BakeElapsed
transition). Measured side by side in one run: judges on the worker thread (as before issue 17)
and judges on their own pool (as `commander serve` runs them). Target: p99 < 1 s with the pool.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from adapters.deployers import LogDeployer  # noqa: E402
from adapters.prometheus import PrometheusMetrics  # noqa: E402
from bot.deploys import Deploys  # noqa: E402
from bot.reconcile import Reconciler  # noqa: E402
from bot.worker import Worker, run_inline  # noqa: E402
from bot.world import ServiceWorld  # noqa: E402
from rollout import events as ev  # noqa: E402
from rollout.config import Plan, TeamConfig, TrafficStage  # noqa: E402
from rollout.state import DeployState  # noqa: E402
from tests.exporter import Exporter, Rates  # noqa: E402
from tests.fakes import InMemoryRepository  # noqa: E402
from tests.servers import Server, start_prometheus, wait_until  # noqa: E402

TARGET_S = 1.0
PLAN = Plan(stages=(TrafficStage(name="canary", percent=10, bake="1s"),
                    TrafficStage(name="all", percent=100)))  # fmt: skip
FROZEN_PLAN = Plan(stages=(TrafficStage(name="canary", percent=10, bake="1h"),))


class Clock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class Quiet:
    """Stands in for the outbox and the team: this bench measures decisions, not posts."""

    def due(self, now: datetime) -> list[str]:
        return []

    def post_due_notices(self) -> None:
        return


def delays(urls: dict[str, str], rounds: int, pooled: bool) -> list[float]:
    """Seconds from each api bake end to its BakeElapsed transition, `frozen` hanging."""
    config = TeamConfig(plan=PLAN, plans={"frozen": FROZEN_PLAN})
    repo = InMemoryRepository()
    deploys = Deploys(config, repo, Clock())
    sources = {s: PrometheusMetrics({"url": u, "window": "2s"}) for s, u in urls.items()}
    world = ServiceWorld(lambda _: LogDeployer(), lambda s: sources[s])
    pool = ThreadPoolExecutor(max_workers=8)
    run = (lambda job: pool.submit(job) and None) if pooled else run_inline
    quiet = Quiet()
    worker = Worker(deploys, quiet, Reconciler(deploys, world), quiet, world, 0.25, run=run)  # type: ignore[arg-type]
    frozen = DeployState("frozen-1", "frozen", "2.0", "1.0", "U1", plan_name="frozen")
    repo.add(frozen, Clock().now())
    deploys.apply(frozen.id, ev.Start("U1"))
    worker.start()
    seen = []
    try:
        for r in range(rounds):
            deploy = DeployState(f"api-{r}", "api", "2.0", "1.0", "U1")
            repo.add(deploy, Clock().now())
            baking = deploys.apply(deploy.id, ev.Start("U1")).state
            asked = wait_until(lambda d=deploy.id: _asked(repo, d), 60, f"round {r}", 0.01)
            assert baking.bake_until is not None
            seen.append((asked - baking.bake_until).total_seconds())
            deploys.apply(deploy.id, ev.Rollback("U1", None, "next round"))
    finally:
        worker.stop()
        pool.shutdown(wait=False, cancel_futures=True)
    return seen


def _asked(repo: InMemoryRepository, deploy_id: str) -> datetime | None:
    return next((e.at for e in repo.events(deploy_id) if e.kind == "bake_elapsed"), None)


def p99(values: list[float]) -> float:
    return sorted(values)[max(int(len(values) * 0.99 + 0.5) - 1, 0)]


def measure(workdir: Path, rounds: int) -> dict[str, list[float]]:
    """Both modes, side by side, with the first Prometheus frozen throughout."""
    exporters = {s: Exporter(service=s) for s in ("frozen", "api")}
    servers: dict[str, Server] = {}
    try:
        for service, exporter in exporters.items():
            exporter.set("1.0", Rates())
            exporter.set("2.0", Rates())
            (workdir / service).mkdir()
            servers[service] = start_prometheus(workdir / service, [exporter.target])
        servers["frozen"].proc.send_signal(signal.SIGSTOP)
        urls = {s: server.url for s, server in servers.items()}
        return {mode: delays(urls, rounds, pooled=mode == "own pool")
                for mode in ("worker thread", "own pool")}  # fmt: skip
    finally:
        if "frozen" in servers:
            servers["frozen"].proc.send_signal(signal.SIGCONT)
        for server in servers.values():
            server.stop()
        for exporter in exporters.values():
            exporter.close()


def report(results: dict[str, list[float]]) -> bool:
    """Print the isolation figure; True when the pooled p99 meets the target."""
    print("isolation: another deploy's bake end -> question, one Prometheus frozen (SIGSTOP)")
    for mode, values in results.items():
        p50, top = statistics.median(values), max(values)
        print(f"  judges on the {mode:<13}: p50 {p50:.2f} s, p99 {p99(values):.2f} s, "
              f"max {top:.2f} s ({len(values)} rounds)")  # fmt: skip
    ratio = p99(results["worker thread"]) / max(p99(results["own pool"]), 1e-3)
    ok = p99(results["own pool"]) < TARGET_S
    verdict = "PASS" if ok else "FAIL"
    print(f"  p99 own pool {p99(results['own pool']):.2f} s (target < {TARGET_S:g} s; "
          f"{ratio:.0f}x faster than on the worker thread)  {verdict}")  # fmt: skip
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-isolation-") as tmp:
        results = measure(Path(tmp), args.rounds)
    return 0 if report(results) else 1


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"  ({time.perf_counter() - started:.0f} s)")
    sys.exit(code)
