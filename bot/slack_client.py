"""The bot's Slack Web API client: retries with backoff, posts paced per channel, and every
payload passed through the Slack edge (bot.edge.outgoing) on its way out."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.edge import outgoing
from bot.edge.text import HOME
from bot.settings import Settings

Blocks = Sequence[dict[str, Any]]


def make_web_client(settings: Settings, *, retries: bool = True) -> WebClient:
    """A WebClient pointed at SLACK_API_URL when set, retrying 429, 5xx and connection errors.

    Without `retries` every failure is raised at once and the client times out sooner: the
    outbox marks the message for later itself, rather than sleeping the worker in Retry-After.
    """
    kwargs: dict[str, Any] = {
        "token": settings.bot_token.get_secret_value(),
        "timeout": 15 if retries else 10,
    }
    if settings.api_url:
        kwargs["base_url"] = settings.api_url
    client = WebClient(**kwargs)
    client.retry_handlers = (
        [
            ConnectionErrorRetryHandler(max_retry_count=3),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=3),
        ]
        if retries
        else []
    )
    return client


class Pacer:
    """Spaces the starts of calls to one channel at least `interval` seconds apart (Slack allows
    ~1/s). A caller reserves its slot under a short lock and makes its call outside it, so one
    slow or hung call never holds up the next deploy's post to the same channel."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, channel: str) -> None:
        """Sleep until this caller's slot on `channel`."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(channel, now))
            self._next[channel] = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


class SlackPoster:
    """The few Web API calls the bot makes, with channel pacing on messages."""

    def __init__(self, client: WebClient, interval: float = 1.0) -> None:
        self.client = client
        self.pacer = Pacer(interval)

    def post(
        self,
        channel: str,
        text: str,
        blocks: Blocks | None = None,
        thread_ts: str | None = None,
        pointer: str = HOME,
    ) -> tuple[str, str]:
        """chat.postMessage; returns (channel id, ts) of the new message."""
        text, blocks = outgoing.message(text, blocks, pointer)
        self.pacer.wait(channel)
        resp = self.client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
        )
        return str(resp.get("channel") or channel), str(resp["ts"])

    def update(
        self, channel: str, ts: str, text: str, blocks: Blocks | None = None, pointer: str = HOME
    ) -> None:
        """chat.update of a message the bot posted."""
        text, blocks = outgoing.message(text, blocks, pointer)
        self.pacer.wait(channel)
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    def upload(
        self, channel: str, thread_ts: str | None, filename: str, content: bytes, title: str
    ) -> tuple[str, str]:
        """files_upload_v2 into a thread; returns (channel id, file id)."""
        self.pacer.wait(channel)
        resp = self.client.files_upload_v2(
            channel=channel, thread_ts=thread_ts, filename=filename, content=content,
            title=outgoing.file_title(title),
        )  # fmt: skip
        file = resp.get("file") or {}
        return channel, str(file.get("id") or "uploaded")

    def ephemeral(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
        """chat.postEphemeral: only `user` sees it."""
        self.client.chat_postEphemeral(
            channel=channel, user=user, text=outgoing.reply(text), thread_ts=thread_ts
        )

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        """views.publish of the App Home tab."""
        self.client.views_publish(user_id=user, view=outgoing.view(view))

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """views.open of a modal, with the trigger_id of the click (valid for 3 seconds)."""
        self.client.views_open(trigger_id=trigger_id, view=outgoing.view(view))
