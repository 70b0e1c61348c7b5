"""Talk to the bot the way Slack does: signed slash commands, interactions and events.

The request builders live in bot.shell.slackrequests (`commander shell` uses them too);
`SlackSender` posts them to a running bot's `/slack/events` with the right headers.
"""

from __future__ import annotations

import httpx

from bot.shell.slackrequests import (
    APP_ID,
    FORM,
    JSON,
    TEAM_ID,
    app_home_opened,
    block_actions,
    message_event,
    sign,
    signed_headers,
    slash_command,
    unique,
    url_verification,
    view_submission,
)

__all__ = [
    "APP_ID",
    "FORM",
    "JSON",
    "TEAM_ID",
    "SlackSender",
    "app_home_opened",
    "block_actions",
    "message_event",
    "sign",
    "signed_headers",
    "slash_command",
    "unique",
    "url_verification",
    "view_submission",
]


class SlackSender:
    """Posts signed requests to a bot's `/slack/events`, like Slack does."""

    def __init__(self, base_url: str, secret: str, timeout: float = 10.0) -> None:
        self.url = base_url.rstrip("/") + "/slack/events"
        self.secret = secret
        self.client = httpx.Client(timeout=timeout)

    def send(
        self,
        request: tuple[str, str],
        *,
        retry_num: int | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> httpx.Response:
        """Sign and post one (body, content type) request; `secret` overrides to forge."""
        body, content_type = request
        headers = signed_headers(
            secret or self.secret, body, content_type, timestamp=timestamp, retry_num=retry_num
        )
        return self.client.post(self.url, content=body.encode(), headers=headers)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.client.close()
