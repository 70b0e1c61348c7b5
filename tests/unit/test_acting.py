"""carry_out: every action reaches its port, in order; the world's answers come back as events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rollout import events as ev
from rollout.acting import carry_out
from rollout.observations import Observations
from rollout.ports import SmokeResult
from rollout.state import DeployState

NOW = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
DEPLOY = DeployState(id="d1", service="api", version="2.0", previous_version="1.0", commander="U1")


class Recorder:
    """World, people and timers at once: records every call in order."""

    def __init__(self, smoke_passes: bool = True) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.smoke_passes = smoke_passes

    def set_traffic(self, service: str, version: str, i: float, e: float, m: float) -> None:
        self.calls.append(("traffic", service, version, i, e, m))

    def deploy(self, service: str, environment: str, version: str) -> None:
        self.calls.append(("deploy", service, environment, version))

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult:
        self.calls.append(("smoke", service, environment, test))
        return SmokeResult(self.smoke_passes, "HTTP 200" if self.smoke_passes else "HTTP 500")

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        self.calls.append(("rollback", service, from_version, to_version))

    def set_kill_switch(self, service: str, flag: str, off: bool) -> None:
        self.calls.append(("kill", service, flag, off))

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        raise AssertionError("carry_out never observes")

    def ask(self, deploy: DeployState, question: ev.AskConfirm) -> None:
        self.calls.append(("ask", question.stage))

    def notify(self, deploy: DeployState, note: ev.Notify) -> None:
        self.calls.append(("notify", note.level))

    def record(self, deploy: DeployState, audit: ev.Audit) -> None:
        self.calls.append(("audit", audit.kind))

    def update_card(self, deploy: DeployState) -> None:
        self.calls.append(("card", deploy.id))

    def bake(self, deploy: DeployState, stage: int, until: datetime) -> None:
        self.calls.append(("bake", stage, until))

    def stabilize(self, deploy: DeployState, until: datetime) -> None:
        self.calls.append(("stabilize", until))


def test_every_action_reaches_its_port_in_order() -> None:
    r = Recorder()
    actions: list[ev.Action] = [
        ev.DeployTo("staging", "2.0"),
        ev.SetTraffic("2.0", 2.0, 2.0, 0.0),
        ev.StartBake(3, NOW),
        ev.AskConfirm(3, "canary", "U1", "baked"),
        ev.Notify("hello", level="warning"),
        ev.SetKillSwitch("new-checkout", off=True),
        ev.RollBack("2.0", "1.0"),
        ev.StartStabilization(NOW),
        ev.Audit("U1", "confirm", "running", "running", 3, "ok"),
    ]
    assert carry_out(DEPLOY, actions, r, r, r) == []
    assert r.calls == [
        ("deploy", "api", "staging", "2.0"),
        ("traffic", "api", "2.0", 2.0, 2.0, 0.0),
        ("bake", 3, NOW),
        ("ask", 3),
        ("notify", "warning"),
        ("kill", "api", "new-checkout", True),
        ("rollback", "api", "2.0", "1.0"),
        ("stabilize", NOW),
        ("audit", "confirm"),
    ]


def test_a_smoke_test_answers_with_its_result_as_an_event() -> None:
    passed = carry_out(DEPLOY, [ev.RunSmoke("staging", "smoke")], *[Recorder()] * 3)
    failing = Recorder(smoke_passes=False)
    failed = carry_out(DEPLOY, [ev.RunSmoke("staging", None)], failing, failing, failing)
    assert passed == [ev.SmokePassed("HTTP 200")]
    assert failed == [ev.SmokeFailed("HTTP 500")]


def test_a_failed_action_holds_a_running_deploy_once() -> None:
    from rollout.machine import Transition, decide
    from tests.unit.machine_helpers import CONFIG, at_stage

    state, _ = at_stage("canary", "baking")
    first = decide(state, ev.ActionFailed("set_traffic", "exit 3: no such host"), NOW, CONFIG)
    assert isinstance(first, Transition) and first.state.status == "held"
    assert first.state.hold_reason == "set_traffic failed: exit 3: no such host"
    again = decide(first.state, ev.ActionFailed("set_traffic", "exit 3"), NOW, CONFIG)
    assert isinstance(again, Transition) and again.actions == () and again.state == first.state
