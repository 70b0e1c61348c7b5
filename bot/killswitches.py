"""Kill switches: `/deploy kill|unkill <flag>` and the "Turn off" button.

A flip is stored first (the desired state, with its history), then carried out through
rollout.acting.carry_out like every other action: the world writes the flagd file, the people
record the audit in the deploy's trail and tell its thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from bot.blocks.card import card
from bot.blocks.words import notify_line, slack_text
from bot.deploys import Refused
from bot.people import StoredTimers
from bot.slack_client import SlackPoster
from rollout import events as ev
from rollout.acting import carry_out
from rollout.config import TeamConfig
from rollout.ports import Clock, World
from rollout.state import DeployState


class FlagStore(Protocol):
    """The parts of the repository kill switches use."""

    def latest_for(self, service: str) -> DeployState | None: ...

    def set_flag(
        self, name: str, enabled: bool, *, by: str, now: datetime, reason: str = ""
    ) -> None: ...

    def flags(self) -> dict[str, bool]: ...

    def record(self, deploy_id: str, audits: Sequence[ev.Audit], now: datetime) -> None: ...

    def thread_of(self, deploy_id: str) -> tuple[str, str, str] | None: ...


def desired_kill_switches(
    stored: Mapping[str, bool], config: TeamConfig
) -> list[tuple[str, ev.SetKillSwitch]]:
    """(service, action) for every configured kill switch the store has a value for.

    The reconcile loop applies these each pass; the flagd adapter skips flags already right.
    """
    wanted = []
    for service in config.services:
        for flag in service.kill_switches:
            if flag in stored:
                wanted.append((service.name, ev.SetKillSwitch(flag, off=not stored[flag])))
    return wanted


class ThreadPeople:
    """rollout.ports.People for one-off actions: audit to the store, words to the thread."""

    def __init__(
        self, repo: FlagStore, slack: SlackPoster, config: TeamConfig, clock: Clock
    ) -> None:
        self.repo = repo
        self.slack = slack
        self.config = config
        self.clock = clock

    def ask(self, deploy: DeployState, question: ev.AskConfirm) -> None:
        """Ask the commander in the thread."""
        self._post(
            deploy, f"<@{question.commander}> {slack_text(question.reason)}: Confirm to go on."
        )

    def notify(self, deploy: DeployState, note: ev.Notify) -> None:
        """Tell the thread."""
        self._post(deploy, notify_line(note))

    def record(self, deploy: DeployState, audit: ev.Audit) -> None:
        """Append to the deploy's audit trail."""
        self.repo.record(deploy.id, [audit], self.clock.now())

    def update_card(self, deploy: DeployState) -> None:
        """Redraw the deploy's root card."""
        located = self.repo.thread_of(deploy.id)
        if located is not None:
            text, blocks = card(deploy, self.config)
            self.slack.update(located[0], located[1], text, blocks)

    def _post(self, deploy: DeployState, text: str) -> None:
        located = self.repo.thread_of(deploy.id)
        if located is not None:
            channel, _, thread_ts = located
            self.slack.post(channel, text, thread_ts=thread_ts)


class KillSwitchControl:
    """Flips kill switches for the commander of the service's deploy, or an admin."""

    def __init__(
        self,
        config: TeamConfig,
        repo: FlagStore,
        clock: Clock,
        world: World,
        people: ThreadPeople,
    ) -> None:
        self.config = config
        self.repo = repo
        self.clock = clock
        self.world = world
        self.people = people

    def flip(self, flag: str, off: bool, user: str, reason: str = "") -> str:
        """Store the flag's new state, then carry the flip out; the reply for the user."""
        owner = self.config.kill_switch_owner(flag)
        if owner is None:
            known = ", ".join(f for s in self.config.services for f in s.kill_switches)
            raise Refused(f"{flag} is not a kill switch (known: {known or 'none configured'}).")
        latest = self.repo.latest_for(owner.name)
        if not self.config.is_admin(user) and (latest is None or latest.commander != user):
            who = f"<@{latest.commander}>, who commands {owner.name}," if latest else "nobody"
            raise Refused(f"Only {who} or an admin may flip {flag}.")
        now, word = self.clock.now(), "off" if off else "back on"
        why = reason or ("turned off" if off else "turned back on")
        self.repo.set_flag(flag, not off, by=user, now=now, reason=why)
        flip = ev.SetKillSwitch(flag, off)
        if latest is None:  # an admin, before the service's first deploy: no thread to tell
            self.world.set_kill_switch(owner.name, flag, off)
        else:
            carry_out(latest, self._actions(latest, flip, user, why), self.world, self.people,
                      StoredTimers())  # fmt: skip
        return f"Turned {flag} ({owner.name}) {word}: {why}."

    def _actions(
        self, deploy: DeployState, flip: ev.SetKillSwitch, user: str, why: str
    ) -> list[ev.Action]:
        word = "off" if flip.off else "back on"
        audit = ev.Audit(
            user,
            "kill_switch" if flip.off else "unkill_switch",
            deploy.status,
            deploy.status,
            deploy.stage_index,
            f"kill switch {flip.flag} turned {word}: {why}",
            {"flag": flip.flag, "off": flip.off},
        )
        fields = {"user": user, "flag": flip.flag, "word": word, "reason": why}
        note = ev.Notify("kill_switch", fields, level="warning" if flip.off else "info")
        return [flip, audit, note]
