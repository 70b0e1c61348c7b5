"""A pull fleet honours audiences, against a real etcd and five `commander agent` processes:
at each stage of the built-in plan, ceil(hosts × share) hosts of each pool serve the new
version. The agent backs off when etcd is away, says so once, and leaves on SIGTERM at once
with its host wholly old or wholly new."""

from __future__ import annotations

import math
import signal
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.context import acting_for
from adapters.etcd_deployer import EtcdDeployer
from rollout.config import TrafficStage, default_plan
from rollout.errors import WorldError
from rollout.machine import exposure_for
from rollout.state import DeployState, Exposure
from tests.integration.fleet_fixtures import Agents
from tests.servers import Server, wait_until

POOLS = {"h0": "internal", "h1": "external", "h2": "external", "h3": "external", "h4": "external"}

# Long enough never to flake on a loaded machine, short of the waits an agent that ignored
# SIGTERM would sit out (a 20 s drain, a 30 s backoff); the 2 s target is a bench figure.
LEAVES_S = 8




def built_in_stages() -> list[tuple[str, Exposure]]:
    """Each traffic stage of the built-in plan with the exposure the core gives it."""
    exposure, stages = Exposure(), []
    for stage in default_plan().stages:
        if isinstance(stage, TrafficStage):
            exposure = exposure_for(exposure, stage)
            stages.append((stage.name, exposure))
    return stages


def expected_new(exposure: Exposure) -> int:
    internal = sum(1 for p in POOLS.values() if p == "internal")
    external = len(POOLS) - internal
    return math.ceil(internal * exposure.internal / 100) + math.ceil(
        round(external * exposure.external / 100, 9)
    )


def test_each_stage_of_the_built_in_plan_moves_ceil_hosts_of_the_right_pool(
    agents: Agents, etcd: Server, prefix: str
) -> None:
    deployer = EtcdDeployer({"url": etcd.url, "prefix": prefix})
    deployer.deploy("api", "production", "1.0")
    for host, pool in POOLS.items():
        agents.start(host, pool=pool)
    agents.wait_all(list(POOLS), "1.0")
    release = DeployState("api-2", "api", "2.0", "1.0", "U1", started_at=datetime.now(UTC))
    seen = []
    for revision, (name, exposure) in enumerate(built_in_stages(), start=1):
        with acting_for(release, revision):
            deployer.set_traffic("api", "2.0", exposure.internal, exposure.external, 0.0)
        want = expected_new(exposure)

        def settled(want: int = want) -> bool:
            reports = agents.reports()
            ready = [r for r in reports.values() if r.get("state") == "ready"]
            return len(ready) == len(POOLS) and sum(r["version"] == "2.0" for r in ready) == want

        wait_until(settled, 60, f"{want} hosts on 2.0 at {name}; logs in {agents.workdir}")
        on_new = sorted(h for h in POOLS if agents.serving(h) == "2.0")
        seen.append((name, len(on_new)))
        if exposure.internal == 100:
            assert "h0" in on_new  # employees keep the new version after dogfood
        if exposure.external == 0:
            assert on_new == ["h0"]  # dogfood reaches no customer's host
    print("hosts on 2.0 per stage (1 internal + 4 external):", seen)
    assert [n for _, n in seen] == [1, 2, 2, 2, 3, 4, 5]


def test_a_split_no_host_can_give_holds_with_the_reason(
    agents: Agents, etcd: Server, prefix: str
) -> None:
    deployer = EtcdDeployer({"url": etcd.url, "prefix": prefix})
    deployer.deploy("api", "production", "1.0")
    agents.start("h1")  # a customers' host; no employees' host
    agents.wait_all(["h1"], "1.0")
    release = DeployState("api-2", "api", "2.0", "1.0", "U1", started_at=datetime.now(UTC))
    with acting_for(release, 1), pytest.raises(WorldError) as refused:
        deployer.set_traffic("api", "2.0", 100.0, 0.0, 0.0)  # dogfood
    assert refused.value.detail == (
        "this stage sends 100% of employees to the new version, but no host of api declares "
        'pool = "internal" (1 host reporting)'
    )
    assert agents.serving("h1") == "1.0"


class BrokenEtcd:
    """A port that accepts each connection and closes it at once, counting the attempts (the
    client sees a different error each time: ReadError, RemoteProtocolError)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.attempts: list[float] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.attempts.append(time.monotonic())
            conn.close()


def test_the_agent_backs_off_says_so_once_and_leaves_on_sigterm(
    agents: Agents, tmp_path: Path
) -> None:
    etcd = BrokenEtcd()
    agents.etcd_url = etcd.url
    agents.start("h0")
    log = tmp_path / "h0.log"
    wait_until(lambda: etcd.attempts, 30, "the agent to try etcd")
    first = etcd.attempts[0]
    time.sleep(5)  # retrying each second, the old agent tried (and warned) 5 more times
    proc = agents.procs.pop("h0")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=LEAVES_S) == 0  # bench/pools.py measures the 2 s target
    etcd.sock.close()
    tries = [t - first for t in etcd.attempts if t - first <= 5]
    assert 2 <= len(tries) <= 4, tries  # delays of 0.5-1, 1-2, 2-4 s: jittered doubling
    warnings = [line for line in log.read_text().splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and "retrying with backoff" in warnings[0]


@pytest.mark.parametrize("moment", ["fetching", "draining"])
def test_sigterm_mid_switch_exits_at_once_leaving_the_host_wholly_old_or_new(
    agents: Agents, etcd: Server, prefix: str, moment: str
) -> None:
    deployer = EtcdDeployer({"url": etcd.url, "prefix": prefix})
    deployer.deploy("api", "production", "1.0")
    agents.start("h0", copy_delay=0.3, drain="20s")
    agents.wait_all(["h0"], "1.0")
    deployer.deploy("api", "production", "2.0")
    agents.wait_all(["h0"], "2.0", state=moment, timeout=30)
    proc = agents.procs.pop("h0")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=LEAVES_S) == 0  # well inside the 20 s drain it would sit out
    assert agents.serving("h0") == "1.0"  # cut short before the switch: wholly old


def test_a_build_that_failed_is_not_retried_on_every_check(
    agents: Agents, etcd: Server, prefix: str
) -> None:
    deployer = EtcdDeployer({"url": etcd.url, "prefix": prefix})
    deployer.deploy("api", "production", "1.0")
    agents.start("h0")  # checks every second
    agents.wait_all(["h0"], "1.0")
    deployer.deploy("api", "production", "6.6.6-bad")
    agents.wait_all(["h0"], "6.6.6-bad", state="failed")
    said_at = agents.reports()["h0"]["at"]
    time.sleep(3.5)  # three more checks of the same desired state
    assert agents.reports()["h0"]["at"] == said_at and agents.serving("h0") == "1.0"
