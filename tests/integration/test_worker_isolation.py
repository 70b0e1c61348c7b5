"""Each deploy's work in a worker pass is isolated, against real Prometheus servers: a frozen
one (SIGSTOP) never holds up another deploy's bake end, an exception in one deploy's work never
skips another's, and a held deploy is looked at with backoff."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from adapters.deployers import LogDeployer
from adapters.prometheus import PrometheusMetrics
from bot.deploys import Deploys
from bot.reconcile import Reconciler
from bot.worker import Worker
from bot.world import ServiceWorld
from rollout import events as ev
from rollout.config import Plan, TeamConfig, TrafficStage
from rollout.observations import Observations
from rollout.state import DeployState
from tests.exporter import Exporter, Rates
from tests.fakes import FakeClock, InMemoryRepository
from tests.servers import Server, start_prometheus, wait_until

T0 = datetime.now(UTC)
PLAN = Plan(stages=(TrafficStage(name="canary", percent=10, bake="1s"),
                    TrafficStage(name="all", percent=100)))  # fmt: skip


class Quiet:
    """The outbox and the team: these tests look at decisions, not posts."""

    def due(self, now: datetime) -> list[str]:
        return []

    def post_due_notices(self) -> None:
        return


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    exporter = Exporter(service="frozen")
    exporter.set("1.0", Rates())
    server = start_prometheus(tmp_path_factory.mktemp("frozen"), [exporter.target])
    yield server
    server.proc.send_signal(signal.SIGCONT)
    server.stop()
    exporter.close()


class Raising:
    """A metrics source with a bug."""

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        raise RuntimeError("a bug in one adapter")


def stack(metrics: dict[str, object], pooled: bool) -> tuple[Worker, Deploys, FakeClock]:
    clock = FakeClock(T0)
    repo = InMemoryRepository()
    long = Plan(stages=(TrafficStage(name="canary", percent=10, bake="1h"),))
    deploys = Deploys(TeamConfig(plan=PLAN, plans={"long": long}), repo, clock)
    world = ServiceWorld(lambda _: LogDeployer(), lambda s: metrics[s])  # type: ignore[arg-type,return-value]
    pool = ThreadPoolExecutor(max_workers=4)
    run = (lambda job: pool.submit(job) and None) if pooled else (lambda job: job())
    quiet = Quiet()
    worker = Worker(deploys, quiet, Reconciler(deploys, world), quiet, world, run=run, send=run)  # type: ignore[arg-type]
    for service in metrics:
        plan = "long" if service == "frozen" else "default"
        repo.add(DeployState(f"{service}-1", service, "2.0", "1.0", "U1", plan_name=plan), T0)
        deploys.apply(f"{service}-1", ev.Start("U1"))
    return worker, deploys, clock


def test_a_frozen_prometheus_never_holds_up_another_deploys_bake_end(
    frozen: Server, tmp_path: Path
) -> None:
    metrics = {"frozen": PrometheusMetrics({"url": frozen.url, "timeout": "30s"}),
               "api": Raising()}  # fmt: skip
    worker, deploys, clock = stack(metrics, pooled=True)
    frozen.proc.send_signal(signal.SIGSTOP)
    try:
        clock.advance(seconds=30)  # api's bake is over; frozen has windows to query
        finished = threading.Event()
        threading.Thread(target=lambda: (worker.run_once(), finished.set()), daemon=True).start()
        wait_until(finished.is_set, 10, "the pass to finish while Prometheus is frozen")
        assert deploys.repo.get("api-1").phase == "awaiting_confirm"  # asked in the same pass
        assert "judge:frozen-1" in worker._busy  # its look still waits on the frozen server
    finally:
        frozen.proc.send_signal(signal.SIGCONT)


def test_one_deploys_exception_never_skips_anothers_timers() -> None:
    worker, deploys, clock = stack({"api": Raising(), "web": Raising()}, pooled=False)
    clock.advance(seconds=2)
    worker.run_once()  # api's look raises first; web's bake end must still fire
    assert deploys.repo.get("web-1").phase == "awaiting_confirm"
    assert deploys.repo.get("api-1").phase == "awaiting_confirm"


class Counting:
    """A source that is always away, counting each look."""

    def __init__(self) -> None:
        self.looks = 0

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        from rollout.observations import Arm

        self.looks += 1
        return Observations(1.0, Arm(), Arm(), unavailable="no answer from prometheus in 5 s")


def test_a_held_deploy_is_looked_at_with_backoff() -> None:
    source = Counting()
    worker, deploys, clock = stack({"api": source}, pooled=False)
    for _ in range(240):  # one minute of passes, every 0.25 s
        worker.run_once()
        clock.advance(seconds=0.25)
    assert deploys.repo.get("api-1").status == "held"
    # every 5 s would be 12 looks; held from the first, they come 5, 10, 20 (then 40) s apart
    assert source.looks == 4


class HungSlack:
    """An outbox whose Slack call for one deploy never answers until released."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def due(self, now: datetime) -> list[str]:
        return ["api-1"]

    def drain_deploy(self, deploy_id: str, now: datetime) -> None:
        self.release.wait(30)

    def post_due_notices(self) -> None:
        return


def test_a_hung_slack_call_never_holds_up_a_bake_end() -> None:
    worker, deploys, clock = stack({"api": Raising()}, pooled=True)
    hung = HungSlack()
    worker.outbox = hung  # type: ignore[assignment]
    try:
        clock.advance(seconds=2)
        finished = threading.Event()
        threading.Thread(target=lambda: (worker.run_once(), finished.set()), daemon=True).start()
        wait_until(finished.is_set, 10, "the pass to finish while Slack hangs")
        assert deploys.repo.get("api-1").phase == "awaiting_confirm"
        worker.run_once()  # the next pass does not start a second drain behind the hung one
        assert "outbox:api-1" in worker._busy
    finally:
        hung.release.set()


def test_a_slow_prometheus_look_ends_at_its_deadline_as_no_data() -> None:
    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            self.rfile.read(int(self.headers["Content-Length"]))
            threading.Event().wait(0.3)  # each query answers, slowly, inside its own timeout
            body = {"status": "success", "data": {"resultType": "matrix", "result": []}}
            try:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())
            except BrokenPipeError:
                return  # the client gave up at its deadline

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        metrics = PrometheusMetrics({"url": url, "timeout": "5s", "look_timeout": "1s",
                                     "window": "2s"})  # fmt: skip
        deploy = DeployState("api-1", "api", "2.0", "1.0", "U1", status="running",
                             phase="baking", stage_started_at=T0)  # fmt: skip
        obs = metrics.observe(deploy, T0 + timedelta(minutes=1))
        assert obs.unavailable == (
            f"metrics source too slow: 127.0.0.1:{server.server_address[1]} gave no full "
            "answer in 1 s"
        )
    finally:
        server.shutdown()
        server.server_close()
