"""Requests shaped and signed as Slack sends them: slash commands, interactions and events.

`sign` computes Slack's v0 signature; the builders return (body, content type) pairs shaped
like Slack's requests (see /work/shared/SLACK.md). `commander shell` and the e2e tests both
talk to the bot through these.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

TEAM_ID = "T0TEST001"
APP_ID = "A0COMMAND"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_ids = itertools.count(1)


def sign(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """Slack's request signature: "v0=" + hex HMAC-SHA256 over "v0:{ts}:{body}"."""
    raw = body.encode() if isinstance(body, str) else body
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str,
    body: str,
    content_type: str,
    *,
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """Headers Slack sends with a request: content type, timestamp, signature, retries."""
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(secret, ts, body),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def unique(prefix: str) -> str:
    """A fresh id like "Ev000017" for trigger ids, event ids and action timestamps."""
    return f"{prefix}{next(_ids):06d}"


def slash_command(
    text: str,
    user: str,
    *,
    channel: str = "CDEPLOYS",
    response_url: str = "",
    command: str = "/deploy",
) -> tuple[str, str]:
    """A slash command form body, with every field Slack sends."""
    fields = {
        "token": "verification-token-unused",
        "team_id": TEAM_ID,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": channel.lower().lstrip("c"),
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": unique("13345224609.738474920.") + "8ee5b1d8a4",
    }
    return urlencode(fields), FORM


def block_actions(
    action: dict[str, Any],
    user: str,
    *,
    channel: str,
    message: dict[str, Any],
    response_url: str = "",
    action_ts: str | None = None,
) -> tuple[str, str]:
    """A block_actions payload for clicking `action` (a button element) on `message`."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "verification-token-unused",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": unique("13345224609.738474920.") + "8ee5b1d8a4",
        "channel": {"id": channel, "name": channel.lower()},
        "message": {"type": "message", "bot_id": "B0BOT0001", **message},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action["action_id"],
                "block_id": action.get("block_id", "b"),
                "value": action.get("value", ""),
                "text": action.get("text", {"type": "plain_text", "text": action["action_id"]}),
                "action_ts": action_ts or f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}), FORM


def view_submission(view: dict[str, Any], user: str, values: dict[str, str]) -> tuple[str, str]:
    """A view_submission payload: `view` (as views.open showed it) submitted with `values`,
    each input block's one element given its text."""
    state = {
        block_id: {block_id: {"type": "plain_text_input", "value": value}}
        for block_id, value in values.items()
    }
    payload = {
        "type": "view_submission",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "verification-token-unused",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "trigger_id": unique("13345224609.738474920.") + "8ee5b1d8a4",
        "view": {**view, "state": {"values": state}},
    }
    return urlencode({"payload": json.dumps(payload)}), FORM


def message_event(
    text: str, user: str, *, channel: str, thread_ts: str | None = None, event_id: str | None = None
) -> tuple[str, str]:
    """An Events API envelope for a plain message (a thread reply when thread_ts is given)."""
    ts = f"{time.time():.6f}"
    event = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return _envelope(event, event_id), JSON


def app_home_opened(user: str, event_id: str | None = None) -> tuple[str, str]:
    """The app_home_opened event for the Home tab."""
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
    return _envelope(event, event_id), JSON


def url_verification(challenge: str) -> tuple[str, str]:
    """The handshake Slack sends when the Request URL is set."""
    return json.dumps({"token": "unused", "challenge": challenge, "type": "url_verification"}), JSON


def _envelope(event: dict[str, Any], event_id: str | None) -> str:
    return json.dumps(
        {
            "token": "verification-token-unused",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or unique("Ev"),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT0001", "is_bot": True}],
            "is_ext_shared_channel": False,
        }
    )
