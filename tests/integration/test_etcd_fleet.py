"""The etcd deployer and five `commander agent` processes against a real etcd: rollouts and
rollbacks flip every host, a bad build is held before any user traffic, and a SIGKILL mid-switch
leaves a host wholly old or wholly new."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.context import acting_for
from adapters.etcd_deployer import EtcdDeployer
from adapters.fleet import desired_key, switched
from adapters.fleet_health import FleetHealthMetrics
from bot.world import ServiceWorld
from rollout import events as ev
from rollout.acting import carry_out
from rollout.config import DeployStage, HealthJudge, Plan, TeamConfig, TrafficStage
from rollout.controller import fold
from rollout.judges import evaluate
from rollout.machine import Transition, decide
from rollout.state import DeployState
from tests.integration.fleet_fixtures import Agents
from tests.servers import Server

HOSTS = [f"h{i}" for i in range(5)]
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)



def deployer(etcd: Server, prefix: str) -> EtcdDeployer:
    return EtcdDeployer({"url": etcd.url, "prefix": prefix, "smoke_timeout": "30s"})


def release(version: str, previous: str | None, started_second: int = 0) -> DeployState:
    started = T0.replace(second=started_second)
    return DeployState(f"api-{version}", "api", version, previous, "U1", started_at=started)


def test_a_rollout_and_a_rollback_flip_every_agent(
    agents: Agents, etcd: Server, prefix: str
) -> None:
    etcd_deployer = deployer(etcd, prefix)
    etcd_deployer.deploy("api", "production", "1.0")
    for host in HOSTS:
        agents.start(host)
    agents.wait_all(HOSTS, "1.0")
    assert etcd_deployer.smoke_test("api", "production", None).detail == (
        "5 of 5 hosts ready on 1.0"
    )

    with acting_for(release("2.0", "1.0"), revision=3):
        etcd_deployer.set_traffic("api", "2.0", 0.0, 40.0, 0.0)
        first = sorted(switched({"shares": {"external": 40}}, dict.fromkeys(HOSTS, "external")))
        assert len(first) == 2  # ceil(5 × 40%)
        agents.wait_all(first, "2.0")
        agents.wait_all([h for h in HOSTS if h not in first], "1.0")
        etcd_deployer.set_traffic("api", "2.0", 100.0, 100.0, 0.0)
        agents.wait_all(HOSTS, "2.0")
        assert {agents.serving(h) for h in HOSTS} == {"2.0"}

    with acting_for(release("2.0", "1.0"), revision=6):
        etcd_deployer.rollback("api", "2.0", "1.0")
    agents.wait_all(HOSTS, "1.0")
    assert {agents.serving(h) for h in HOSTS} == {"1.0"}


def test_a_stale_writer_cannot_undo_a_newer_decision(etcd: Server, prefix: str) -> None:
    etcd_deployer = deployer(etcd, prefix)
    key = desired_key(prefix, "api", "production")
    with acting_for(release("2.0", "1.0"), revision=7):
        etcd_deployer.rollback("api", "2.0", "1.0")
    with acting_for(release("2.0", "1.0"), revision=5):  # a replica still acting on revision 5
        etcd_deployer.set_traffic("api", "2.0", 0.0, 50.0, 0.0)
    stored, _ = etcd_deployer.etcd.get(key)
    assert stored is not None and stored.value["action"] == "rollback"
    assert stored.value["version"] == "1.0" and stored.value["fence"].endswith("/000000000007")
    with acting_for(release("3.0", "1.0", started_second=30), revision=1):  # the next deploy
        etcd_deployer.set_traffic("api", "3.0", 0.0, 10.0, 0.0)
    stored, _ = etcd_deployer.etcd.get(key)
    assert stored is not None and (stored.value["version"], stored.value["shares"]) == (
        "3.0", {"internal": 0.0, "external": 10.0},
    )  # fmt: skip


class Recorder:
    """People and Timers that only remember what they were told."""

    def __init__(self) -> None:
        self.told: list[object] = []

    def ask(self, deploy: DeployState, question: ev.AskConfirm) -> None:
        self.told.append(question)

    def notify(self, deploy: DeployState, note: ev.Notify) -> None:
        self.told.append(note)

    def record(self, deploy: DeployState, audit: ev.Audit) -> None:
        self.told.append(audit)

    def update_card(self, deploy: DeployState) -> None:
        return

    def bake(self, deploy: DeployState, stage: int, until: datetime) -> None:
        self.told.append(("bake", stage))

    def stabilize(self, deploy: DeployState, until: datetime) -> None:
        return


def test_a_bad_build_fails_readiness_and_holds_before_any_user_traffic(
    agents: Agents, etcd: Server, prefix: str
) -> None:
    etcd_deployer = deployer(etcd, prefix)
    etcd_deployer.deploy("api", "production", "1.0")
    for host in HOSTS:
        agents.start(host)
    agents.wait_all(HOSTS, "1.0")
    plan = Plan(stages=(DeployStage(name="hosts", environment="production", smoke_test="ready"),
                        TrafficStage(name="canary", percent=10)))  # fmt: skip
    config = TeamConfig(plan=plan)
    metrics = FleetHealthMetrics({"url": etcd.url, "prefix": prefix})
    world = ServiceWorld(lambda _: etcd_deployer, lambda _: metrics)
    recorder = Recorder()

    deploy = release("6.6.6-bad", "1.0")
    started = decide(deploy, ev.Start("U1"), T0, config)
    assert isinstance(started, Transition)
    with acting_for(started.state, revision=2):
        answers = carry_out(started.state, started.actions, world, recorder, recorder)
    held = fold(started.state, answers, T0, config).state

    assert held.status == "held" and not held.exposure.any
    assert held.hold_reason is not None
    assert held.hold_reason.startswith("smoke test failed: 5 of 5 hosts failed readiness on 6.6.6")
    assert {agents.serving(h) for h in HOSTS} == {"1.0"}  # each host went back to the old build
    health = evaluate(HealthJudge(grace="0s"), metrics.observe(held, datetime.now(UTC)))
    assert (
        health.outcome == "fail" and "5 of 5 new hosts failed readiness" in health.evidence.summary
    )


@pytest.mark.parametrize("moment", ["fetching", "draining"])
def test_a_sigkill_mid_switch_leaves_the_host_wholly_old_or_wholly_new(
    agents: Agents, etcd: Server, prefix: str, moment: str
) -> None:
    etcd_deployer = deployer(etcd, prefix)
    etcd_deployer.deploy("api", "production", "1.0")
    agents.start("h0", copy_delay=0.1, drain="1s")
    agents.wait_all(["h0"], "1.0")

    etcd_deployer.deploy("api", "production", "2.0")
    agents.wait_all(["h0"], "2.0", state=moment, timeout=30)
    agents.kill("h0")
    assert agents.serving("h0") in ("1.0", "2.0")
    builds = agents.workdir / "hosts" / "h0" / "builds"
    for build in builds.glob("[!.]*"):  # every named build is complete; only cold dirs are partial
        assert len(list(build.glob("part*.txt"))) == 12, build

    agents.start("h0")
    agents.wait_all(["h0"], "2.0")
    assert agents.serving("h0") == "2.0" and not list(builds.glob(".incoming-*"))
