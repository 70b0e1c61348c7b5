"""Send the outbox: each deploy's messages in order, then its card until Slack shows it.

Every replica may drain. A replica first takes the deploy's lease, so one deploy's messages
go out from one place, in order, and none twice. A 429 waits out Retry-After and a 5xx or a
lost connection backs off; either way the message is marked with its next attempt and the
replica moves on to other deploys: the failed message holds back only later messages of the
same deploy, and is retried until it goes through.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks import Blocks
from bot.blocks.card import card
from bot.blocks.kit import section
from bot.train_links import TrainReader, train_line, train_thread
from rollout.config import TeamConfig
from rollout.records import ROOT, Message, OutboxRecord
from rollout.state import DeployState

log = logging.getLogger("commander.outbox")
LEASE = timedelta(seconds=15)  # longer than one Slack call may take (the client times out)
MAX_BACKOFF = timedelta(seconds=5)  # between tries after a 5xx or a lost connection
MAX_REFUSED_BACKOFF = timedelta(seconds=60)  # after Slack said no (ok: false)
GIVE_UP_AFTER_FINISH = timedelta(days=1)
GONE = ("message_not_found", "cant_update_message", "channel_not_found", "is_archived")
# Slack refused the message's form: sending it again would fail again, so it goes as plain words.
UNSHOWABLE = ("invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text")


class Poster(Protocol):
    """The Web API calls the outbox makes (bot.slack_client.SlackPoster, through the edge);
    `pointer` says where the full text is when the edge must cut it."""

    def post(
        self,
        channel: str,
        text: str,
        blocks: Sequence[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        pointer: str = ...,
    ) -> tuple[str, str]: ...

    def update(
        self,
        channel: str,
        ts: str,
        text: str,
        blocks: Sequence[dict[str, Any]] | None = None,
        pointer: str = ...,
    ) -> None: ...

    def upload(
        self, channel: str, thread_ts: str | None, filename: str, content: bytes, title: str
    ) -> tuple[str, str]: ...


class OutboxRepository(TrainReader, Protocol):
    """What the outbox reads and writes in the store (store.repository.Repository)."""

    def outbox_due(self, now: datetime) -> Sequence[str]: ...
    def stale_cards(self) -> Sequence[str]: ...
    def pending_messages(self, deploy_id: str) -> Sequence[OutboxRecord]: ...
    def message_named(self, deploy_id: str, ref: str) -> OutboxRecord | None: ...
    def mark_sent(self, message_id: int, channel: str, ts: str, now: datetime) -> None: ...
    def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None: ...
    def mark_dropped(self, message_id: int, error: str) -> None: ...
    def claim_outbox(self, deploy_id: str, owner: str, now: datetime, lease: timedelta) -> bool: ...
    def release_outbox(self, deploy_id: str, owner: str) -> None: ...
    def thread_of(self, deploy_id: str) -> tuple[str, str, str] | None: ...
    def get(self, deploy_id: str) -> DeployState: ...
    def load(self, deploy_id: str) -> tuple[DeployState, int]: ...
    def card_version(self, deploy_id: str) -> int | None: ...
    def mark_card_shown(self, deploy_id: str, version: int) -> None: ...
    def set_thread(self, deploy_id: str, channel: str, root_ts: str, thread_ts: str) -> None: ...


def replica_name() -> str:
    """A name for this process that no other replica shares."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Outbox:
    """Drains the outbox and keeps each card in step with its deploy."""

    def __init__(
        self,
        repo: OutboxRepository,
        slack: Poster,
        config: TeamConfig,
        owner: str | None = None,
    ) -> None:
        self.repo = repo
        self.slack = slack
        self.config = config
        self.owner = owner or replica_name()
        self._card_retry: dict[str, tuple[int, datetime]] = {}
        # The config a deploy's card renders with (a drill's may carry its scenario's plan).
        self.config_for: Callable[[DeployState], TeamConfig] = lambda state: self.config

    def drain(self, now: datetime) -> None:
        """One pass, deploy after deploy (the worker drains each deploy on its own thread)."""
        for deploy_id in self.due(now):
            self.drain_deploy(deploy_id, now)

    def due(self, now: datetime) -> list[str]:
        """Every deploy with a message due or a card behind its state."""
        due = list(self.repo.outbox_due(now))
        cards = [d for d in self.repo.stale_cards() if d not in due and self._card_due(d, now)]
        return [*due, *cards]

    def drain_deploy(self, deploy_id: str, now: datetime) -> None:
        """Send one deploy's due messages in order, then bring its card up to date."""
        if not self.repo.claim_outbox(deploy_id, self.owner, now, LEASE):
            return  # another replica is sending this deploy's messages
        try:
            self._send_pending(deploy_id, now)
            self._show_card(deploy_id, now)
        finally:
            self.repo.release_outbox(deploy_id, self.owner)

    def _send_pending(self, deploy_id: str, now: datetime) -> None:
        for record in self.repo.pending_messages(deploy_id):
            if not record.due(now):
                return
            if not self.repo.claim_outbox(deploy_id, self.owner, now, LEASE):
                return  # the lease ran out and another replica took over
            if not self._send(record, now):
                return  # later messages of this deploy wait for this one

    def _send(self, record: OutboxRecord, now: datetime) -> bool:
        """Send one message; True when the deploy's next message may follow."""
        try:
            channel, ts, thread_ts = self._deliver(record, record.message)
        except (SlackClientError, OSError, ValueError, LookupError) as exc:
            if _error(exc) not in UNSHOWABLE:
                return self._failed(record, exc, now)
            try:  # say it in plain words, once, where the message should have been
                channel, ts, thread_ts = self._deliver(record, plain_words(record, _error(exc)))
            except (SlackClientError, OSError, ValueError, LookupError) as again:
                return self._failed(record, again, now)
            log.warning(
                "message %s of %s: %s; sent as plain words",
                record.id,
                record.deploy_id,
                _error(exc),
            )
        self.repo.mark_sent(record.id, channel, ts, now)
        if (
            record.message.ref == ROOT and thread_ts is not None
        ):  # a train's card: its thread is the train's
            self.repo.set_thread(record.deploy_id, channel, ts, thread_ts)
        return True

    def _deliver(self, record: OutboxRecord, message: Message) -> tuple[str, str, str | None]:
        """One Web API call for one message: (channel, ts, the thread it went in)."""
        pointer = status_pointer(record.deploy_id)
        if message.kind == "update":
            target = self.repo.message_named(record.deploy_id, message.target or "")
            if target is None or target.ts is None or target.sent_channel is None:
                raise LookupError(f"its target {message.target!r} has not been posted")
            self.slack.update(
                target.sent_channel, target.ts, message.text, message.blocks, pointer=pointer
            )
            return target.sent_channel, target.ts, None
        channel, thread_ts = self._where(record)
        if message.kind == "upload":
            filename, content = upload_file(message.blocks)
            channel, ts = self.slack.upload(channel, thread_ts, filename, content, message.text)
        else:
            channel, ts = self.slack.post(
                channel, message.text, message.blocks, thread_ts, pointer=pointer
            )
        return channel, ts, thread_ts

    def _where(self, record: OutboxRecord) -> tuple[str, str | None]:
        """The channel and thread a post goes to."""
        if not record.message.in_thread:
            train = train_thread(self.repo, self.repo.get(record.deploy_id))
            if record.message.ref == ROOT and train is not None:
                return train  # a train's cards all go in the train's one thread
            return record.message.channel or self.config.team.deploy_channel, None
        located = self.repo.thread_of(record.deploy_id)
        if located is None:
            raise LookupError("the deploy's root card has not been posted")
        channel, _, thread_ts = located  # a train's cards share the train's thread
        return channel, thread_ts

    def _failed(self, record: OutboxRecord, exc: Exception, now: datetime) -> bool:
        """Mark the next attempt; an update whose message is gone is dropped, not retried."""
        error = _error(exc)
        deploy = self.repo.get(record.deploy_id)
        gone = record.message.kind == "update" and error in GONE
        finished_long_ago = (
            deploy.finished_at is not None and now - deploy.finished_at > GIVE_UP_AFTER_FINISH
        )
        if gone or finished_long_ago:
            log.warning("dropping message %s of %s: %s", record.id, record.deploy_id, error)
            self.repo.mark_dropped(record.id, error)
            return True
        retry_at = now + retry_after(exc, record.attempts + 1)
        log.info("message %s of %s: %s; retrying at %s", record.id, record.deploy_id, error,
                 f"{retry_at:%H:%M:%S}")  # fmt: skip
        self.repo.mark_failed(record.id, error, retry_at)
        return False

    def _show_card(self, deploy_id: str, now: datetime) -> None:
        """Re-render the card from the stored state when Slack does not show that version."""
        located = self.repo.thread_of(deploy_id)
        if located is None or not self._card_due(deploy_id, now):
            return
        state, version = self.repo.load(deploy_id)
        if self.repo.card_version(deploy_id) == version:
            return
        text, blocks = shown_card(state, self.config_for(state), train_line(self.repo, state))
        try:
            self.slack.update(
                located[0], located[1], text, blocks, pointer=status_pointer(deploy_id)
            )
        except (SlackClientError, OSError, ValueError) as exc:
            failures = self._card_retry.get(deploy_id, (0, now))[0] + 1
            self._card_retry[deploy_id] = (failures, now + retry_after(exc, failures))
            log.info("card of %s: %s; re-rendering later", deploy_id, _error(exc))
            return
        self._card_retry.pop(deploy_id, None)
        self.repo.mark_card_shown(deploy_id, version)

    def _card_due(self, deploy_id: str, now: datetime) -> bool:
        waiting = self._card_retry.get(deploy_id)
        return waiting is None or waiting[1] <= now


def status_pointer(deploy_id: str) -> str:
    """Where the full text of a deploy's cut message is."""
    return f"`/deploy status {deploy_id}`"


def plain_words(record: OutboxRecord, error: str) -> Message:
    """A message Slack refused, said in plain words instead, with where the rest is."""
    message = record.message
    text = (
        f"{message.text}\n(Slack refused this message's layout: {error}. The full text:"
        f" {status_pointer(record.deploy_id)}.)"
    )
    if message.kind == "upload":  # a file Slack refused is named in a post instead
        return dataclasses.replace(message, kind="post", text=text, blocks=[section(text)])
    return dataclasses.replace(message, text=text, blocks=[section(text)])


def shown_card(state: DeployState, config: TeamConfig, train: str | None) -> tuple[str, Blocks]:
    """The card as it should show; plain words when a builder fails (logged), never a raise."""
    try:
        return card(state, config, train)
    except Exception:  # a wording bug must not stop the pass; logged in full
        log.exception("card of %s could not be worded", state.id)
    text = f"{state.service} {state.version}: {state.status.replace('_', ' ')}"
    return text, [section(f"{text}. The card could not be drawn: `/deploy status {state.id}`.")]


def upload_file(blocks: Sequence[dict[str, Any]]) -> tuple[str, bytes]:
    """The file an upload row carries: its name and bytes (base64 in the row's blocks)."""
    if not blocks or "content_b64" not in blocks[0]:
        raise ValueError("an upload row without its file")
    return str(blocks[0].get("filename", "file")), base64.b64decode(blocks[0]["content_b64"])


def retry_after(exc: Exception, attempt: int) -> timedelta:
    """How long to wait before the next try: Retry-After on a 429, else a growing backoff."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(exc, SlackApiError) and status == 429:
        headers = dict(getattr(response, "headers", None) or {})
        value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), "1")
        try:
            return timedelta(seconds=max(float(str(value)), 0.0))
        except ValueError:
            return timedelta(seconds=1)
    backoff = timedelta(seconds=0.5 * 2 ** (attempt - 1))
    refused = isinstance(exc, SlackApiError) and (status or 0) < 500
    return min(backoff, MAX_REFUSED_BACKOFF if refused else MAX_BACKOFF)


def _error(exc: Exception) -> str:
    """What went wrong, in a word where Slack gave one (never a token)."""
    response = getattr(exc, "response", None)
    if isinstance(exc, SlackApiError) and response is not None:
        data = getattr(response, "data", None)
        code = data.get("error") if isinstance(data, dict) else None
        return str(code or f"HTTP {getattr(response, 'status_code', '?')}")
    return f"{type(exc).__name__}: {exc}"
