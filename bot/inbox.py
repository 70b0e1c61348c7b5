"""The durable inbox: a `/deploy` command is stored before its ack and carried out from the
store, so a crash right after the ack delays it but never loses it.

The listener spools the command (bot/spool.py: one append to a local file), acks, then a thread
stores it in the database, claimed, and carries it out. Every worker pass also takes commands
left behind (a crash): spooled lines never stored, and stored commands whose claim lapsed. A
retry of the same command (same trigger id) is stored once, so it acts once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from slack_sdk.webhook import WebhookClient

from bot.edge import outgoing
from bot.spool import Spool
from rollout.ports import Clock
from rollout.records import InboxRecord

log = logging.getLogger("commander.inbox")
LEASE = timedelta(seconds=20)  # a command runs in well under this; an older claim died
GRACE = timedelta(seconds=2)  # the listener's own thread gets the first go


class InboxRepository(Protocol):
    """The store's inbox (store/inbox.py)."""

    def add_command(self, command: InboxRecord, owner: str | None = None) -> int | None: ...

    def claim_command(
        self, command_id: int, owner: str, now: Any, lease: timedelta
    ) -> InboxRecord | None: ...

    def finish_command(self, command_id: int, now: Any) -> None: ...

    def pending_commands(self, received_before: Any) -> list[int]: ...

    def stored_keys(self, keys: list[str]) -> set[str]: ...


def respond_on(url: str, text: str) -> None:
    """Post the reply, only to the caller, on the command's response_url."""
    if url:
        WebhookClient(url).send(text=outgoing.reply(text), response_type="ephemeral")


class Inbox:
    """Stores commands, then carries each out once and answers on its response_url."""

    def __init__(
        self,
        repo: InboxRepository,
        answer: Callable[[InboxRecord], str],
        clock: Clock,
        spool: Spool,
        respond: Callable[[str, str], None] = respond_on,
    ) -> None:
        self.repo = repo
        self.spool = spool
        self.answer = answer
        self.clock = clock
        self.respond = respond
        self.owner = f"inbox-{uuid.uuid4().hex[:8]}"

    def receive(self, command: dict[str, Any]) -> InboxRecord:
        """Spool a slash command's form fields (before the ack); `take` it after."""
        url = str(command.get("response_url", ""))
        record = InboxRecord(
            key=str(command.get("trigger_id") or url or uuid.uuid4().hex),
            user=str(command.get("user_id", "")),
            channel=str(command.get("channel_id", "")),
            text=str(command.get("text", "")),
            response_url=url,
            received_at=self.clock.now(),
        )
        self.spool.append(record)
        return record

    def take(self, command: InboxRecord) -> None:
        """Store a spooled command, claimed, and carry it out; a retry stored before is skipped."""
        command_id = self.repo.add_command(command, self.owner)
        if command_id is not None:
            self._answer(command_id, command)

    def carry_out(self, command_id: int) -> None:
        """Run one stored command and answer it, unless someone else has it or it is done."""
        command = self.repo.claim_command(command_id, self.owner, self.clock.now(), LEASE)
        if command is not None:
            self._answer(command_id, command)

    def _answer(self, command_id: int, command: InboxRecord) -> None:
        text = self.answer(command)
        try:
            self.respond(command.response_url, text)
        except OSError:  # the effect happened; a lost reply must not repeat it
            log.exception("answering /deploy on its response_url failed")
        self.repo.finish_command(command_id, self.clock.now())

    def catch_up(self) -> None:
        """Carry out commands left behind: spooled but never stored, or stored and not done."""
        self.spool.drain(self.repo.add_command, self.repo.stored_keys)
        for command_id in self.repo.pending_commands(self.clock.now() - GRACE):
            self.carry_out(command_id)
