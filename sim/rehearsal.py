"""One rehearsed deploy: the same core as the bot, applied to a simulated fleet in SimPy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from rollout import events as ev
from rollout import wording
from rollout.config import ChecklistStage, DeployStage, Plan, TeamConfig, TrafficStage
from rollout.controller import fold, verdicts, watching
from rollout.errors import ConfigError
from rollout.machine import gating_judges, unsettled_judges
from rollout.state import DeployState
from sim.commander import SimCommander
from sim.faults import FaultModel
from sim.fleet import Hooks, SimFleet
from sim.meter import Meter
from sim.results import Decision
from sim.scenario import BadSecretFault, CrashLoopFault, Scenario
from sim.traffic import TrafficSampler

# Simulated time 0 is a Tuesday, 10:00 in Los Angeles: inside the example deploy hours.
EPOCH = datetime(2026, 1, 6, 18, 0, tzinfo=UTC)
INLINE_PLAN = "scenario"


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


class Rehearsal:
    """Drives a DeployState through rollout.machine, applying its actions to the sim."""

    def __init__(self, scenario: Scenario, config: TeamConfig, seed: int) -> None:
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
        self.state = DeployState(
            id=f"sim-{scenario.name}-{seed}", service="sim", version=scenario.release.version,
            previous_version=scenario.release.previous_version, commander=self.commander.user,
            plan_name=plan_name,
        )  # fmt: skip
        self.stages: list[tuple[float, str]] = []
        self.decisions: list[Decision] = []
        self.refusals = 0
        self.detected_at: float | None = None
        self.mitigated_at: float | None = None
        self.exposed_at_detection = False
        self.held_by_policy = False
        self.outcome: str | None = None
        self.done = self.env.event()

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
        return failing or self.held_by_policy

    def users_exposed(self) -> bool:
        """True when the deploy routes users to the new version and some have reached it."""
        return self.state.exposure.any and self.meter.peak_user_pct > 0

    def end_held(self) -> None:
        """The commander keeps the deploy held to investigate: the rehearsal ends here."""
        if not self.exposed_at_detection and self.detected_at is not None:
            self.mitigated_at = self.detected_at
        self.finish("held")

    # --- running ------------------------------------------------------------------------

    def play(self) -> None:
        """Run the deploy from Start until it has an outcome or the time limit passes."""
        self.meter.warm_up(self.scenario.fleet, self.scenario.fleet.history.total_seconds())
        self.env.process(self._time_limit())
        self.send(ev.Start(self.commander.user))
        self.env.run(until=self.done)

    def now(self) -> datetime:
        """The core's `now`: the epoch plus simulated seconds."""
        return EPOCH + timedelta(seconds=self.env.now)

    def send(self, *events: ev.Event) -> None:
        """Fold events through the core and apply the resulting actions."""
        if self.over:
            return
        before = self.state
        folded = fold(self.state, events, self.now(), self.config)
        self.state = folded.state
        self.refusals += len(folded.refusals)
        if self.state.stage_index != before.stage_index or not self.stages:
            self.stages.append((self.env.now, wording.stage_name(self.state, self.config)))
        for action in folded.actions:
            self._apply(action)
        if self.state.phase == "checklist" and before.phase != "checklist":
            stage = self._stage()
            assert isinstance(stage, ChecklistStage)
            self.commander.work_checklist(self, self.state.stage_index, len(stage.items))

    def finish(self, outcome: str) -> None:
        """Record the outcome and stop the simulation."""
        if self.over:
            return
        self.meter.flush(self.env.now)
        self.outcome = outcome
        self.done.succeed()

    def _stage(self) -> ChecklistStage | DeployStage | TrafficStage:
        return self.config.plan_named(self.state.plan_name).stages[self.state.stage_index]

    def _apply(self, action: ev.Action) -> None:
        if isinstance(action, ev.SetTraffic):
            self._set_traffic(action)
        elif isinstance(action, ev.RunSmoke):
            self.env.process(self._staging())
        elif isinstance(action, ev.StartBake):
            self.env.process(self._baking(action.until))
        elif isinstance(action, ev.StartStabilization):
            self.finish("promoted")
        elif isinstance(action, ev.AskConfirm):
            self._asked(action)
        elif isinstance(action, ev.RollBack):
            self.fleet.roll_back()
            self.env.process(self._rolling_back())
        elif isinstance(action, ev.Audit):
            self._audited(action)

    def _set_traffic(self, action: ev.SetTraffic) -> None:
        if not self.meter.started:
            self.meter.start(self.env.now)
            self.env.process(self._judging())
        self.fleet.set_traffic(action.internal, action.external, action.mirror)

    def _asked(self, action: ev.AskConfirm) -> None:
        stage = self._stage()
        settled = not isinstance(stage, TrafficStage) or self.judges_pass()
        if self.state.status == "running" and settled:
            self.commander.confirm(self, action.stage)
            return
        self._detect()
        self.commander.investigate(self, action.stage)

    def _audited(self, audit: ev.Audit) -> None:
        if audit.actor == ev.POLICY and audit.to_status in ("held", "rolled_back"):
            self.held_by_policy = audit.to_status == "held"
            self._detect()
        if audit.to_status == "completed":
            self.finish("promoted")
        elif audit.to_status == "aborted":
            self.finish("aborted")

    def _detect(self) -> None:
        if self.detected_at is None:
            self.detected_at = self.env.now
            self.exposed_at_detection = self.meter.peak_user_pct > 0

    def _before_change(self) -> None:
        self.meter.flush(self.env.now)

    def _lost(self, version: int, requests: int) -> None:
        self.meter.record_loss(version, requests)

    # --- processes ----------------------------------------------------------------------

    def _time_limit(self) -> ProcessGenerator:
        """The scenario's simulated time limit."""
        yield self.env.timeout(self.scenario.duration.total_seconds())
        status = self.state.status
        outcome = {"stabilizing": "promoted", "completed": "promoted"}.get(status, status)
        self.finish(outcome if outcome in ("rolled_back", "promoted", "aborted") else "held")

    def _staging(self) -> ProcessGenerator:
        """The staging deploy and its smoke test, which pass after a fixed time."""
        yield self.env.timeout(self.scenario.release.smoke_seconds.total_seconds())
        self.send(ev.SmokePassed("in the simulated staging"))

    def _baking(self, until: datetime) -> ProcessGenerator:
        """A traffic stage's bake timer."""
        yield self.env.timeout(max((until - self.now()).total_seconds(), 0.0))
        yield self.env.timeout(0)  # judges due at this instant see the last window first
        self.send(ev.BakeElapsed())

    def _rolling_back(self) -> ProcessGenerator:
        """The fleet returning to the old version with the deploy mechanics' timing."""
        yield self.fleet.rollback_done
        if not self.faults.irreversible:
            self.mitigated_at = self.env.now
        self.finish("rolled_back")

    def _judging(self) -> ProcessGenerator:
        """The judges looking at fresh windows every `evaluate_every`."""
        window = self.meter.window_s
        last: dict[str, str] = {}
        while not self.over:
            yield self.env.timeout(window)
            self.meter.flush(self.env.now)
            if self.over or not watching(self.state):
                continue
            obs = self.meter.observations(self.fleet.health())
            judged = verdicts(self.config.policy, obs)
            stage = wording.stage_name(self.state, self.config)
            for verdict in judged:
                if last.get(verdict.judge) != verdict.outcome:
                    last[verdict.judge] = verdict.outcome
                    self.decisions.append(
                        Decision(self.env.now, stage, verdict.judge, verdict.outcome,
                                 verdict.summary)
                    )  # fmt: skip
            self.send(*judged)
