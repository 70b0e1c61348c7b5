"""Text for Slack: escape untrusted characters, make the bot's mentions and links, cut to fit."""

from __future__ import annotations

import re

# `@U123` written by the bot (or typed by a user) becomes a mention; an email stays text.
PLAIN_MENTION = re.compile(r"(?<![\w@<])@([UW][A-Z0-9]{2,})\b")
# A mention as Slack sends typed text ("<@U123>" or "<@U123|ann>"): brought back to `@U123`.
TYPED_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
# The bot's own links, made by `link`: only permalinks to Slack messages, in private-use marks.
LINK_OPEN, LINK_SEP, LINK_CLOSE = "\ue000", "\ue001", "\ue002"
BOT_LINK = re.compile(
    f"{LINK_OPEN}(https://slack\\.com/archives/[^{LINK_OPEN}-{LINK_CLOSE}\\s|]+)"
    f"{LINK_SEP}([^{LINK_OPEN}-{LINK_CLOSE}|]+){LINK_CLOSE}"
)
MARKS = re.compile(f"[{LINK_OPEN}-{LINK_CLOSE}]")
# A typed mention is held in marks of its own while the rest is escaped and mentioned.
TYPED_OPEN, TYPED_CLOSE = "\ue003", "\ue004"
TYPED_MARKS = re.compile(f"[{TYPED_OPEN}{TYPED_CLOSE}]")
NEXT_MENTION = re.compile(r"(<@[UW][A-Z0-9]+>)@([UW][A-Z0-9]{2,})\b")
HELD_MENTION = re.compile(f"{TYPED_OPEN}([UW][A-Z0-9]+){TYPED_CLOSE}")
ELLIPSIS = "…"
TOP_TEXT_MAX = 40_000
HOME = "the App Home"


def link(url: str, label: str) -> str:
    """A link in the bot's own words; the edge makes it `<url|label>` (Slack permalinks only)."""
    return f"{LINK_OPEN}{url}{LINK_SEP}{label}{LINK_CLOSE}"


def escape(text: str) -> str:
    """`&`, `<` and `>` as Slack's entities, so text can't mention a channel or plant a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def for_mrkdwn(text: str) -> str:
    """Plain words as mrkdwn: everything escaped, then the mentions and the bot's links made."""
    held = TYPED_MENTION.sub(f"{TYPED_OPEN}\\1{TYPED_CLOSE}", TYPED_MARKS.sub("", text))
    escaped = escape(held)
    linked = BOT_LINK.sub(lambda m: f"<{m.group(1)}|{m.group(2).replace('|', '/')}>", escaped)
    mentioned = HELD_MENTION.sub(r"<@\1>", PLAIN_MENTION.sub(r"<@\1>", MARKS.sub("", linked)))
    while True:  # "@U1@U2": a mention right after a mention is one too
        again = NEXT_MENTION.sub(r"\1<@\2>", mentioned)
        if again == mentioned:
            return again
        mentioned = again


def for_plain(text: str) -> str:
    """Plain words for a plain_text object: Slack shows them as they are (no mentions there)."""
    text = TYPED_MENTION.sub(r"@\1", TYPED_MARKS.sub("", text))
    return MARKS.sub("", BOT_LINK.sub(lambda m: m.group(2), text))


_TRAILING_AT_WORD = re.compile(r"@\w*$")


def cut(text: str, limit: int, pointer: str = "") -> str:
    """`text` in at most `limit` characters: cut with "…" and where to read the rest."""
    if len(text) <= limit:
        return text
    suffix = f"{ELLIPSIS} (cut: see {pointer})" if pointer else ELLIPSIS
    if len(suffix) >= limit:
        suffix = ELLIPSIS
    head = text[: limit - len(suffix)]
    # Never split an entity (&amp;) or a mention (<@U123>): back off to before it.
    amp = head.rfind("&")
    if amp > head.rfind(";"):
        head = head[:amp]
    angle = head.rfind("<")
    if angle > head.rfind(">"):
        head = head[:angle]
    # Nor leave half of an "@U0ALICE01"-like word, which would read as a different user.
    return _TRAILING_AT_WORD.sub("", head) + suffix


def top_text(text: str, pointer: str = HOME, fallback: str = "") -> str:
    """A message's top-level `text`: escaped, mentioned, at most 40,000 characters, never empty."""
    return cut(for_mrkdwn(text), TOP_TEXT_MAX, pointer) or for_mrkdwn(fallback) or "(no text)"
