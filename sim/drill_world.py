"""A drill's world: a rehearsal whose commander is a person, advanced on demand.

The bot advances it from the wall clock (simulated seconds = wall seconds x speed), applies
the commander's decisions and the trainer's injections at the simulated time they happen,
and saves each Step the core made. sim.drill builds it from data (replay) and scores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from simpy.core import StopSimulation

from rollout.config import TeamConfig
from rollout.controller import Folded
from rollout.decisions import Decision
from rollout.events import Action, AskConfirm
from rollout.machine import Refusal, refuse
from rollout.state import DeployState
from sim.injections import Injection
from sim.rehearsal import Rehearsal
from sim.report import fmt_seconds
from sim.results import RunResult
from sim.runner import summarize
from sim.scenario import BadSecretFault, CrashLoopFault, Scenario

__all__ = ["DrillPolicy", "DrillWorld", "Step", "drill_config", "question_of"]

DrillPolicy = Literal["advise", "team"]
VERDICT_RANK = {"fail": 0, "inconclusive": 1, "pass": 2}
QUESTION_STOP_S = 1e-6  # the run stops this long after a question: its instant is complete
NO_HINT = "No judge has looked at the new version yet: nothing to go on so far."


@dataclass(frozen=True)
class Step:
    """One transition the drill's core made: the state before and after, and its actions."""

    at_s: float
    before: DeployState
    after: DeployState
    actions: tuple[Action, ...]


def drill_config(config: TeamConfig, policy: DrillPolicy) -> TeamConfig:
    """The config a drill runs with: "advise" caps every judge at recommend.

    Trainers may act in a drill as the commander does, so they count as admins here.
    """
    judges = config.policy.judges
    if policy == "advise":
        judges = tuple(
            j.model_copy(update={"mode": "recommend"}) if j.mode == "act" else j for j in judges
        )
    admins = tuple(dict.fromkeys((*config.team.admins, *config.drills.trainers)))
    return config.model_copy(
        update={
            "policy": config.policy.model_copy(update={"judges": judges}),
            "team": config.team.model_copy(update={"admins": admins}),
        }
    )


class DrillWorld:
    """A rehearsal advanced on demand, in which a person's decisions drive the deploy.

    With `sim_commander` the scenario's SimCommander acts as in `commander sim run` (the
    scorecard's peers); otherwise asks wait for `decide`.
    """

    def __init__(
        self,
        scenario: Scenario,
        config: TeamConfig,
        seed: int,
        policy: DrillPolicy,
        deploy: DeployState | None = None,
        *,
        sim_commander: bool = False,
    ) -> None:
        self.scenario, self.seed, self.policy = scenario, seed, policy
        self.rehearsal = Rehearsal(
            scenario, drill_config(config, policy), seed, person=not sim_commander
        )
        r = self.rehearsal
        if deploy is not None and not sim_commander:
            r.state = r.state.evolve(
                id=deploy.id, service=deploy.service, commander=deploy.commander, drill=True
            )
        self.log: list[Step] = []  # every step so far
        self._pending: list[Step] = []  # steps not yet handed out by advance()
        self.decisions: list[Decision] = []  # as applied, stamped with their simulated time
        self.injections: list[Injection] = []
        # The bot's fair clock stops the run just after a question, to show it first.
        self.stop_at_questions = False
        r.on_step = self._record
        r.done.callbacks.append(StopSimulation.callback)  # env.run stops when the drill ends
        r.begin()

    # --- the drill's view ---------------------------------------------------------------

    @property
    def now_s(self) -> float:
        """Simulated seconds since the drill started."""
        return float(self.rehearsal.env.now)

    @property
    def state(self) -> DeployState:
        """The deploy as the core sees it now."""
        return self.rehearsal.state

    @property
    def over(self) -> bool:
        """True once the drill has an outcome (or reached the scenario's duration)."""
        return self.rehearsal.over

    @property
    def outcome(self) -> str | None:
        """rolled_back, promoted, aborted or held, once over."""
        return self.rehearsal.outcome

    # --- driving it ---------------------------------------------------------------------

    def advance(self, to_s: float) -> list[Step]:
        """Run the simulation up to `to_s` (or its end); the steps made since the last call.

        Events due exactly at `to_s` run on the next advance, after any decision made at
        `to_s`, so splitting the time differently never changes the run.
        """
        self._run_to(to_s, at_questions=self.stop_at_questions)
        steps, self._pending = self._pending, []
        return steps

    def _run_to(self, to_s: float, at_questions: bool = False) -> None:
        """Run SimPy up to `to_s` (or just past a question), keeping the steps for the next
        advance. A run stopped early by an earlier stop's leftover event goes on."""
        while not self.over and to_s > self.now_s:
            mark = len(self.log)
            self.rehearsal.env.run(until=to_s)
            if at_questions and any(question_of(s) for s in self.log[mark:]):
                return

    def decide(self, decision: Decision) -> Step | Refusal:
        """Apply a person's decision now (after advancing to its at_s if that is later).

        The decision is recorded at the simulated time it took effect (`decisions`).
        """
        self._run_to(decision.at_s)
        event = decision.event()
        if self.over:
            return refuse(self.state, event, "finished", "the drill is over")
        before, mark = self.state, len(self._pending)
        folded = self.rehearsal.apply((event,))
        assert folded is not None  # not over
        if folded.refusals:
            return folded.refusals[0]
        self.decisions.append(self._recorded(decision, before))
        if len(self._pending) > mark:
            return self._pending.pop(mark)  # later steps it caused come with the next advance
        return Step(self.now_s, before, folded.state, folded.actions)

    def _recorded(self, decision: Decision, before: DeployState) -> Decision:
        """The decision as it took effect: at its simulated time, a confirm with its stage
        (a typed confirm names none; the core took it for the stage it was in)."""
        update: dict[str, object] = {"at_s": self._stamp()}
        if decision.kind == "confirm" and decision.stage is None:
            update["stage"] = before.stage_index
        return decision.model_copy(update=update)

    def inject(self, injection: Injection) -> None:
        """Inject a fault now (after advancing to its at_s if that is later).

        It acts from now on the new version's traffic (once the new version runs); a host
        fault (bad_secret, crash_loop) hits the new hosts that start from now on.
        """
        self._run_to(injection.at_s)
        if self.over:
            return
        r, fault = self.rehearsal, injection.fault
        r.faults.inject(fault, self.now_s)
        if isinstance(fault, BadSecretFault):
            r.fleet.bad_secret = True
        if isinstance(fault, CrashLoopFault):
            r.fleet.crash_loop = fault
        self.injections.append(Injection(self._stamp(), fault))

    def _stamp(self) -> float:
        """Now, to the microsecond: SimPy reaches a time as now + (t - now), which can land a
        float's width off t, and a replay of the stored time must record the same time."""
        return round(self.now_s, 6)

    # --- what it shows ------------------------------------------------------------------

    def hint(self) -> str:
        """The strongest evidence the judges have so far, as plain text."""
        latest = {d.judge: d for d in self.rehearsal.decisions}
        if not latest:
            return NO_HINT
        best = min(latest.values(), key=lambda d: (VERDICT_RANK.get(d.verdict, 3), -d.t_s))
        verb = {"fail": "fails", "pass": "passes"}.get(best.verdict, f"is {best.verdict}")
        return (
            f"Judge {best.judge} {verb} in stage {best.stage} "
            f"(at {fmt_seconds(best.t_s)} into the drill): {best.evidence}"
        )

    def result(self, keep_series: bool = True) -> RunResult:
        """The run's figures so far, or at its end."""
        return summarize(self.rehearsal, self.seed, keep_series)

    def chart(self, path: Path) -> None:
        """Write the run's chart (sim/charts.py) to `path`."""
        from sim.charts import run_figure, save

        save(run_figure(self.result()), path)

    def _record(self, before: DeployState, folded: Folded) -> None:
        if folded.state is before and not folded.actions:
            return
        step = Step(self.now_s, before, folded.state, folded.actions)
        self.log.append(step)
        self._pending.append(step)
        if self.stop_at_questions and question_of(step) is not None:
            # Stop once this instant is done: a stop event orders after every event already
            # due now, and shifts no other event, so the run is the same as without it.
            stop = self.rehearsal.env.timeout(QUESTION_STOP_S)
            stop.callbacks.append(StopSimulation.callback)


def question_of(step: Step) -> str | None:
    """What a step asks the commander ("confirm" at a gate, "hold" from a judge), if anything."""
    for action in step.actions:
        if isinstance(action, AskConfirm):
            return "hold" if step.after.status == "held" else "confirm"
    return None
