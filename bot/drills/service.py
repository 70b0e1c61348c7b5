"""`/deploy drill …` and the core's check of clicks in a drill thread, recorded as inputs.

The service never advances a drill: it records what trainers and trainees ask for (start,
inputs, pause) in the store, and the worker's DrillRunner applies it at the drill's time.
Which drill inject/pause/resume/hint/end act on: the caller's most recent live drill as trainer.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.drills import clock as fair_clock
from bot.drills.blocks import scorecard_text
from bot.grammar.drill import DrillCommand, DrillControl, DrillHistory, DrillInject, DrillStart
from rollout import events as ev
from rollout.config import TeamConfig
from rollout.decisions import decision_for
from rollout.errors import CommanderError, ConfigError, NotFound
from rollout.machine import Refusal, decide
from rollout.ports import Clock
from rollout.state import DeployState
from store.drills import DrillRecord

if TYPE_CHECKING:
    from sim.drill import DrillPolicy
    from sim.scenario import Scenario

Members = Callable[[str], tuple[str, ...]]  # a user group's members
SEED_LIMIT = 2**31


class DrillRefused(CommanderError):
    """Only trainers run drills; the message says so."""


class DrillService:
    """Starts drills, queues injections and decisions, pauses, resumes, ends and lists them."""

    def __init__(
        self, config: TeamConfig, repo: Any, scenarios: Path, members: Members, clock: Clock
    ) -> None:
        self.config = config
        self.repo = repo
        self.scenarios = scenarios
        self.members = members
        self.clock = clock
        self._configs: dict[str, TeamConfig] = {}  # per drill: it never changes
        self._fitted: dict[str, Scenario] = {}  # scenarios fitted to real deploys

    # --- who may --------------------------------------------------------------------------

    def is_trainer(self, user: str) -> bool:
        """In [drills].trainers, or a member of a user group listed there."""
        for entry in self.config.drills.trainers:
            if entry == user or (entry.startswith("S") and user in self.members(entry)):
                return True
        return False

    def _trainer(self, user: str, verb: str) -> None:
        if not self.is_trainer(user):
            raise DrillRefused(f"Only trainers {verb} drills ([drills].trainers).")

    def require_trainer(self, user: str, verb: str) -> None:
        """Refuse anyone who is not a trainer (today's drill permission check)."""
        self._trainer(user, verb)

    # --- commands -------------------------------------------------------------------------

    def run(self, cmd: DrillCommand, user: str) -> str:
        """The reply to one `/deploy drill …` command."""
        if isinstance(cmd, DrillStart):
            return self.start(cmd, user)
        if isinstance(cmd, DrillInject):
            return self.inject(cmd, user)
        if isinstance(cmd, DrillControl):
            return self.control(cmd.verb, user)
        if isinstance(cmd, DrillHistory):
            return self.history(cmd)
        raise CommanderError("Drill reports and schedules are not set up in this bot.")

    def scenario(self, name: str) -> Scenario:
        """A scenario of the drills folder by name; an unknown one lists the known. A drill of
        a real deploy (deploy-<id>) is fitted from the store's looks, the same every time."""
        from bot.drills.from_deploy import PREFIX, fitted_scenario
        from sim.library import checked_scenario

        path = self.scenarios / f"{name}.toml"
        if name.startswith(PREFIX) and not path.is_file():
            if name not in self._fitted:
                deploy_id = name.removeprefix(PREFIX)
                self._fitted[name] = fitted_scenario(self.repo, deploy_id, self.config)
            return self._fitted[name]
        if "/" in name or not path.is_file():
            known = ", ".join(sorted(p.stem for p in self.scenarios.glob("*.toml"))) or "none"
            raise NotFound(f'No scenario "{name}" in {self.scenarios}/. Available: {known}')
        return checked_scenario(path, self.config)

    def start(self, cmd: DrillStart, user: str) -> str:
        """Record a drill and its deploy row; the worker runs it from its first pass."""
        record = self.begin(cmd, user)
        return (
            f"DRILL {record.id} started: {record.scenario}, seed {record.seed},"
            f" speed x{record.speed:g}, policy {record.policy}, commander @{record.commander},"
            f" in {self.config.drills.channel}."
        )

    def begin(self, cmd: DrillStart, user: str) -> DrillRecord:
        """The drill started: its record, stored with its deploy row."""
        self._trainer(user, "start")
        name = cmd.scenario if cmd.from_deploy is None else f"deploy-{cmd.from_deploy}"
        scenario = self.scenario(name)
        now = self.clock.now()
        seed = cmd.seed if cmd.seed is not None else secrets.randbelow(SEED_LIMIT)
        drill_id = f"drill-{uuid.uuid4().hex[:8]}"
        commander = cmd.commander or user
        deploy = DeployState(
            id=drill_id,
            service=scenario.name,
            version=scenario.release.version,
            previous_version=scenario.release.previous_version,
            commander=commander,
            drill=True,
            meta=(("started_by", user), ("drill", drill_id)),
        )
        record = DrillRecord(
            id=drill_id, deploy_id=deploy.id, scenario=scenario.name, seed=seed,
            speed=cmd.speed or self.config.drills.speed, policy=cmd.policy, trainer=user,
            commander=commander, status="running", started_at=now,
            reaction_scale=cmd.reaction_scale, clock_at=now,
        )  # fmt: skip
        self.repo.add_drill(record, deploy, self.config.drills.channel)
        return record

    def inject(self, cmd: DrillInject, user: str) -> str:
        """Validate the fault now (a bad key gets its name back) and queue it."""
        from sim.drill import parse_injection

        drill = self.trainers_drill(user, "inject into")
        at_s = drill.now_s(self.clock.now())
        try:
            injection = parse_injection(cmd.kind, dict(cmd.settings), at_s)
        except ConfigError as exc:
            raise CommanderError(f"Not injected: {exc}") from None
        self.repo.add_drill_input(drill.id, "injection", injection.to_json(), self.clock.now())
        return f"DRILL {drill.id}: {cmd.kind} injected at {_clock(at_s)} drill time."

    def control(self, verb: str, user: str) -> str:
        """pause, resume, hint or end the caller's drill."""
        drill = self.trainers_drill(user, verb)
        now = self.clock.now()
        if verb == "pause":
            if drill.status == "paused":
                return f"DRILL {drill.id} is already paused."
            self.repo.set_drill(drill.id, status="paused", paused_at=now)
            return f"DRILL {drill.id} paused at {_clock(drill.now_s(now))} drill time."
        if verb == "resume":
            if drill.paused_at is None:
                return f"DRILL {drill.id} is not paused."
            self._resume(drill, now)
            return f"DRILL {drill.id} resumed."
        kind = "hint" if verb == "hint" else "end"
        self.repo.add_drill_input(drill.id, kind, {"by": user}, now)
        if drill.status == "paused":  # an end or hint must reach the worker
            self._resume(drill, now)
        what = "The hint is posted in the thread." if kind == "hint" else "Its scorecard follows."
        return f"DRILL {drill.id}: {verb} requested. {what}"

    def _resume(self, drill: DrillRecord, now: datetime) -> None:
        """Run again from where the pause froze the clock."""
        total = drill.paused_total_s + (now - (drill.paused_at or now)).total_seconds()
        self.repo.set_drill(
            drill.id, status="running", paused_at=None, paused_total_s=total,
            clock_s=drill.now_s(now), clock_at=now,
        )  # fmt: skip

    def history(self, cmd: DrillHistory) -> str:
        """Recent ended drills with their scores."""
        drills = self.repo.drill_history(cmd.user, 10)
        if not drills:
            whose = f" for @{cmd.user}" if cmd.user else ""
            return f"No drills yet{whose}."
        lines = [
            f"• {d.id} {d.scenario} (seed {d.seed}) @{d.commander}: "
            + (scorecard_text(d.scorecard) if d.scorecard else d.end_reason or "ended")
            for d in drills
        ]
        return "Recent drills:\n" + "\n".join(lines)

    def in_progress(self) -> list[DrillRecord]:
        """Running and paused drills, oldest first (the App Home's Drills section)."""
        found: list[DrillRecord] = self.repo.drills_in_progress()
        return found

    def recent(self, limit: int) -> list[DrillRecord]:
        """Ended drills with their scores, newest first."""
        found: list[DrillRecord] = self.repo.drill_history(None, limit)
        return found

    def trainers_drill(self, user: str, verb: str) -> DrillRecord:
        """The caller's most recent live drill as trainer."""
        self._trainer(user, verb)
        drill: DrillRecord | None = self.repo.latest_drill_of_trainer(user)
        if drill is None:
            raise NotFound("You have no drill running: `/deploy drill start <scenario>` first.")
        return drill

    # --- clicks and typed replies in a drill thread ----------------------------------------

    def drill_config(self, drill: DrillRecord) -> TeamConfig:
        """The config a drill's core runs with: advise caps, trainers as admins, its plan."""
        from sim.drill import drill_config
        from sim.rehearsal import scenario_config

        if drill.id not in self._configs:
            policy: DrillPolicy = "team" if drill.policy == "team" else "advise"
            capped = drill_config(self.config, policy)
            self._configs[drill.id] = scenario_config(self.scenario(drill.scenario), capped)[0]
        return self._configs[drill.id]

    def act(self, deploy: DeployState, event: ev.Event) -> str | None:
        """Check a person's event with the core at drill time and queue it; a refusal's text."""
        from sim.world import EPOCH

        drill = self.repo.drill_of_deploy(deploy.id)
        if drill is None:
            raise NotFound(f"no drill for {deploy.id}")
        if drill.status == "ended":
            return ":no_entry: This drill is over."
        if fair_clock.waiting(drill):  # Slack may show the question before the worker sees it
            drill = fair_clock.as_shown(drill, self.repo.question_sent_at(drill.deploy_id))
        at_s = max(drill.now_s(self.clock.now()), drill.applied_s)
        config = self.drill_config(drill)
        state = self.repo.get(deploy.id)
        outcome = decide(state, event, EPOCH + timedelta(seconds=at_s), config)
        if isinstance(outcome, Refusal):
            return f":no_entry: {outcome.reason}"
        decision = decision_for(event, at_s)
        if decision is None:
            return None
        self.repo.add_drill_input(drill.id, "decision", decision.model_dump(), self.clock.now())
        return None


def _clock(at_s: float) -> str:
    from sim.report import fmt_seconds

    return fmt_seconds(at_s)
