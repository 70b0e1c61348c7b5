"""Block Kit blocks as plain dicts: builders never check limits, the edge (bot.edge) fits them.

slack_sdk's models refuse to build a block over a limit, which used to raise inside the
transition that wanted to say it; these helpers cannot fail, and the edge cuts what is long.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Block = dict[str, Any]


def mrkdwn(text: str) -> Block:
    """A mrkdwn text object."""
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> Block:
    """A plain_text text object."""
    return {"type": "plain_text", "text": text, "emoji": True}


def header(text: str) -> Block:
    """A header block."""
    return {"type": "header", "text": plain(text)}


def section(
    text: str | None = None,
    fields: Sequence[str] = (),
    block_id: str | None = None,
    accessory: Block | None = None,
) -> Block:
    """A section: mrkdwn text, fields, an optional button beside it."""
    block: Block = {"type": "section"}
    if block_id is not None:
        block["block_id"] = block_id
    if text is not None:
        block["text"] = mrkdwn(text)
    if fields:
        block["fields"] = [mrkdwn(f) for f in fields]
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> Block:
    """A context block of mrkdwn lines."""
    return {"type": "context", "elements": [mrkdwn(t) for t in texts]}


def divider() -> Block:
    """A divider."""
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    """A button; `style` is "primary", "danger" or None."""
    element: Block = {
        "type": "button",
        "text": plain(text),
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        element["style"] = style
    return element


def actions(elements: Sequence[Block], block_id: str | None = None) -> Block:
    """An actions block (the edge splits it when it holds more than 25 elements)."""
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id is not None:
        block["block_id"] = block_id
    return block
