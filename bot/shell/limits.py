"""What Slack refuses, checked the way Slack checks: Block Kit's limits and the escaping rules.

The fake Web API answers a call that breaks a limit with Slack's own error (`invalid_blocks`,
`msg_too_long`, `no_text`) and the problems in `response_metadata.messages`, like Slack. It is
stricter than Slack about escaping, on purpose: the bot never broadcasts and links only to
Slack messages, so a `<!channel>`, a foreign link or a bare `&` in mrkdwn means user text went
out unescaped, and the fake refuses it as `fake_unescaped_text`. This module does not share
code with the edge (bot/edge/) that it checks.
"""

from __future__ import annotations

import re
from typing import Any

MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage")
VIEW_METHODS = ("views.publish", "views.open", "views.update", "views.push")
# The only `<…>` the bot may send: a user mention, or a link to a Slack message.
ALLOWED_ANGLE = re.compile(r"<(?:@[UW][A-Z0-9]+|https://slack\.com/archives/[^|<>\s]+\|[^<>|]+)>")
ALLOWED_AMP = re.compile(r"&(?:amp|lt|gt);")


def refusal(method: str, params: dict[str, Any]) -> tuple[str, list[str]] | None:
    """Slack's error and its messages for this call, or None when Slack would take it."""
    if method in VIEW_METHODS:
        view = params.get("view")
        problems = view_problems(view if isinstance(view, dict) else {})
        return ("invalid_arguments", problems) if problems else None
    if method not in (*MESSAGE_METHODS, "response_url"):
        return None
    text, blocks = params.get("text"), params.get("blocks")
    if isinstance(text, str) and len(text) > 40_000:
        return "msg_too_long", [f"text: {len(text)} characters, max 40000"]
    problems = block_problems(blocks if isinstance(blocks, list) else [], 50)
    if problems:
        return "invalid_blocks", problems
    if not text and not blocks and method != "chat.update":
        return "no_text", ["no text and no blocks"]
    unescaped = escaping_problems(text) if isinstance(text, str) else []
    unescaped += [p for node in mrkdwn_texts(blocks or []) for p in escaping_problems(node)]
    return ("fake_unescaped_text", unescaped) if unescaped else None


def view_problems(view: dict[str, Any]) -> list[str]:
    """A Home tab's or a modal's problems."""
    problems = block_problems(view.get("blocks") or [], 100)
    for key in ("title", "submit", "close"):
        node = view.get(key)
        if isinstance(node, dict):
            problems += _text_problems(node, f"/view/{key}", 24, plain_only=True)
    problems += [
        p for node in mrkdwn_texts(view.get("blocks") or []) for p in escaping_problems(node)
    ]
    return problems


def block_problems(blocks: list[Any], max_blocks: int) -> list[str]:
    """Every broken limit in some blocks, with a JSON pointer to where, as Slack reports it."""
    problems = (
        [f"/blocks: {len(blocks)} blocks, max {max_blocks}"] if len(blocks) > max_blocks else []
    )
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"/blocks/{i}"
        if not isinstance(block, dict):
            problems.append(f"{where}: not an object")
            continue
        if "block_id" in block:
            problems += _id_problems(str(block["block_id"]), f"{where}/block_id", block_ids)
        problems += _block_problems(block, where)
    return problems


def _block_problems(block: dict[str, Any], where: str) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return _text_problems(block.get("text"), f"{where}/text", 150, plain_only=True)
    if kind == "section":
        return _section_problems(block, where)
    if kind == "context":
        elements = block.get("elements") or []
        problems = (
            [] if 1 <= len(elements) <= 10 else [f"{where}/elements: {len(elements)}, 1 to 10"]
        )
        for j, e in enumerate(elements):
            if isinstance(e, dict) and e.get("type") in ("mrkdwn", "plain_text"):
                problems += _text_problems(e, f"{where}/elements/{j}", 3000)
        return problems
    if kind == "actions":
        elements = block.get("elements") or []
        problems = (
            [] if 1 <= len(elements) <= 25 else [f"{where}/elements: {len(elements)}, 1 to 25"]
        )
        action_ids: set[str] = set()
        for j, e in enumerate(elements):
            problems += _element_problems(e, f"{where}/elements/{j}", action_ids)
        return problems
    return []


def _section_problems(block: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    if "text" in block:
        problems += _text_problems(block["text"], f"{where}/text", 3000)
    fields = block.get("fields") or []
    if len(fields) > 10:
        problems.append(f"{where}/fields: {len(fields)} fields, max 10")
    for j, f in enumerate(fields):
        problems += _text_problems(f, f"{where}/fields/{j}", 2000)
    if "text" not in block and not fields:
        problems.append(f"{where}: a section needs text or fields")
    if "accessory" in block:
        problems += _element_problems(block["accessory"], f"{where}/accessory", set())
    return problems


def _element_problems(element: Any, where: str, action_ids: set[str]) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where}: not an object"]
    problems: list[str] = []
    if "action_id" in element:
        problems += _id_problems(str(element["action_id"]), f"{where}/action_id", action_ids)
    if element.get("type") == "button":
        problems += _text_problems(element.get("text"), f"{where}/text", 75, plain_only=True)
        if len(str(element.get("value", ""))) > 2000:
            problems.append(f"{where}/value: over 2000 characters")
        if len(str(element.get("url", ""))) > 3000:
            problems.append(f"{where}/url: over 3000 characters")
    return problems


def _text_problems(node: Any, where: str, limit: int, plain_only: bool = False) -> list[str]:
    if not isinstance(node, dict) or not isinstance(node.get("text"), str):
        return [f"{where}: must be a text object"]
    if plain_only and node.get("type") != "plain_text":
        return [f"{where}: must be plain_text"]
    text = node["text"]
    if not text.strip():
        return [f"{where}: must not be empty"]
    if len(text) > limit:
        return [f"{where}: must be less than {limit + 1} characters ({len(text)})"]
    return []


def _id_problems(value: str, where: str, seen: set[str]) -> list[str]:
    problems = [f"{where}: over 255 characters"] if len(value) > 255 else []
    if value in seen:
        problems.append(f"{where}: {value!r} is not unique")
    seen.add(value)
    return problems


def mrkdwn_texts(blocks: list[Any]) -> list[str]:
    """Every mrkdwn text in some blocks (where `<` and `&` are control characters)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def escaping_problems(text: str) -> list[str]:
    """`<` or `&` that are not the bot's own mentions, links or escapes: unescaped text."""
    rest = ALLOWED_AMP.sub("", ALLOWED_ANGLE.sub("", text))
    problems = []
    if "<" in rest or ">" in rest:
        problems.append(f"unescaped < or > in {text[:80]!r}")
    if "&" in rest:
        problems.append(f"unescaped & in {text[:80]!r}")
    return problems
