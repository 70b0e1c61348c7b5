"""Slack messages as Rich renderables: mrkdwn to markup, Block Kit blocks, numbered buttons."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.emoji import Emoji
from rich.markup import escape
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

Number = Callable[[dict[str, Any]], int]  # gives a button element its number for `click N`
BUTTON_STYLES = {"primary": "bold green", "danger": "bold red"}
SLACK_ONLY_EMOJI = {":white_square:": ":white_large_square:"}  # names Rich spells otherwise

_MARKS = (
    (re.compile(r"<@([UW][A-Z0-9]+)>"), r"@\1"),
    (re.compile(r"<#[A-Z0-9]+\|([^>]+)>"), r"#\1"),
    (re.compile(r"<(https?://[^|>]+)\|([^>]+)>"), r"\2"),
    (re.compile(r"<(https?://[^>]+)>"), r"\1"),
    (re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])"), r"[bold]\1[/bold]"),
    (re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])"), r"[strike]\1[/strike]"),
    (re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])"), r"[italic]\1[/italic]"),
    (re.compile(r"`([^`\n]+)`"), r"[cyan]\1[/cyan]"),
)


_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))  # Slack's escapes, `&` last


def mrkdwn(text: str, style: str = "") -> Text:
    """Slack mrkdwn (bold, strike, italic, code, mentions, links, :emoji:) as Rich text."""
    markup = escape(text)
    for slack, rich in SLACK_ONLY_EMOJI.items():
        markup = markup.replace(slack, rich)
    for pattern, replacement in _MARKS:
        markup = pattern.sub(replacement, markup)
    return Text.from_markup(_unescape(markup), style=style, emoji=True)


def plain(text: str) -> str:
    """Slack mrkdwn as a plain line: mentions as @U123, links as their labels, emoji drawn."""
    for pattern, replacement in _MARKS[:4]:  # mentions, channels and links; not the styles
        text = pattern.sub(replacement, text)
    for slack, rich in SLACK_ONLY_EMOJI.items():
        text = text.replace(slack, rich)
    return Emoji.replace(_unescape(text))


def _unescape(text: str) -> str:
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def message(text: str, blocks: Sequence[dict[str, Any]], number: Number) -> RenderableType:
    """A message's blocks (or its text, when it has none) with every button numbered."""
    if not blocks:
        return mrkdwn(text)
    return Group(*(part for block in blocks for part in _block(block, number)))


def title(blocks: Sequence[dict[str, Any]], text: str) -> str:
    """A short name for a message: its header block, else its first line."""
    for block in blocks:
        if block.get("type") == "header":
            return _text_of(block.get("text"))
    return plain((text.splitlines() or [""])[0])[:60]


def buttons(block: dict[str, Any]) -> list[dict[str, Any]]:
    """The button elements of one block (an actions block, or a section's accessory)."""
    found = [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]
    return [e for e in found if isinstance(e, dict) and e.get("type") == "button"]


def _block(block: dict[str, Any], number: Number) -> list[RenderableType]:
    kind = block.get("type")
    if kind == "header":
        return [Text(_text_of(block.get("text")), style="bold")]
    if kind == "divider":
        return [Rule(style="dim")]
    if kind == "context":
        parts = [_text_of(e) for e in block.get("elements", []) if isinstance(e, dict)]
        return [mrkdwn("  ".join(p for p in parts if p), style="dim")]
    if kind == "actions":
        return [_button_row(buttons(block), number)]
    if kind == "section":
        return _section(block, number)
    return [Text(f"({kind} block)", style="dim")]


def _section(block: dict[str, Any], number: Number) -> list[RenderableType]:
    parts: list[RenderableType] = []
    text = _text_of(block.get("text"))
    accessory = buttons(block)
    if text or accessory:
        line = mrkdwn(text)
        if accessory:
            line.append("  ")
            line.append_text(_button_row(accessory, number))
        parts.append(line)
    fields = [mrkdwn(_text_of(f)) for f in block.get("fields", []) if isinstance(f, dict)]
    if fields:
        grid = Table.grid(padding=(0, 3))
        grid.add_column()
        grid.add_column()
        for left in range(0, len(fields), 2):
            grid.add_row(*fields[left : left + 2])
        parts.append(grid)
    return parts


def _button_row(elements: Sequence[dict[str, Any]], number: Number) -> Text:
    row = Text()
    for element in elements:
        if row:
            row.append("  ")
        label = f"[{number(element)}] {_text_of(element.get('text'))}"
        row.append(label, style=BUTTON_STYLES.get(str(element.get("style")), "bold"))
    return row


def _text_of(node: Any) -> str:
    """The string inside a text object ({"type": "mrkdwn", "text": …}) or a plain string."""
    if isinstance(node, dict):
        return str(node.get("text", ""))
    return str(node or "")
