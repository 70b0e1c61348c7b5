"""The one path every deploy transition takes: load, decide, carry out, compare-and-set.

Carrying out a transition here only words it: `carry_out` hands its asks, notes and audits to
the outbox people, and the messages are saved in the same transaction as the state. Nothing
touches Slack or production before the save: the worker sends the outbox and reconciles the
world afterwards, so a transition that lost the compare-and-set leaves no trace.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.grammar.commands import Start as StartCommand
from bot.people import Deferred, OutboxPeople, StoredTimers
from rollout import controller
from rollout import events as ev
from rollout.acting import carry_out
from rollout.config import TeamConfig
from rollout.controller import Folded
from rollout.errors import CommanderError
from rollout.looks import look_figures
from rollout.machine import Refusal, Transition, decide
from rollout.observations import Observations
from rollout.ports import Clock, Conflict, Metrics, Repository
from rollout.rotation import NoCommander, Shift, commander_at
from rollout.state import DeployState
from rollout.windows import WindowCheck, can_deploy

log = logging.getLogger("commander.deploys")
Step = Callable[[DeployState, datetime], Folded]
Roster = Callable[[], Sequence[str]]
LookRecorder = Callable[[str, datetime, int, dict[str, Any], dict[str, str]], None]
ATTEMPTS = 3  # decisions per event when compare-and-set races are lost


class Refused(CommanderError):
    """A request the rules turn down; the message gives every reason."""


def release_meta(cmd: StartCommand) -> tuple[tuple[str, str], ...]:
    """What a start records for delivery figures and trains: commit time, train id."""
    meta = []
    if cmd.commit_time is not None:
        meta.append(("commit_time", cmd.commit_time.isoformat()))
    if cmd.train is not None:
        meta.append(("train", cmd.train))
    return tuple(meta)


def as_folded(state: DeployState, outcome: Transition | Refusal) -> Folded:
    """A single decision in the shape of a fold."""
    if isinstance(outcome, Refusal):
        return Folded(state, (), (outcome,))
    return Folded(outcome.state, outcome.actions, ())


class Deploys:
    """Starts deploys and applies events to them, each change a compare-and-set."""

    def __init__(
        self,
        config: TeamConfig,
        repo: Repository,
        clock: Clock,
        roster: Roster | None = None,
    ) -> None:
        self.roster = roster  # members of [rotation].usergroup, when the team uses one
        self.config = config
        self.repo = repo
        self.clock = clock
        self.wake: Callable[[], None] = lambda: None  # the worker's: messages wait to be sent
        self.record_look: LookRecorder | None = None  # stores each look (store/observations.py)

    def apply(self, deploy_id: str, event: ev.Event) -> Folded:
        """Apply one event; raises Conflict when another change won the race."""
        return self._transition(
            deploy_id, lambda s, now: as_folded(s, decide(s, event, now, self.config))
        )

    def observe(self, deploy_id: str, metrics: Metrics) -> Folded:
        """Judge fresh observations of the deploy and apply the verdicts."""

        looked: list[tuple[DeployState, datetime, Observations]] = []

        def step(state: DeployState, now: datetime) -> Folded:
            obs = metrics.observe(state, now)
            looked.append((state, now, obs))
            return controller.observe(state, obs, now, self.config)

        folded = self._transition(deploy_id, step)
        if self.record_look is not None and looked and controller.watching(looked[-1][0]):
            state, now, obs = looked[-1]
            verdicts = dict(folded.state.verdicts)  # each judge's latest, this look's included
            figures = look_figures(obs)
            self.record_look(deploy_id, now, state.stage_index, figures, verdicts)
        return folded

    def start(self, cmd: StartCommand, user: str) -> DeployState:
        """Check the window, assign the commander, record the deploy and start it."""
        now = self.clock.now()
        check = self.check_start(cmd, user)
        previous = self.serving_version(cmd.service)
        created = DeployState(
            id=f"{cmd.service}-{uuid.uuid4().hex[:10]}",
            service=cmd.service,
            version=cmd.version,
            previous_version=previous,
            commander=cmd.commander or self.commander_now(now, fallback=user),
            plan_name="hotfix" if cmd.hotfix and "hotfix" in self.config.plans else "default",
            hotfix=cmd.hotfix,
            major=cmd.major,
            forced_reason=check.force_reason if check.forced else None,
            meta=(
                ("started_by", user),
                *((("forced_by", user),) if check.forced else ()),
                *release_meta(cmd),
                *self._previous_safety(cmd.service, previous),
            ),
        )
        return self._record_start(created, user, now)

    def _record_start(self, created: DeployState, user: str, now: datetime) -> DeployState:
        """One stored transition: the deploy goes in already started, its card an outbox row."""
        outcome = decide(created, ev.Start(user), now, self.config)
        if isinstance(outcome, Refusal):
            raise Refused(outcome.reason)
        people = OutboxPeople(self.config, created, lambda ref: None)
        carry_out(outcome.state, outcome.actions, Deferred(), people, StoredTimers())
        self.repo.add(
            outcome.state,
            now,
            channel=self.config.team.deploy_channel,
            audits=people.audits,
            outbox=people.messages(outcome.state),
        )
        self._saved(created, as_folded(created, outcome), now)
        return outcome.state

    def check_start(self, cmd: StartCommand, user: str) -> WindowCheck:
        """The window and freeze check of a start; Refused with every reason when it fails."""
        now = self.clock.now()
        check = can_deploy(
            now,
            cmd.service,
            self.config,
            self.repo.active(),
            self.repo.active_freezes(now),
            hotfix=cmd.hotfix,
            force_by=user if cmd.force else None,
            force_reason=cmd.force,
        )
        if not check.allowed:
            reasons = "\n".join(f"• {r.text}" for r in check.reasons)
            raise Refused(f"Cannot start {cmd.service} {cmd.version}:\n{reasons}")
        return check

    def commander_now(self, now: datetime, fallback: str) -> str:
        """The rotation's commander at `now` (handoffs included), or `fallback` if none."""
        try:
            return self.shift_at(now).user
        except NoCommander:
            return fallback

    def shift_at(self, now: datetime) -> Shift:
        """The rotation shift in force at `now`, counting handoffs from the store."""
        since = now - max(self.config.rotation.shift, timedelta(hours=1))
        handoffs = self.repo.handoffs_since(since)
        return commander_at(
            now, self.config.rotation, self.config.team.tz, handoffs, self.current_roster()
        )

    def next_shift_at(self, now: datetime) -> Shift:
        """The shift after the one in force at `now`."""
        shift = self.shift_at(now)
        handoffs = self.repo.handoffs_since(shift.start)
        rotation, tz = self.config.rotation, self.config.team.tz
        return commander_at(shift.end, rotation, tz, handoffs, self.current_roster())

    def current_roster(self) -> Sequence[str] | None:
        """The user group's members, or None to use [rotation].roster."""
        return self.roster() if self.roster is not None else None

    def serving_version(self, service: str) -> str | None:
        """The version production runs now, from the last deploy or the release history."""
        latest = self.repo.latest_for(service)
        if latest is None:
            done = [r for r in self.repo.history(service) if r.outcome == "completed"]
            return done[0].version if done else None
        if latest.status in ("completed", "stabilizing"):
            return latest.version
        if latest.status == "rolled_back":
            return latest.rollback_target
        return latest.previous_version

    def _previous_safety(self, service: str, previous: str | None) -> tuple[tuple[str, bool], ...]:
        """Meta marking a previous release that is not rollback-safe (the core's one rule)."""
        record = next((r for r in self.repo.history(service, 50) if r.version == previous), None)
        return (("previous_rollback_safe", False),) if record and not record.rollback_safe else ()

    def _transition(self, deploy_id: str, step: Step) -> Folded:
        """Decide and save; a lost race is decided again on the winner's state.

        Events that commute (ticks of two checklist items) both land; an event the winner made
        moot (a second Confirm of the same stage) raises the Conflict naming the winner.
        """
        lost: Conflict | None = None
        for _ in range(ATTEMPTS):
            version = self.repo.version_of(deploy_id)  # before the state: a race then loses
            before = self.repo.get(deploy_id)
            now = self.clock.now()
            folded = step(before, now)
            people = OutboxPeople(
                self.config, before, lambda ref: self.repo.message_named(deploy_id, ref)
            )
            # The world's answers (a smoke result) come from the reconcile loop, not from here.
            carry_out(folded.state, folded.actions, Deferred(), people, StoredTimers())
            if not people.audits:
                if lost is not None and folded.refusals:
                    raise lost
                self._record_refusals(deploy_id, folded, now)
                return folded
            audits = [*people.audits, *self._refused(folded)]
            try:
                self.repo.save(folded.state, version, audits, now, people.messages(folded.state))
            except Conflict as exc:
                lost = exc
                continue
            self._saved(before, folded, now)
            return folded
        assert lost is not None
        raise lost

    def _refused(self, folded: Folded) -> list[ev.Audit]:
        """Audits of refusals people caused (timers and judges refused are not news)."""
        return [r.audit for r in folded.refusals if r.audit.actor not in (ev.SYSTEM, ev.POLICY)]

    def _record_refusals(self, deploy_id: str, folded: Folded, now: datetime) -> None:
        refused = self._refused(folded)
        if refused:
            self.repo.record(deploy_id, refused, now)

    def _saved(self, before: DeployState, folded: Folded, now: datetime) -> None:
        if folded.state.finished and not before.finished:
            self._record_release(folded.state, now)
        self.wake()

    def _record_release(self, state: DeployState, now: datetime) -> None:
        if state.status == "aborted" or state.drill:  # a drill is never a release
            return
        safe = self.config.service(state.service).rollback_safe and state.status == "completed"
        self.repo.add_release(
            state.service,
            state.version,
            deployed_at=now,
            outcome=state.status,
            rollback_safe=safe,
            deploy_id=state.id,
            commander=state.commander,
        )
