"""Blocks fitted to Slack's Block Kit limits, with every text object escaped on the way.

The limits (Slack's Block Kit reference): a message holds at most 50 blocks, a Home tab or a
modal 100; a header is plain text of at most 150 characters; a section's text at most 3,000
and at most 10 fields of 2,000; a context 1 to 10 elements; an actions block 1 to 25
elements; a button's text at most 75, its value 2,000, its url 3,000; block and action ids
at most 255 and unique; a modal's title, submit and close at most 24; no text object empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.edge.text import HOME, cut, for_mrkdwn, for_plain

Block = dict[str, Any]
HEADER_MAX = 150
SECTION_MAX = 3_000
FIELD_MAX, FIELDS_MAX = 2_000, 10
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_MAX = 25
BUTTON_TEXT_MAX, BUTTON_VALUE_MAX, URL_MAX = 75, 2_000, 3_000
ID_MAX = 255
VIEW_TITLE_MAX = 24
METADATA_MAX = 3_000
EMPTY = "—"


@dataclass(frozen=True)
class Surface:
    """Where blocks go: how many fit, and where the reader finds what was cut."""

    max_blocks: int = 50
    pointer: str = HOME


MESSAGE = Surface()
VIEW = Surface(max_blocks=100, pointer="`/deploy status`")


def fit_blocks(blocks: Sequence[Block] | None, surface: Surface = MESSAGE) -> list[Block]:
    """The blocks as Slack accepts them: texts escaped and cut, buttons split, ids unique."""
    fitted = [part for block in blocks or () for part in _block(block, surface.pointer)]
    fitted = _unique_ids(fitted)
    if len(fitted) > surface.max_blocks:
        hidden = len(fitted) - (surface.max_blocks - 1)
        more = f"…and {hidden} more: see {surface.pointer}"
        fitted = [*fitted[: surface.max_blocks - 1], _context(for_mrkdwn(more))]
    return fitted


def fit_view(view: Block, surface: Surface = VIEW) -> Block:
    """A Home tab or a modal: its blocks fitted, its title and buttons short enough."""
    fitted = {**view, "blocks": fit_blocks(view.get("blocks"), surface)}
    for key in ("title", "submit", "close"):
        if isinstance(view.get(key), dict):
            fitted[key] = _text(view[key], VIEW_TITLE_MAX, "", plain=True)
    if "private_metadata" in view:
        fitted["private_metadata"] = str(view["private_metadata"])[:METADATA_MAX]
    return fitted


def _block(block: Block, pointer: str) -> list[Block]:
    kind = block.get("type")
    if kind == "header":
        return [{**block, "text": _text(block.get("text"), HEADER_MAX, "", plain=True)}]
    if kind == "section":
        return _section(block, pointer)
    if kind == "context":
        elements = [_element(e, pointer) for e in block.get("elements", ())]
        if not elements:
            return []
        if len(elements) > CONTEXT_ELEMENTS_MAX:
            more = _mrkdwn(f"…and {len(elements) - 9} more")
            elements = [*elements[: CONTEXT_ELEMENTS_MAX - 1], more]
        return [{**block, "elements": elements}]
    if kind == "actions":
        return _actions(block, pointer)
    if kind == "input":
        return [{**block, "label": _text(block.get("label"), FIELD_MAX, "", plain=True)}]
    return [dict(block)]


def _section(block: Block, pointer: str) -> list[Block]:
    fitted = dict(block)
    if block.get("text") is not None:
        fitted["text"] = _text(block["text"], SECTION_MAX, pointer)
    fields = [_text(f, FIELD_MAX, pointer) for f in block.get("fields", ())]
    if len(fields) > FIELDS_MAX:
        fields = [*fields[: FIELDS_MAX - 1], _mrkdwn(f"…and {len(fields) - 9} more")]
    if fields:
        fitted["fields"] = fields
    else:
        fitted.pop("fields", None)
    if "accessory" in block:
        fitted["accessory"] = _element(block["accessory"], pointer)
    if "text" not in fitted and "fields" not in fitted:
        fitted["text"] = _mrkdwn(EMPTY)
    return [fitted]


def _actions(block: Block, pointer: str) -> list[Block]:
    elements = [_element(e, pointer) for e in block.get("elements", ())]
    chunks = [elements[i : i + ACTIONS_MAX] for i in range(0, len(elements), ACTIONS_MAX)]
    found = []
    for n, chunk in enumerate(chunks):
        part = {**block, "elements": _unique_actions(chunk)}
        if "block_id" in block and n:
            part["block_id"] = f"{str(block['block_id'])[: ID_MAX - 6]}-{n + 1}"
        found.append(part)
    return found


def _element(element: Any, pointer: str) -> Any:
    if not isinstance(element, dict):
        return element
    kind = element.get("type")
    if kind in ("mrkdwn", "plain_text"):
        return _text(element, SECTION_MAX, pointer)
    fitted = dict(element)
    if kind == "button":
        fitted["text"] = _text(element.get("text"), BUTTON_TEXT_MAX, "", plain=True)
        if "value" in element:
            fitted["value"] = str(element["value"])[:BUTTON_VALUE_MAX]
        if "url" in element:
            fitted["url"] = str(element["url"])[:URL_MAX]
    if "action_id" in element:
        fitted["action_id"] = str(element["action_id"])[:ID_MAX]
    return fitted


def _text(node: Any, limit: int, pointer: str, plain: bool = False) -> Block:
    """One text object, escaped (mrkdwn) and cut; never empty."""
    kind = node.get("type") if isinstance(node, dict) else ("plain_text" if plain else "mrkdwn")
    raw = str(node.get("text", "")) if isinstance(node, dict) else str(node or "")
    base = dict(node) if isinstance(node, dict) else {"type": kind}
    if kind == "plain_text":
        text = cut(for_plain(raw), limit)
    else:
        text = cut(for_mrkdwn(raw), limit, pointer)
    return {**base, "type": kind, "text": text if text.strip() else EMPTY}


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def _unique_ids(blocks: Iterable[Block]) -> list[Block]:
    seen: set[str] = set()
    found = []
    for block in blocks:
        if "block_id" in block:
            block = {**block, "block_id": _fresh(str(block["block_id"]), seen)}
        found.append(block)
    return found


def _unique_actions(elements: list[Any]) -> list[Any]:
    seen: set[str] = set()
    return [
        {**e, "action_id": _fresh(str(e["action_id"]), seen)}
        if isinstance(e, dict) and "action_id" in e
        else e
        for e in elements
    ]


def _fresh(name: str, seen: set[str]) -> str:
    """`name` cut to 255 characters, suffixed until no earlier id has it."""
    candidate, n = name[:ID_MAX], 1
    while candidate in seen:
        n += 1
        candidate = f"{name[: ID_MAX - len(str(n)) - 1]}-{n}"
    seen.add(candidate)
    return candidate
