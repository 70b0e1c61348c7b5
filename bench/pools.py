"""Pull fleets honour audiences: hosts on the new version at each stage of the built-in plan,
measured with real `commander agent` processes, and how fast they leave on SIGTERM.

Run: .venv/bin/python bench/pools.py [--sizes 5 40]   (needs Debian's etcd-server)
For each size, a real etcd and one agent process per host (10% of them, at least one, in the
employees' pool); the etcd deployer walks the built-in plan's traffic stages and the bench
counts the hosts whose `current` link points at the new build once they settle, next to
ceil(hosts × share) per pool. Then each agent in turn gets SIGTERM; the bench prints the
slowest exit (target: within 2 s).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from adapters.context import acting_for  # noqa: E402
from adapters.etcd_deployer import EtcdDeployer  # noqa: E402
from adapters.fleet import switched  # noqa: E402
from rollout.config import TrafficStage, default_plan  # noqa: E402
from rollout.machine import exposure_for  # noqa: E402
from rollout.state import DeployState, Exposure  # noqa: E402
from tests.integration.fleet_fixtures import Agents, make_build  # noqa: E402
from tests.servers import start_etcd, wait_until  # noqa: E402

EXIT_TARGET_S = 2.0


def stages() -> list[tuple[str, Exposure]]:
    exposure, out = Exposure(), []
    for stage in default_plan().stages:
        if isinstance(stage, TrafficStage):
            exposure = exposure_for(exposure, stage)
            out.append((stage.name, exposure))
    return out


def expected(pools: dict[str, str], exposure: Exposure) -> int:
    counts = {p: sum(1 for v in pools.values() if v == p) for p in ("internal", "external")}
    share = {"internal": exposure.internal, "external": exposure.external}
    return sum(math.ceil(round(n * share[p] / 100, 9)) for p, n in counts.items())


def walk(workdir: Path, etcd_url: str, size: int) -> tuple[list[tuple[str, int, int]], float]:
    """(stage, hosts measured on the new build, ceil rule) per stage; the slowest SIGTERM exit."""
    source = workdir / "source"
    for version in ("1.0", "2.0"):
        make_build(source, version, files=1)
    internal = max(1, size // 10)
    pools = {f"h{i:02d}": "internal" if i < internal else "external" for i in range(size)}
    agents = Agents(workdir, etcd_url, f"/pools{size}", source)
    deployer = EtcdDeployer({"url": etcd_url, "prefix": f"/pools{size}"})
    deployer.deploy("api", "production", "1.0")
    rows = []
    try:
        for host, pool in pools.items():
            agents.start(host, copy_delay=None, pool=pool)
        agents.wait_all(list(pools), "1.0", timeout=180)
        release = DeployState("api-2", "api", "2.0", "1.0", "U1", started_at=datetime.now(UTC))
        for revision, (name, exposure) in enumerate(stages(), start=1):
            with acting_for(release, revision):
                deployer.set_traffic("api", "2.0", exposure.internal, exposure.external, 0.0)
            chosen = switched({"shares": {"internal": exposure.internal,
                                          "external": exposure.external}}, pools)  # fmt: skip
            wait_until(lambda c=chosen: _settled(agents, pools, c), 120, name, 0.05)
            measured = sum(_serving(agents, h) == "2.0" for h in pools)
            rows.append((name, measured, expected(pools, exposure)))
        return rows, _stop_all(agents)
    finally:
        agents.stop_all()


def _serving(agents: Agents, host: str) -> str | None:
    try:
        return Path(os.readlink(agents.workdir / "hosts" / host / "current")).name
    except OSError:
        return None


def _settled(agents: Agents, pools: dict[str, str], chosen: set[str]) -> bool:
    return all(_serving(agents, h) == ("2.0" if h in chosen else "1.0") for h in pools)


def _stop_all(agents: Agents) -> float:
    """SIGTERM each agent in turn (as each host's init system would, one agent per host, so
    the others do not compete for the bench's cores); the slowest one's seconds to exit."""
    slowest = 0.0
    for proc in agents.procs.values():
        began = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        slowest = max(slowest, time.perf_counter() - began)
    agents.procs.clear()
    return slowest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 40])
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-pools-") as tmp:
        (Path(tmp) / "etcd").mkdir()
        etcd = start_etcd(Path(tmp) / "etcd")
        try:
            for size in args.sizes:
                (Path(tmp) / f"fleet{size}").mkdir()
                rows, slowest = walk(Path(tmp) / f"fleet{size}", etcd.url, size)
                internal = max(1, size // 10)
                print(f"pull fleet of {size} hosts ({internal} internal, {size - internal} "
                      "external), real agents: hosts on the new version per stage")  # fmt: skip
                for name, measured, rule in rows:
                    mark = "ok" if measured == rule else "MISMATCH"
                    print(f"  {name:<8} {measured:>3} measured, ceil rule {rule:>3}  {mark}")
                    ok = ok and measured == rule
                exit_ok = slowest <= EXIT_TARGET_S
                verdict = "PASS" if exit_ok else "FAIL"
                print(f"  SIGTERM to each of the {size} agents in turn: slowest exit "
                      f"{slowest:.2f} s (target <= {EXIT_TARGET_S:g} s)  {verdict}")  # fmt: skip
                ok = ok and exit_ok
        finally:
            etcd.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
