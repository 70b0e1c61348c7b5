"""The rehearsal's people: rollout.ports.People played by the simulated commander.

Questions go to the SimCommander; the audit trail tells when the policy caught something
(detection bookkeeping for the results); the card is what the commander reads between
questions: a checklist to work through, a release at 100% to watch.
"""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from rollout.config import ChecklistStage, TeamConfig, TrafficStage
from rollout.events import POLICY, AskConfirm, Audit, Notify
from rollout.state import DeployState
from sim.commander import Deploy, SimCommander
from sim.meter import Meter


@dataclass
class Detection:
    """When the policy (or a question it raised) first flagged the release."""

    detected_at: float | None = None
    exposed_at_detection: bool = False
    held_by_policy: bool = False


class SimPeople:
    """The commander answers questions and reads the card; the thread needs no reader."""

    def __init__(
        self,
        env: simpy.Environment,
        commander: SimCommander,
        deploy: Deploy,
        meter: Meter,
        config: TeamConfig,
        *,
        acts: bool = True,
    ) -> None:
        """`acts` False: a person commands (a drill); only the bookkeeping remains."""
        self.env, self.commander, self.deploy, self.acts = env, commander, deploy, acts
        self.meter, self.config = meter, config
        self.detection = Detection()
        self.trail: list[Audit] = []  # the audit trail, as the bot's store would keep it
        self._card: DeployState | None = None

    def ask(self, deploy: DeployState, question: AskConfirm) -> None:
        """Confirm a settled gate; anything else is a hold or a warning to investigate."""
        stage = self.config.plan_named(deploy.plan_name).stages[question.stage]
        settled = not isinstance(stage, TrafficStage) or self.deploy.judges_pass()
        if deploy.status == "running" and settled:
            if self.acts:
                self.commander.confirm(self.deploy, question.stage)
            return
        self.detect()
        if self.acts:
            self.commander.investigate(self.deploy, question.stage)

    def notify(self, deploy: DeployState, note: Notify) -> None:
        """A post in the thread: the commander acts on questions and the card, not on posts."""

    def record(self, deploy: DeployState, audit: Audit) -> None:
        """The audit trail: the policy holding or rolling back is a detection."""
        self.trail.append(audit)
        if audit.actor == POLICY and audit.to_status in ("held", "rolled_back"):
            self.detection.held_by_policy = audit.to_status == "held"
            self.detect()

    def update_card(self, deploy: DeployState) -> None:
        """The commander reads the card: works a new checklist, watches a new stabilization."""
        seen, self._card = self._card, deploy
        if not self.acts:
            return
        if deploy.phase == "checklist" and (
            seen is None or seen.phase != "checklist" or seen.stage_index != deploy.stage_index
        ):
            stage = self.config.plan_named(deploy.plan_name).stages[deploy.stage_index]
            assert isinstance(stage, ChecklistStage)
            self.commander.work_checklist(self.deploy, deploy.stage_index, len(stage.items))
        if deploy.status == "stabilizing" and (seen is None or seen.status != "stabilizing"):
            self.commander.watch_stabilization(self.deploy)

    def detect(self) -> None:
        """Note the first detection, and whether users had reached the new version by then."""
        if self.detection.detected_at is None:
            self.detection.detected_at = self.env.now
            self.detection.exposed_at_detection = self.meter.peak_user_pct > 0
