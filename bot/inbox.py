"""The durable inbox: a `/deploy` command is stored before its ack and carried out from the
store, so a crash right after the ack delays it but never loses it.

The listener stores, acks, then hands the stored id to a thread; every worker pass also takes
commands left behind (a crash, a full pool), once their claim has lapsed. A retry of the same
command (same trigger id) is stored once, so it acts once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from slack_sdk.webhook import WebhookClient

from rollout.ports import Clock
from rollout.records import InboxRecord

log = logging.getLogger("commander.inbox")
LEASE = timedelta(seconds=20)  # a command runs in well under this; an older claim died
GRACE = timedelta(seconds=2)  # the listener's own thread gets the first go


class InboxRepository(Protocol):
    """The store's inbox (store/inbox.py)."""

    def add_command(self, command: InboxRecord, owner: str | None = None) -> int | None: ...

    def command(self, command_id: int) -> InboxRecord: ...

    def claim_command(
        self, command_id: int, owner: str, now: Any, lease: timedelta
    ) -> InboxRecord | None: ...

    def finish_command(self, command_id: int, now: Any) -> None: ...

    def pending_commands(self, received_before: Any) -> list[int]: ...


def respond_on(url: str, text: str) -> None:
    """Post the reply, only to the caller, on the command's response_url."""
    if url:
        WebhookClient(url).send(text=text, response_type="ephemeral")


class Inbox:
    """Stores commands, then carries each out once and answers on its response_url."""

    def __init__(
        self,
        repo: InboxRepository,
        answer: Callable[[InboxRecord], str],
        clock: Clock,
        respond: Callable[[str, str], None] = respond_on,
    ) -> None:
        self.repo = repo
        self.answer = answer
        self.clock = clock
        self.respond = respond
        self.owner = f"inbox-{uuid.uuid4().hex[:8]}"

    def receive(self, command: dict[str, Any]) -> int | None:
        """Store a slash command's form fields; None when it was stored before (a retry)."""
        url = str(command.get("response_url", ""))
        record = InboxRecord(
            key=str(command.get("trigger_id") or url or uuid.uuid4().hex),
            user=str(command.get("user_id", "")),
            channel=str(command.get("channel_id", "")),
            text=str(command.get("text", "")),
            response_url=url,
            received_at=self.clock.now(),
        )
        return self.repo.add_command(record, self.owner)  # claimed: the listener runs it next

    def carry_out(self, command_id: int, *, received: bool = False) -> None:
        """Run one stored command and answer it, unless someone else has it or it is done.

        `received`: this process just stored (and so claimed) it."""
        if received:
            command: InboxRecord | None = self.repo.command(command_id)
        else:
            command = self.repo.claim_command(command_id, self.owner, self.clock.now(), LEASE)
        if command is None:
            return
        text = self.answer(command)
        try:
            self.respond(command.response_url, text)
        except OSError:  # the effect happened; a lost reply must not repeat it
            log.exception("answering /deploy on its response_url failed")
        self.repo.finish_command(command_id, self.clock.now())

    def catch_up(self) -> None:
        """Carry out commands left behind: stored a while ago and not done."""
        for command_id in self.repo.pending_commands(self.clock.now() - GRACE):
            self.carry_out(command_id)
