"""Kill switches: `/deploy kill|unkill <flag>` and the "Turn off" button.

A flip is stored first (the desired state, with its history). It is carried out through
rollout.acting.carry_out like every other action: its audit and thread line are saved together
through the outbox, and the reconcile loop writes the flagd file from the stored flags, so a
crash or a failing file write converges on a later pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from bot.blocks.thread import lines_message
from bot.deploys import Refused
from bot.edge.words import notify_line
from bot.people import Deferred, StoredTimers
from rollout import events as ev
from rollout.acting import carry_out
from rollout.authorization import NotAllowed, Role, refusal, roles
from rollout.config import TeamConfig
from rollout.ports import Clock
from rollout.records import Message
from rollout.state import DeployState


class FlagStore(Protocol):
    """The parts of the repository kill switches use."""

    def latest_for(self, service: str) -> DeployState | None: ...

    def set_flag(
        self, name: str, enabled: bool, *, by: str, now: datetime, reason: str = ""
    ) -> None: ...

    def flags(self) -> dict[str, bool]: ...

    def record(
        self,
        deploy_id: str,
        audits: Sequence[ev.Audit],
        now: datetime,
        outbox: Sequence[Message] = (),
    ) -> None: ...


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


class FlipPeople:
    """rollout.ports.People for a flip: the audit and the thread line, kept to store together."""

    def __init__(self) -> None:
        self.audits: list[ev.Audit] = []
        self.lines: list[str] = []

    def ask(self, deploy: DeployState, question: ev.AskConfirm) -> None:
        """A flip asks nobody."""
        raise RuntimeError("a kill switch flip asked the commander something")

    def notify(self, deploy: DeployState, note: ev.Notify) -> None:
        """A line for the deploy's thread."""
        self.lines.append(notify_line(note))

    def record(self, deploy: DeployState, audit: ev.Audit) -> None:
        """An entry for the deploy's audit trail."""
        self.audits.append(audit)

    def update_card(self, deploy: DeployState) -> None:
        """The card does not show kill switches."""

    def messages(self, deploy: DeployState) -> list[Message]:
        """The thread post, for the outbox."""
        if not self.lines:
            return []
        text, blocks = lines_message(deploy, self.lines)
        return [Message("post", text, blocks, in_thread=True)]


class KillSwitchControl:
    """Flips kill switches for the commander of the service's deploy, or an admin."""

    def __init__(
        self,
        config: TeamConfig,
        repo: FlagStore,
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
        problem: Callable[[str, bool], str | None] = lambda flag, off: None,
    ) -> None:
        self.problem = problem  # why the flag file cannot take the flip (FlagdKillSwitches)
        self.config = config
        self.repo = repo
        self.clock = clock
        self.wake = wake  # the reconcile loop writes the flag file from the stored state

    def flip(
        self, flag: str, off: bool, user: str, reason: str = "", *, action: str | None = None
    ) -> str:
        """Store the flag's new state, then carry the flip out; the reply for the user.

        `action` is the authorization table's row (default: the kill or unkill command)."""
        owner = self.config.kill_switch_owner(flag)
        if owner is None:
            known = ", ".join(f for s in self.config.services for f in s.kill_switches)
            raise Refused(f"{flag} is not a kill switch (known: {known or 'none configured'}).")
        latest = self.repo.latest_for(owner.name)
        commander = latest.commander if latest else None
        held = roles(user, self.config, deploy_commander=commander)
        names: dict[Role, str] = {"deploy_commander": f"@{commander}, who commands {owner.name}"}
        refused = refusal(action or ("kill" if off else "unkill"), held, names)
        if refused and latest is None:
            refused = f"{owner.name} has no deploy yet, so only an admin may flip {flag}."
        if refused:
            raise NotAllowed(refused)
        problem = self.problem(flag, off)
        if problem is not None:
            raise Refused(f"Cannot turn {flag} {'off' if off else 'on'}: {problem}.")
        now, word = self.clock.now(), "off" if off else "back on"
        why = reason or ("turned off" if off else "turned back on")
        self.repo.set_flag(flag, not off, by=user, now=now, reason=why)
        if latest is not None:  # else an admin, before the service's first deploy: no thread
            people = FlipPeople()
            flip = ev.SetKillSwitch(flag, off)
            carry_out(latest, self._actions(latest, flip, user, why), Deferred(), people,
                      StoredTimers())  # fmt: skip
            self.repo.record(latest.id, people.audits, now, outbox=people.messages(latest))
        self.wake()
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
