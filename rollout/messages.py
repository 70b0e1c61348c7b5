"""What the core says, as codes plus fields; each edge words them.

One table of templates keeps the edges honest: the CLI and the rehearsal render them as plain
text (`plain`), and bot/blocks renders the same codes for Slack with mentions, bold names and
emoji. A person is written `@U123` in plain text; the Slack edge turns that into a mention.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

TEMPLATES: dict[str, str] = {
    "checklist_started": "{stage:name}: tick each item\n{items}",
    "baking": "{stage:name}: {exposure}; baking for {bake}",
    "live": "{version} is live at 100%",
    "stabilizing": (
        "{version} is live at 100%. Stabilizing for {period}: mark it Healthy or Faulty."
    ),
    "released": "{version} is released: {reason}",
    "smoke_failed": "{reason}. Deploy held: roll back, or fix and resume.",
    "held": "Held: {reason}",
    "resumed": "Resumed by {user:user}",
    "confirmed_note": "{user:user} confirmed {stage:name}: {note}",
    "resumed_bake": (
        "Resumed by {user:user}. {stage:name} bakes again for {bake}: the judges look only at "
        "data from now, never at data from before the hold"
    ),
    "rolled_back": "Rolled back {version} → {target}: {reason}",
    "rolled_back_first": (
        "Rolled back {version}: it was the first release of {service}, so no earlier version "
        "exists and no production traffic reaches {service} now: {reason}"
    ),
    "judge_holds": "Holding. {reason}. Roll back, or resume to continue.",
    "judge_holds_unsafe": "Holding. {reason}.",
    "aborted": "Aborted: {reason}",
    "handed_off": "{from:user} handed the deploy to {to:user}. {where}",
    "action_failed": "{reason}. Deploy held: fix it and resume, or roll back.",
    "metrics_unavailable": (
        "Holding: {reason}. The judges cannot see this stage; resume once the source is back, "
        "or roll back."
    ),
    "kill_switch": "{user:user} turned {flag} {word}: {reason}",
}


@dataclass(frozen=True)
class Style:
    """How an edge marks people and names."""

    user: Callable[[str], str]
    name: Callable[[str], str]


PLAIN = Style(user=lambda user_id: f"@{user_id}", name=lambda text: text)


class _Formatter(string.Formatter):
    def __init__(self, style: Style) -> None:
        self.style = style

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "user":
            return self.style.user(str(value))
        if format_spec == "name":
            return self.style.name(str(value))
        return str(super().format_field(value, format_spec))


def render(code: str, fields: Mapping[str, Any], style: Style = PLAIN) -> str:
    """The message `code` with its fields, marked up in `style`."""
    return _Formatter(style).vformat(TEMPLATES[code], (), dict(fields))


def plain(code: str, fields: Mapping[str, Any]) -> str:
    """The message as plain text, for the CLI, the rehearsal and the audit trail."""
    return render(code, fields, PLAIN)


def user(user_id: str) -> str:
    """A person inside a plain reason: `@U123` (the Slack edge makes it a mention)."""
    return PLAIN.user(user_id)
