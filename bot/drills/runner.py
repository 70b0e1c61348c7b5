"""The worker's drill pass: advance every running drill to its wall-clock time.

Each drill's DrillWorld lives in memory; after a restart (even kill -9) it is rebuilt with
`sim.drill.replay(..., until_s=applied_s)` and the steps that rebuild made are discarded, since
the store already holds them. Each new Step is worded by OutboxPeople through carry_out (a world
and timers that do nothing: the drill's world is the sim) and saved with the drill's progress in
one transaction. Nothing here touches a real deployer or real metrics.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.drills import clock
from bot.drills.blocks import labelled, scorecard_message, upload
from bot.drills.service import DrillService
from bot.people import Deferred, OutboxPeople, StoredTimers
from rollout.acting import carry_out
from rollout.config import TeamConfig
from rollout.decisions import Decision
from rollout.errors import CommanderError
from rollout.ports import Conflict
from rollout.records import Message
from rollout.state import DeployState
from store.drills import DrillRecord

if TYPE_CHECKING:
    from sim.drill import DrillWorld, Step

log = logging.getLogger("commander.drills")


class DrillRunner:
    """Advances running drills, applies their inputs at drill time, and ends them."""

    def __init__(self, service: DrillService) -> None:
        self.service = service
        self.repo = service.repo
        self.worlds: dict[str, DrillWorld] = {}
        self._read: DrillRecord | None = None  # the drill being advanced, as stored

    def run_once(self, now: datetime) -> None:
        """One pass over every running drill; one bad drill never stops the others."""
        for drill in self.repo.running_drills():
            try:
                self.advance(drill, now)
            except Conflict as exc:  # another replica saved first: rebuild from the store
                self.worlds.pop(drill.id, None)
                log.info("drill %s: %s; rebuilding from the store", drill.id, exc)
            except CommanderError as exc:
                self.worlds.pop(drill.id, None)
                log.warning("drill %s: %s", drill.id, exc)

    def advance(self, drill: DrillRecord, now: datetime) -> None:
        """Apply the drill's pending inputs at their times, then run it up to now."""
        world = self.worlds.get(drill.id) or self._rebuild(drill)
        world.stop_at_questions = True
        self._read = drill  # as stored: what the fair clock's changes are measured against
        drill = self._shown(drill)
        taken = drill.inputs_taken
        for item in self.repo.drill_inputs(drill.id, after=taken):
            taken = item.id
            at_s = float(item.payload.get("at_s", world.now_s))
            drill = self._save_steps(drill, world, world.advance(at_s), taken, now)
            drill = self._shown(drill)  # an answer may come before this pass saw the post
            decided = len(world.decisions)
            extra = self._apply(drill, world, item.kind, item.payload)
            if len(world.decisions) > decided:  # taken: it answers the open question
                answer = world.decisions[-1]
                drill = clock.answered(drill, answer.kind, answer.at_s, item.created_at or now)
            drill = self._save_steps(drill, world, extra, taken, now, force=True)
            if item.kind == "end" and not world.over:
                self._finish(drill, world, taken, now, "ended by the trainer")
                return
        steps = world.advance(drill.now_s(now))
        drill = self._save_steps(drill, world, steps, taken, now, force=True)
        if world.over:
            self._finish(drill, world, taken, now, world.outcome or "over")

    def _shown(self, drill: DrillRecord) -> DrillRecord:
        """The drill, its open question shown from when Slack took its post (if it has)."""
        if not clock.waiting(drill):
            return drill
        return clock.as_shown(drill, self.repo.question_sent_at(drill.deploy_id))

    def config_for(self, state: DeployState) -> TeamConfig:
        """The config a drill's card renders with: its world's (the scenario's plan)."""
        if not state.drill:
            return self.service.config
        world = self.worlds.get(state.id)
        if world is not None:
            return world.rehearsal.config
        drill = self.repo.drill_of_deploy(state.id)  # ended, or not rebuilt yet
        return self.service.config if drill is None else self.service.drill_config(drill)

    def _rebuild(self, drill: DrillRecord) -> DrillWorld:
        """A fresh world for a new drill; after a restart, the replay up to applied_s."""
        from sim.drill import DrillWorld, Injection, replay

        scenario = self.service.scenario(drill.scenario)
        deploy = self.repo.get(drill.deploy_id)
        if deploy.status == "created":  # no step saved yet: its start step must be saved
            fresh = DrillWorld(scenario, self.service.config, drill.seed, _policy(drill), deploy)
            self.worlds[drill.id] = fresh
            return fresh
        decisions = [Decision.model_validate(d) for d in drill.decisions]
        injections = [
            Injection.from_json(d, f"{drill.id} injection {n}")
            for n, d in enumerate(drill.injections)
        ]
        world = replay(
            scenario, self.service.config, drill.seed, _policy(drill), decisions, injections,
            until_s=drill.applied_s, deploy=deploy,
        )  # fmt: skip
        self.worlds[drill.id] = world
        return world

    def _apply(
        self, drill: DrillRecord, world: DrillWorld, kind: str, payload: dict[str, Any]
    ) -> list[Step]:
        from sim.drill import Injection, Step

        if kind == "decision":
            outcome = world.decide(Decision.model_validate(payload))
            return [outcome] if isinstance(outcome, Step) else []
        if kind == "injection":
            world.inject(Injection.from_json(payload, f"{drill.id} injection"))
        if kind == "hint":
            self._post(drill, [Message("post", f"DRILL hint: {world.hint()}", in_thread=True)])
        return []

    def _save_steps(
        self,
        drill: DrillRecord,
        world: DrillWorld,
        steps: list[Step],
        taken: int,
        now: datetime,
        force: bool = False,
    ) -> DrillRecord:
        """Save each step's state and messages with the drill's progress, one transaction each;
        a step that asks the trainee something stops the fair clock there."""
        from sim.drill_world import question_of

        deploy_id = drill.deploy_id
        for step in steps:
            people = OutboxPeople(
                world.rehearsal.config,
                step.before,
                lambda ref: self.repo.message_named(deploy_id, ref),
            )
            carry_out(step.after, step.actions, Deferred(), people, StoredTimers())
            messages = labelled(people.messages(step.after), self.service.config.drills.channel)
            if step.after.status == "held" and step.before.status != "held":
                messages.append(self._chart(world, drill, "the drill holds"))
            question = question_of(step)
            if question is not None and not world.over:
                drill = clock.asked(drill, question, world.now_s, now)
            _, version = self.repo.load(drill.deploy_id)
            saved = (step.after, version, people.audits, messages)
            self.repo.save_drill_step(drill.id, self._progress(world, taken, drill), saved, now)
        if force or not steps:
            self.repo.save_drill_step(drill.id, self._progress(world, taken, drill), None, now)
        return drill

    def _progress(self, world: DrillWorld, taken: int, drill: DrillRecord) -> dict[str, Any]:
        return {
            "applied_s": world.now_s,
            "inputs_taken": taken,
            "decisions": [d.model_dump() for d in world.decisions],
            "injections": [i.to_json() for i in world.injections],
            **(clock.changes(self._read, drill) if self._read else {}),
        }

    def _finish(
        self, drill: DrillRecord, world: DrillWorld, taken: int, now: datetime, reason: str
    ) -> None:
        """Score the drill, post the scorecard and the chart, and mark it ended."""
        from sim.drill import scorecard

        card = scorecard(
            self.service.scenario(drill.scenario), self.service.config, drill.seed,
            _policy(drill), world.decisions, world.injections,
        )  # fmt: skip
        messages = [
            scorecard_message(card, drill.commander, drill.id, drill.reactions),
            self._chart(world, drill, "the run"),
        ]
        ended = {"status": "ended", "scorecard": card.to_json(), "ended_at": now,
                 "end_reason": reason}  # fmt: skip
        self._post(drill, messages, {**self._progress(world, taken, drill), **ended})
        self.worlds.pop(drill.id, None)

    def _chart(self, world: DrillWorld, drill: DrillRecord, what: str) -> Message:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{drill.id}.png"
            world.chart(path)
            png = path.read_bytes()
        return upload(png, f"{drill.id}-{round(world.now_s)}s.png", f"{drill.id}: {what}")

    def _post(
        self, drill: DrillRecord, messages: list[Message], progress: dict[str, Any] | None = None
    ) -> None:
        """Queue posts in the drill's thread (with its progress, when given) in one transaction."""
        state, version = self.repo.load(drill.deploy_id)
        now = self.service.clock.now()
        self.repo.save_drill_step(drill.id, progress or {}, (state, version, [], messages), now)


def _policy(drill: DrillRecord) -> Any:
    return "team" if drill.policy == "team" else "advise"
