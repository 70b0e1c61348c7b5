"""The reason modal the Hold and Roll back buttons open (views.open), and what it sends back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.blocks.kit import plain, section
from rollout.state import DeployState

CALLBACK = "reason:"  # the modal's callback_id is "reason:hold" or "reason:rollback"
VERBS = {"hold": "Hold", "rollback": "Roll back"}
REASON_MAX = 3000


@dataclass(frozen=True)
class Submitted:
    """A submitted reason modal: what to do to which deploy, where it was asked, and why."""

    action: str  # "hold" or "rollback"
    deploy_id: str
    channel: str
    thread_ts: str | None
    reason: str


def reason_modal(
    action: str, state: DeployState, channel: str, thread_ts: str | None
) -> dict[str, Any]:
    """A modal asking for an optional reason before holding or rolling back `state`."""
    verb = VERBS[action]
    meta = {"deploy": state.id, "channel": channel, "thread_ts": thread_ts}
    reason_input = {
        "type": "input",
        "block_id": "reason",
        "optional": True,
        "label": plain("Reason (optional)"),
        "element": {
            "type": "plain_text_input",
            "action_id": "reason",
            "multiline": True,
            "max_length": REASON_MAX,
        },
    }
    return {
        "type": "modal",
        "callback_id": f"{CALLBACK}{action}",
        "title": plain(verb),
        "submit": plain(verb),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "blocks": [section(f"{verb} *{state.service} {state.version}*?"), reason_input],
    }


def submitted(view: dict[str, Any]) -> Submitted:
    """The submission's action, deploy, place and reason; ValueError when it is malformed."""
    try:
        action = str(view["callback_id"])[len(CALLBACK) :]
        meta = json.loads(view.get("private_metadata") or "{}")
        values = (view.get("state") or {}).get("values") or {}
        reason = ((values.get("reason") or {}).get("reason") or {}).get("value") or ""
        return Submitted(
            action, str(meta["deploy"]), str(meta["channel"]), meta.get("thread_ts"), str(reason)
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"a malformed reason modal: {exc}") from None
