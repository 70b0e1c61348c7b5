"""The rehearsal's ports: carry_out drives the simulated world, people and timers."""

from datetime import timedelta

import numpy as np
import pytest
import simpy

from rollout import events as ev
from rollout.acting import carry_out
from rollout.config import ChecklistStage, Plan, TeamConfig, TrafficStage
from rollout.state import DeployState, Exposure
from sim.commander import SimCommander
from sim.faults import FaultModel
from sim.fleet import NEW, Hooks, SimFleet
from sim.meter import Meter
from sim.people import SimPeople
from sim.scenario import CommanderModel, Fleet
from sim.traffic import TrafficSampler
from sim.world import EPOCH, SimClock, SimTimers, SimWorld

FLEET = Fleet(hosts=10, rps=1000, deploy="pull", signal_delay=0, copy_seconds=1, pull_jitter=0,
              startup_seconds=2, history=0)  # fmt: skip
PLAN = Plan(stages=(ChecklistStage(name="branch", items=("cut", "tag")),
                    TrafficStage(name="canary", percent=10, gate="auto")))  # fmt: skip
CONFIG = TeamConfig(plans={"p": PLAN})
DEPLOY = DeployState(id="d", service="web", version="v2", previous_version="v1",
                     commander="U0SIMCMDR", plan_name="p")  # fmt: skip
QUICK = CommanderModel(reaction_median=timedelta(seconds=3), reaction_p95=timedelta(seconds=3))


class Sim:
    """A simulated world, people and timers wired as the rehearsal wires them."""

    def __init__(self) -> None:
        self.env = simpy.Environment()
        self.answers: list[tuple[float, ev.Event]] = []
        self.sent: list[tuple[float, ev.Event]] = []
        self.judging_started = 0
        rng = np.random.default_rng(0)
        sampler = TrafficSampler(FLEET, rng, 0.5)
        faults = FaultModel((), 600, rng)
        hooks = Hooks(self._changing, lambda version, requests: None)
        self.fleet = SimFleet(self.env, FLEET, hooks, rng)
        self.meter = Meter(sampler, self.fleet, faults, 5.0, 600)
        self.clock = SimClock(self.env)
        self.world = SimWorld(self.env, self.fleet, self.meter, 120.0, self._answer,
                              self._judging)  # fmt: skip
        self.timers = SimTimers(self.env, self.clock, self._answer)
        self.commander = SimCommander(self.env, QUICK, rng)
        self.state = DEPLOY
        self.people = SimPeople(self.env, self.commander, self, self.meter, CONFIG)

    # what the commander sees of the deploy (sim.commander.Deploy)
    over = False

    def send(self, *events: ev.Event) -> None:
        self.sent += [(self.env.now, e) for e in events]

    def judges_pass(self) -> bool:
        return True

    def judge_failed(self) -> bool:
        return True

    def users_exposed(self) -> bool:
        return True

    def end_held(self) -> None:
        raise AssertionError("not expected")

    def _answer(self, event: ev.Event) -> None:
        self.answers.append((self.env.now, event))

    def _changing(self) -> None:
        self.meter.flush(self.env.now)
        self.world.fleet_changing()

    def _judging(self) -> None:
        self.judging_started += 1

    def act(self, *actions: ev.Action) -> list[ev.Event]:
        return carry_out(self.state, actions, self.world, self.people, self.timers)


class TestWorld:
    def test_a_smoke_test_answers_after_its_simulated_time_not_at_once(self):
        sim = Sim()
        assert sim.act(ev.DeployTo("staging", "v2"), ev.RunSmoke("staging", "smoke")) == []
        assert sim.world.deployed == {"staging": "v2"}
        sim.env.run(until=1000)
        assert sim.answers == [(120.0, ev.SmokePassed("in the simulated staging"))]

    def test_traffic_starts_the_meter_and_the_judges_once_then_moves_hosts(self):
        sim = Sim()
        sim.act(ev.SetTraffic("v2", 10.0, 10.0))
        sim.act(ev.SetTraffic("v2", 50.0, 50.0))
        assert sim.meter.started and sim.judging_started == 1
        sim.env.run(until=10)
        assert int((sim.fleet.version == NEW).sum()) == 5

    def test_a_rollback_returns_every_host_and_a_kill_switch_is_kept(self):
        sim = Sim()
        sim.act(ev.SetTraffic("v2", 100.0, 100.0))
        sim.env.run(until=10)
        sim.act(ev.SetKillSwitch("checkout", off=True), ev.RollBack("v2", "v1"))
        sim.env.run(until=sim.fleet.rollback_done)
        assert not sim.fleet.new_version_live() and sim.world.kill_switches == {"checkout": True}

    def test_observations_carry_the_fleets_host_health_as_hosts_age_and_change(self):
        sim = Sim()
        sim.act(ev.SetTraffic("v2", 50.0, 50.0))
        for until in (0.5, 1.5, 2.0, 3.5, 7.0, 30.0):
            sim.env.run(until=until)
            assert sim.world.observe(DEPLOY, sim.clock.now()).hosts == sim.fleet.health()
        assert sim.fleet.health().new_hosts == 5 and sim.fleet.health().unready == 0

    def test_the_fleets_cached_routing_is_what_it_would_compute_afresh(self):
        sim = Sim()
        checks = 0
        for action, until in ((ev.SetTraffic("v2", 10.0, 10.0), 4.0),
                              (ev.SetTraffic("v2", 60.0, 60.0), 9.0),
                              (ev.RollBack("v2", "v1"), 20.0)):  # fmt: skip
            sim.act(action)
            while sim.env.now < until:
                sim.env.run(until=sim.env.now + 0.5)
                cached, fresh = sim.fleet.routing(), sim.fleet._route()
                assert np.array_equal(cached.new_rates, fresh.new_rates)
                assert (cached.user_pct, cached.unserved) == (fresh.user_pct, fresh.unserved)
                checks += 1
        assert checks == 40 and sim.fleet.routing().user_pct == 0


class TestTimers:
    def test_bake_and_stabilization_answer_at_their_deadlines(self):
        sim = Sim()
        sim.act(
            ev.StartBake(1, EPOCH + timedelta(seconds=300)),
            ev.StartStabilization(EPOCH + timedelta(minutes=15)),
        )
        sim.env.run(until=2000)
        assert sim.answers == [(300.0, ev.BakeElapsed()), (900.0, ev.StabilizationElapsed())]


class TestPeople:
    def test_a_settled_gate_is_confirmed_after_a_reaction(self):
        sim = Sim()
        sim.state = DEPLOY.evolve(status="running", phase="awaiting_confirm", stage_index=0)
        sim.act(ev.AskConfirm(0, "branch", "U0SIMCMDR", "checklist complete"))
        sim.env.run(until=60)
        assert sim.sent == [(pytest.approx(3.0), ev.Confirm("U0SIMCMDR", 0))]
        assert sim.people.detection.detected_at is None

    def test_a_warning_during_stabilization_is_a_detection_and_marks_the_release_faulty(self):
        sim = Sim()
        sim.state = DEPLOY.evolve(status="stabilizing", stage_index=1, exposure=Exposure(10, 10))
        sim.env.run(until=7)
        sim.act(ev.AskConfirm(1, "canary", "U0SIMCMDR", "signups recommends rolling back"))
        sim.env.run(until=60)
        assert sim.people.detection.detected_at == 7
        assert [(t, type(e)) for t, e in sim.sent] == [(pytest.approx(10.0), ev.MarkFaulty)]

    def test_the_audit_trail_counts_a_policy_hold_as_a_detection(self):
        sim = Sim()
        sim.env.run(until=4)
        sim.act(ev.Audit(ev.POLICY, "judge_verdict", "running", "held", 1, "signups failed"))
        detection = sim.people.detection
        assert detection.detected_at == 4 and detection.held_by_policy
        assert [a.to_status for a in sim.people.trail] == ["held"]

    def test_the_commander_works_a_checklist_shown_on_the_card(self):
        sim = Sim()
        sim.state = DEPLOY.evolve(status="running", phase="checklist", stage_index=0)
        sim.people.update_card(sim.state)
        sim.people.update_card(sim.state)  # the same card again: no second worker
        sim.env.run(until=60)
        assert sim.sent == [(pytest.approx(3.0), ev.ChecklistItemDone("U0SIMCMDR", 0)),
                            (pytest.approx(6.0), ev.ChecklistItemDone("U0SIMCMDR", 1))]  # fmt: skip


@pytest.mark.parametrize("seconds", [0.0, 59.5, 3600.25])
def test_the_clock_counts_simulated_seconds_from_the_epoch(seconds):
    env = simpy.Environment(initial_time=seconds)
    clock = SimClock(env)
    assert clock.now() == EPOCH + timedelta(seconds=seconds)
    assert clock.seconds_until(EPOCH) == 0.0
    assert clock.seconds_until(EPOCH + timedelta(seconds=seconds + 5)) == 5.0
