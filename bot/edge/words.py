"""The core's messages worded for Slack: bold names, emoji, and people as `@U123`.

The words stay plain: `bot.edge.outgoing` escapes them and makes the mentions on the way out.
"""

from __future__ import annotations

from rollout import messages
from rollout.events import Notify

SLACK = messages.Style(user=messages.user, name=lambda text: f"*{text}*")
LEVEL_EMOJI = {
    "info": "",
    "warning": ":warning: ",
    "danger": ":rotating_light: ",
    "success": ":white_check_mark: ",
}
AFTER = {"live": " :tada:"}


def message(code: str, fields: dict[str, object]) -> str:
    """A core message code worded for Slack."""
    return messages.render(code, fields, SLACK) + AFTER.get(code, "")


def notify_line(note: Notify) -> str:
    """One thread line for a Notify: its level's emoji, the person, then the message."""
    mention = f"{messages.user(note.mention)} " if note.mention else ""
    return f"{LEVEL_EMOJI[note.level]}{mention}{message(note.code, dict(note.fields))}"
