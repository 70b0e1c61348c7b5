"""The core's messages worded for Slack: mentions, bold names and emoji."""

from __future__ import annotations

import re

from rollout import messages
from rollout.events import Notify

SLACK = messages.Style(user=lambda user_id: f"<@{user_id}>", name=lambda text: f"*{text}*")
LEVEL_EMOJI = {
    "info": "",
    "warning": ":warning: ",
    "danger": ":rotating_light: ",
    "success": ":white_check_mark: ",
}
AFTER = {"live": " :tada:"}
PLAIN_MENTION = re.compile(r"(?<![<\w])@([UW][A-Z0-9]{2,})\b")


def slack_text(text: str) -> str:
    """Plain core text for Slack: `@U123` becomes a mention."""
    return PLAIN_MENTION.sub(r"<@\1>", text)


def message(code: str, fields: dict[str, object]) -> str:
    """A core message code worded for Slack."""
    return slack_text(messages.render(code, fields, SLACK)) + AFTER.get(code, "")


def notify_line(note: Notify) -> str:
    """One thread line for a Notify: its level's emoji, the mention, then the message."""
    mention = f"<@{note.mention}> " if note.mention else ""
    return f"{LEVEL_EMOJI[note.level]}{mention}{message(note.code, dict(note.fields))}"
