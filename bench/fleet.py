"""Fleet benchmark: pull-deploy fan-out with 5 and 25 agents, and one Prometheus evaluation.

Run: .venv/bin/python bench/fleet.py   (needs Debian's prometheus and etcd-server)
Starts a real etcd and a real Prometheus (scraping a test exporter) on loopback. Measures, in
one run: the time from the desired-state key change to every `commander agent` process serving
the new version (its `current` link switched; and, for reference, reporting ready in etcd),
with 5 and with 25 agents (target: within 1.5× of each other, since each agent pulls for
itself), without a drain and with a 1 s drain; and the p99 of one PrometheusMetrics.observe()
over a 10-minute stage (target < 50 ms); and isolation (bench/isolation.py): another deploy's
bake-end-to-question delay while one Prometheus is frozen (target: p99 < 1 s), with judges on
the worker thread and on their own pool side by side. Prints PASS/FAIL per target; exits 1 on a
failure. `--isolation` runs only the isolation figure. Hosts per stage of the built-in plan on
pull fleets of 5 and 40 real agents, and their SIGTERM exit: bench/pools.py.
On loopback every agent shares the machine's cores, so without a drain the fan-out measures
the agents' CPU; the bench prints it per host.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on sys.path; put the project root there instead.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from adapters.etcd_deployer import EtcdDeployer  # noqa: E402
from adapters.prometheus import PrometheusMetrics  # noqa: E402
from rollout.state import DeployState, Exposure  # noqa: E402
from tests.exporter import Exporter, Rates  # noqa: E402
from tests.integration.fleet_fixtures import Agents, make_build  # noqa: E402
from tests.servers import start_etcd, start_prometheus, wait_until  # noqa: E402

SIZES = (5, 25)
DRAINS = ("0s", "1s")  # no drain: pure agent work; 1 s: a host's wait, as in production
ROUNDS = 3
RATIO_TARGET = 1.5
EVALUATIONS = 300
EVAL_TARGET_MS = 50.0
STAGE = timedelta(minutes=10)


Rounds = tuple[list[float], list[float], list[float], list[float]]


def fan_out(workdir: Path, etcd_url: str, size: int, drain: str) -> Rounds:
    """Per round: seconds from the key change to all `size` agents serving the new version
    (their `current` link switched) and to all reporting ready in etcd; the deployer's write
    (the bot's side); and the agents' CPU seconds per host."""
    source = workdir / "source"
    for r in range(ROUNDS + 1):
        make_build(source, f"v{r}", files=1)  # one artifact, as a real build ships
    prefix = f"/bench{size}-{drain}"
    agents = Agents(workdir, etcd_url, prefix, source)
    deployer = EtcdDeployer({"url": etcd_url, "prefix": prefix})
    hosts = [f"h{i:02d}" for i in range(size)]
    try:
        deployer.deploy("api", "production", "v0")
        for host in hosts:
            agents.start(host, copy_delay=None, drain=drain)
        agents.wait_all(hosts, "v0", timeout=120)
        serving, reported, writes, cpu = [], [], [], []
        pids = [proc.pid for proc in agents.procs.values()]
        for r in range(1, ROUNDS + 1):
            version = f"v{r}"
            cpu_before, began = _cpu_s(pids), time.perf_counter()
            deployer.deploy("api", "production", version)
            writes.append(time.perf_counter() - began)
            wait_until(lambda v=version: _all_serving(agents, hosts, v), 120, version, 0.002)
            serving.append(time.perf_counter() - began)
            wait_until(lambda v=version: _all_ready(agents, hosts, v), 120, version, 0.01)
            reported.append(time.perf_counter() - began)
            cpu.append((_cpu_s(pids) - cpu_before) / size)
        return serving, reported, writes, cpu
    finally:
        agents.stop_all()


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds the processes used so far (Linux /proc)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _all_serving(agents: Agents, hosts: list[str], version: str) -> bool:
    links = (agents.workdir / "hosts" / h / "current" for h in hosts)
    return all(os.readlink(link) == f"builds/{version}" for link in links if link.is_symlink())


def _all_ready(agents: Agents, hosts: list[str], version: str) -> bool:
    seen = agents.reports()
    return all(seen.get(h, {}).get("version") == version and
               seen[h].get("state") == "ready" for h in hosts)  # fmt: skip


def evaluations(url: str) -> list[float]:
    """Milliseconds per observe() of a canary ten minutes into its stage (10 s windows)."""
    metrics = PrometheusMetrics({"url": url, "window": "10s"})
    now = datetime.now(UTC)
    deploy = DeployState(
        "api-2", "api", "2.0", "1.0", "U1", status="running", phase="baking",
        exposure=Exposure(10, 10), started_at=now - STAGE, stage_started_at=now - STAGE,
    )  # fmt: skip
    times = []
    for _ in range(EVALUATIONS):
        began = time.perf_counter()
        obs = metrics.observe(deploy, datetime.now(UTC))
        times.append((time.perf_counter() - began) * 1000)
        assert obs.unavailable is None, obs.unavailable
    return times


def p99(values: list[float]) -> float:
    return sorted(values)[max(int(len(values) * 0.99) - 1, 0)]


def report_fleet(fleet: dict[int, Rounds], drain: str) -> bool:
    """Print one drain setting's figures; True when serving meets the ratio target."""
    print(f"pull fan-out with drain = {drain}: key change -> every agent on the new version")
    met = True
    for label, index in (("serving (current switched)", 0), ("reported ready in etcd", 1)):
        medians = {size: statistics.median(fleet[size][index]) for size in SIZES}
        for size in SIZES:
            runs = ", ".join(f"{t * 1000:.0f}" for t in fleet[size][index])
            print(f"  {label}, {size:>2} agents: {medians[size] * 1000:6.0f} ms  ({runs})")
        ratio = medians[SIZES[1]] / medians[SIZES[0]]
        ok = ratio <= RATIO_TARGET
        met = met and (ok or index == 1)  # the target is on serving
        target = f"target <= {RATIO_TARGET}x" if index == 0 else "for reference"
        print(f"  {label}: 25/5 = {ratio:.2f}x ({target})  {'PASS' if ok else 'FAIL'}")
    for size in SIZES:
        write_ms = statistics.median(fleet[size][2]) * 1000
        cpu_ms = statistics.median(fleet[size][3]) * 1000
        print(
            f"  {size:>2} agents: the bot's write {write_ms:.1f} ms, agent CPU {cpu_ms:.1f} ms/host"
        )
    return met


def isolation_figure(rounds: int = 20) -> bool:
    """The isolation figure (bench/isolation.py), printed; True when it meets its target."""
    from bench import isolation

    with tempfile.TemporaryDirectory(prefix="bench-isolation-") as tmp:
        return isolation.report(isolation.measure(Path(tmp), rounds))


def main() -> int:
    if "--isolation" in sys.argv[1:]:
        return 0 if isolation_figure() else 1
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        work = Path(tmp)
        exporter = Exporter()
        exporter.set("1.0", Rates())
        exporter.set("2.0", Rates(error_rate=0.02))
        (work / "prom").mkdir()
        (work / "etcd").mkdir()
        prometheus = start_prometheus(work / "prom", [exporter.target])
        etcd = start_etcd(work / "etcd")
        try:
            fleets: dict[str, dict[int, Rounds]] = {}
            for drain in DRAINS:
                fleets[drain] = {}
                for size in SIZES:
                    (work / f"fleet{size}-{drain}").mkdir()
                    place = work / f"fleet{size}-{drain}"
                    fleets[drain][size] = fan_out(place, etcd.url, size, drain)
            evals = evaluations(prometheus.url)
        finally:
            etcd.stop()
            prometheus.stop()
            exporter.close()
    fan_ok = all([report_fleet(fleets[drain], drain) for drain in DRAINS])
    load = os.getloadavg()[0]
    print(f"  on {os.cpu_count()} cores, load average {load:.1f}: all agents share those cores")
    print(f"prometheus: one observe() over a {STAGE.seconds // 60}-minute stage, "
          f"{EVALUATIONS} runs (60 windows x 2 arms, 10 queries)")  # fmt: skip
    eval_p99 = p99(evals)
    eval_ok = eval_p99 < EVAL_TARGET_MS
    print(f"  p50 {statistics.median(evals):.1f} ms, p99 {eval_p99:.1f} ms "
          f"(target < {EVAL_TARGET_MS:g} ms; ratio {eval_p99 / EVAL_TARGET_MS:.2f} of target)  "
          f"{'PASS' if eval_ok else 'FAIL'}")  # fmt: skip
    isolated = isolation_figure()
    return 0 if fan_ok and eval_ok and isolated else 1


if __name__ == "__main__":
    sys.exit(main())
