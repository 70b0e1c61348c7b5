"""The rehearsal's deploy commander: ticks checklists, confirms gates, answers holds and
watches the stabilization period."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Protocol

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from rollout.events import (
    ChecklistItemDone,
    Confirm,
    Event,
    MarkFaulty,
    MarkHealthy,
    Resume,
    Rollback,
)
from rollout.state import DeployState
from sim.scenario import CommanderModel

Z95 = 1.6448536269514722  # the standard normal's 95th percentile


class Deploy(Protocol):
    """What the commander can see of and do to the rehearsed deploy."""

    @property
    def state(self) -> DeployState: ...

    @property
    def over(self) -> bool: ...

    def send(self, *events: Event) -> None: ...

    def judges_pass(self) -> bool: ...

    def judge_failed(self) -> bool: ...

    def users_exposed(self) -> bool: ...

    def end_held(self) -> None: ...


class SimCommander:
    """A person who reacts after a lognormal delay (see CommanderModel for on_hold)."""

    def __init__(
        self, env: simpy.Environment, model: CommanderModel, rng: np.random.Generator
    ) -> None:
        self.env, self.model, self.rng = env, model, rng
        median = model.reaction_median.total_seconds()
        self._mu = math.log(max(median, 1e-3))
        spread = model.reaction_p95.total_seconds() / max(median, 1e-3)
        self._sigma = math.log(spread) / Z95 if spread > 1 else 0.0

    @property
    def user(self) -> str:
        """The commander's Slack user id."""
        return self.model.user

    def reaction(self) -> float:
        """Seconds until the commander acts on something."""
        return (
            float(self.rng.lognormal(self._mu, self._sigma)) if self._sigma else math.exp(self._mu)
        )

    def work_checklist(self, deploy: Deploy, stage: int, items: int) -> None:
        """Tick the stage's checklist items one after another."""
        self.env.process(self._ticking(deploy, stage, items))

    def confirm(self, deploy: Deploy, stage: int) -> None:
        """Approve the gate of a stage whose judges all passed."""
        self.env.process(self._confirming(deploy, stage))

    def investigate(self, deploy: Deploy, stage: int) -> None:
        """Pick up a hold, or a gate whose judges did not all pass."""
        self.env.process(self._investigating(deploy, stage))

    def watch_stabilization(self, deploy: Deploy) -> None:
        """Mark the release healthy early, if the model says to and the judges agree."""
        if self.model.mark_healthy_after is not None:
            self.env.process(self._marking_healthy(deploy, self.model.mark_healthy_after))

    def _ticking(self, deploy: Deploy, stage: int, items: int) -> ProcessGenerator:
        """Working through a release checklist, one item at a time."""
        for item in range(items):
            yield self.env.timeout(self.reaction())
            if deploy.over or deploy.state.stage_index != stage:
                return
            deploy.send(ChecklistItemDone(self.user, item))

    def _confirming(self, deploy: Deploy, stage: int) -> ProcessGenerator:
        """Noticing the question in Slack and pressing Confirm."""
        yield self.env.timeout(self.reaction())
        if not deploy.over:
            deploy.send(Confirm(self.user, stage))

    def _investigating(self, deploy: Deploy, stage: int) -> ProcessGenerator:
        """Reading the judges' evidence, then acting on it as `on_hold` says."""
        yield self.env.timeout(self.reaction())
        state = deploy.state
        if deploy.over or state.finished or state.stage_index != stage:
            return  # someone (the policy) already settled it
        if state.status == "running" and state.phase == "awaiting_confirm" and deploy.judges_pass():
            deploy.send(Confirm(self.user, stage))  # looked again: the judges have settled
            return
        if state.status == "stabilizing":
            self._judge_stabilizing(deploy)
            return
        choice = self.model.on_hold
        if choice == "investigate":
            at_risk = deploy.judge_failed() and deploy.users_exposed()
            choice = "rollback" if at_risk else "hold"
        if choice == "rollback":
            deploy.send(Rollback(self.user, reason="the commander followed the judges"))
        elif choice == "hold":
            deploy.end_held()
        elif state.status == "held":
            deploy.send(Resume(self.user))
        else:
            deploy.send(Confirm(self.user, stage))

    def _judge_stabilizing(self, deploy: Deploy) -> None:
        """A judge recommends rolling back a release at 100%: mark it faulty, or keep watching."""
        choice = self.model.on_hold
        at_risk = deploy.judge_failed() and deploy.users_exposed()
        if choice == "rollback" or (choice == "investigate" and at_risk):
            deploy.send(MarkFaulty(self.user, reason="the commander followed the judges"))

    def _marking_healthy(self, deploy: Deploy, after: timedelta) -> ProcessGenerator:
        """Looking at the release `after` into the period, then pressing Healthy."""
        yield self.env.timeout(after.total_seconds() + self.reaction())
        if not deploy.over and deploy.state.status == "stabilizing" and deploy.judges_pass():
            deploy.send(MarkHealthy(self.user))
