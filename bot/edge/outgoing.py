"""What leaves for Slack, in one call per kind: a message, a short reply, a view, a file title."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.edge.fit import VIEW, Block, Surface, fit_blocks, fit_view
from bot.edge.text import HOME, cut, for_plain, top_text

FILE_TITLE_MAX = 250


def message(
    text: str, blocks: Sequence[Block] | None, pointer: str = HOME
) -> tuple[str, list[Block] | None]:
    """A post or update: its fallback text and its blocks, escaped and fitted."""
    fitted = fit_blocks(blocks, Surface(pointer=pointer)) if blocks else None
    return top_text(text, pointer, fallback=first_text(blocks or ())), fitted


def reply(text: str, pointer: str = HOME) -> str:
    """An ephemeral or a response_url answer: escaped, at most 40,000 characters."""
    return top_text(text, pointer)


def view(payload: dict[str, Any]) -> dict[str, Any]:
    """A Home tab or a modal, fitted to 100 blocks."""
    return fit_view(payload, VIEW)


def file_title(title: str) -> str:
    """An upload's title: plain words, short."""
    return cut(for_plain(title), FILE_TITLE_MAX) or "file"


def first_text(blocks: Sequence[Block]) -> str:
    """The first words in some blocks, for a fallback text when none was given."""
    for block in blocks:
        node = block.get("text")
        if isinstance(node, dict) and node.get("text"):
            return str(node["text"])
    return ""
