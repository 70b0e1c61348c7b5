"""One rehearsed deploy: the bot's core and its one dispatch, acting on a simulated fleet.

Every transition goes through `rollout.acting.carry_out` on the simulated world, people
and timers (sim.world, sim.people), and every judging round through
`rollout.controller.observe`, so the rehearsal plays the deploy exactly as the bot does,
stabilization period included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from rollout import events as ev
from rollout import wording
from rollout.acting import carry_out
from rollout.config import Plan, TeamConfig
from rollout.controller import Folded, fold, observe, watching
from rollout.errors import ConfigError
from rollout.machine import gating_judges, unsettled_judges
from rollout.state import DeployState
from sim.commander import SimCommander
from sim.faults import FaultModel
from sim.fleet import Hooks, SimFleet
from sim.meter import Meter
from sim.people import SimPeople
from sim.results import Decision
from sim.scenario import BadSecretFault, CrashLoopFault, Scenario
from sim.traffic import TrafficSampler
from sim.world import EPOCH, SimClock, SimTimers, SimWorld

__all__ = ["EPOCH", "Rehearsal", "scenario_config", "verdict_decisions"]

INLINE_PLAN = "scenario"
STABILIZATION = "stabilization"  # the stage name charts and decisions give the period at 100%
VERDICT_AUDIT = "judge_verdict"  # the audit kind of a JudgeVerdict the machine recorded


def scenario_config(scenario: Scenario, config: TeamConfig) -> tuple[TeamConfig, str]:
    """The config to run with and the plan name: inline stages become a plan of their own."""
    if scenario.release.stages:
        plan = Plan(stages=scenario.release.stages)
        return config.model_copy(update={"plans": {**config.plans, INLINE_PLAN: plan}}), INLINE_PLAN
    try:
        config.plan_named(scenario.release.plan)
    except KeyError as exc:
        raise ConfigError(f"scenario {scenario.name}: release.plan: {exc.args[0]}") from None
    return config, scenario.release.plan


def verdict_decisions(
    before: DeployState, judged: Folded, config: TeamConfig, t_s: float, stage: str
) -> list[Decision]:
    """The verdicts the machine recorded in one judging round, as Decisions.

    The machine audits a verdict only when the judge's outcome in this stage changes, one
    audit per judge in policy order, so the changed judges pair with the audits in order.
    """
    old, new = dict(before.verdicts), dict(judged.state.verdicts)
    judges = [j.label for j in config.policy.judges if new.get(j.label) != old.get(j.label)]
    audits = [a for a in judged.actions if isinstance(a, ev.Audit) and a.kind == VERDICT_AUDIT]
    return [
        Decision(t_s, stage, judge, new[judge], str(audit.evidence.get("summary", audit.reason)))
        for judge, audit in zip(judges, audits, strict=True)
    ]


class Rehearsal:
    """Drives a DeployState through the core, carrying out its actions on the sim."""

    def __init__(
        self, scenario: Scenario, config: TeamConfig, seed: int, *, person: bool = False
    ) -> None:
        """`person`: a person commands (a drill), so the SimCommander never acts."""
        self.scenario = scenario
        self.config, plan_name = scenario_config(scenario, config)
        self.env = simpy.Environment()
        streams = np.random.SeedSequence([seed, scenario.seed or 0]).spawn(3)
        traffic_rng, fleet_rng, commander_rng = (np.random.default_rng(s) for s in streams)
        fleet_cfg, tick = scenario.fleet, scenario.tick.total_seconds()
        self.sampler = TrafficSampler(fleet_cfg, traffic_rng, tick)
        self.faults = FaultModel(
            scenario.faults, scenario.duration.total_seconds(), traffic_rng,
            fleet_cfg.history.total_seconds(),
        )  # fmt: skip
        crash = next((f for f in scenario.faults if isinstance(f, CrashLoopFault)), None)
        self.fleet = SimFleet(
            self.env, fleet_cfg, Hooks(self._before_change, self._lost), fleet_rng,
            bad_secret=any(isinstance(f, BadSecretFault) for f in scenario.faults),
            crash_loop=crash, in_flight_s=self.sampler.latency.mean_ms / 1000,
        )  # fmt: skip
        window = self.config.policy.evaluate_every.total_seconds()
        self.meter = Meter(
            self.sampler, self.fleet, self.faults, window, scenario.duration.total_seconds()
        )
        self.commander = SimCommander(self.env, scenario.commander, commander_rng)
        self.clock = SimClock(self.env)
        self.world = SimWorld(
            self.env, self.fleet, self.meter, scenario.release.smoke_seconds.total_seconds(),
            answer=self.send, on_first_traffic=self._start_judging,
        )  # fmt: skip
        self.people = SimPeople(
            self.env, self.commander, self, self.meter, self.config, acts=not person
        )
        self.timers = SimTimers(self.env, self.clock, self.send)
        self.state = DeployState(
            id=f"sim-{scenario.name}-{seed}", service="sim", version=scenario.release.version,
            previous_version=scenario.release.previous_version, commander=self.commander.user,
            plan_name=plan_name,
        )  # fmt: skip
        self.stages: list[tuple[float, str]] = []
        self.statuses: list[tuple[float, str]] = []  # each change of the deploy's status
        self.decisions: list[Decision] = []
        self.refusals = 0
        self.mitigated_at: float | None = None
        self.outcome: str | None = None
        self.done = self.env.event()
        self.on_step: Callable[[DeployState, Folded], None] | None = None  # a drill's step log

    @property
    def detected_at(self) -> float | None:
        """When the policy first flagged the release (simulated seconds)."""
        return self.people.detection.detected_at

    # --- the commander's view (sim.commander.Deploy) ------------------------------------

    @property
    def over(self) -> bool:
        """True once the rehearsal has an outcome."""
        return self.outcome is not None

    def judges_pass(self) -> bool:
        """True when every gating judge's latest verdict in this stage is pass."""
        return not unsettled_judges(self.state, self.config)

    def judge_failed(self) -> bool:
        """True when the policy held the deploy, or a gating judge's latest verdict is fail."""
        gating = set(gating_judges(self.config))
        failing = any(name in gating and out == "fail" for name, out in self.state.verdicts)
        return failing or self.people.detection.held_by_policy

    def users_exposed(self) -> bool:
        """True when the deploy routes users to the new version and some have reached it."""
        return self.state.exposure.any and self.meter.peak_user_pct > 0

    def end_held(self) -> None:
        """The commander keeps the deploy held to investigate: the rehearsal ends here."""
        detection = self.people.detection
        if not detection.exposed_at_detection and detection.detected_at is not None:
            self.mitigated_at = detection.detected_at
        self.finish("held")

    # --- running ------------------------------------------------------------------------

    def play(self) -> None:
        """Run the deploy from Start until it has an outcome or the time limit passes."""
        self.begin()
        self.env.run(until=self.done)

    def begin(self) -> None:
        """The history warm-up, the time limit and the commander's Start (nothing runs yet)."""
        self.meter.warm_up(self.scenario.fleet, self.scenario.fleet.history.total_seconds())
        self.env.process(self._time_limit())
        self.send(ev.Start(self.state.commander))

    def now(self) -> datetime:
        """The core's `now`: the epoch plus simulated seconds."""
        return self.clock.now()

    def send(self, *events: ev.Event) -> None:
        """Fold events through the core and carry out the resulting actions."""
        self.apply(events)

    def apply(self, events: tuple[ev.Event, ...]) -> Folded | None:
        """As `send`, returning what the core made of the events (None once it is over)."""
        if self.over:
            return None
        folded = fold(self.state, events, self.now(), self.config)
        self._carry_out(self.state, folded)
        return folded

    def finish(self, outcome: str) -> None:
        """Record the outcome and stop the simulation."""
        if self.over:
            return
        self.meter.flush(self.env.now)
        self.outcome = outcome
        self.done.succeed()

    def _carry_out(self, before: DeployState, folded: Folded) -> None:
        """Adopt the new state, act through the one dispatch, then feed back its answers."""
        if self.on_step is not None:
            self.on_step(before, folded)
        self.state = folded.state
        self.refusals += len(folded.refusals)
        if self.state.status != before.status:
            self.statuses.append((self.env.now, self.state.status))
        moved = self.state.stage_index != before.stage_index or self.state.status != before.status
        if moved and not self.state.finished:
            self._mark_stage()
        answers = carry_out(self.state, folded.actions, self.world, self.people, self.timers)
        self.people.update_card(self.state)
        self._settle(before.status)
        if answers:
            self.send(*answers)

    def where(self, state: DeployState) -> str:
        """The stage a chart or a decision names: the plan's stage, or the stabilization."""
        if state.status == "stabilizing":
            return STABILIZATION
        return wording.stage_name(state, self.config)

    def _mark_stage(self) -> None:
        name = self.where(self.state)
        if not self.stages or self.stages[-1][1] != name:
            self.stages.append((self.env.now, name))

    def _settle(self, was: str) -> None:
        """End the rehearsal when the deploy finished (a rollback once the fleet is back)."""
        status = self.state.status
        if status == was:
            return
        if status == "completed":
            self.finish("promoted")
        elif status == "aborted":
            self.finish("aborted")
        elif status == "rolled_back":
            self.env.process(self._rolling_back())

    def _before_change(self) -> None:
        self.meter.flush(self.env.now)
        self.world.fleet_changing()

    def _lost(self, version: int, requests: int) -> None:
        self.meter.record_loss(version, requests)

    # --- processes ----------------------------------------------------------------------

    def _time_limit(self) -> ProcessGenerator:
        """The scenario's simulated time limit."""
        yield self.env.timeout(self.scenario.duration.total_seconds())
        status = self.state.status
        outcome = {"stabilizing": "promoted", "completed": "promoted"}.get(status, status)
        self.finish(outcome if outcome in ("rolled_back", "promoted", "aborted") else "held")

    def _rolling_back(self) -> ProcessGenerator:
        """The fleet returning to the old version with the deploy mechanics' timing."""
        yield self.fleet.rollback_done
        if not self.faults.irreversible:
            self.mitigated_at = self.env.now
        self.finish("rolled_back")

    def _start_judging(self) -> None:
        self.env.process(self._judging())

    def _judging(self) -> ProcessGenerator:
        """The judges looking at fresh windows every `evaluate_every`, through the controller."""
        window = self.meter.window_s
        while not self.over:
            yield self.env.timeout(window)
            self.meter.flush(self.env.now)
            if self.over or not watching(self.state):
                continue
            self._judge()

    def _judge(self) -> None:
        """One judging round: the world's observations through controller.observe."""
        before, now = self.state, self.now()
        judged = observe(before, self.world.observe(before, now), now, self.config)
        if judged.state is before and not judged.actions and not judged.refusals:
            return  # every verdict as before: nothing to record or carry out
        if judged.actions:
            stage = self.where(before)
            self.decisions += verdict_decisions(before, judged, self.config, self.env.now, stage)
        self._carry_out(before, judged)
