"""Words shared by the `/deploy` and drill grammars: quoting, users, names and moments."""

from __future__ import annotations

import re
import shlex
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.grammar.usage import WHEN_FORMS, CommandError
from rollout.durations import parse_duration

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def split_words(text: str) -> list[str]:
    """shlex words, reading typographic quotes as plain ones."""
    normalized = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    try:
        return shlex.split(normalized)
    except ValueError as exc:
        raise CommandError(f"could not read the command ({exc}): close every quote") from None



def user_id(word: str, command: str) -> str:
    """A Slack user id from "<@U123|name>", "<@U123>", "@U123" or "U123"."""
    match = _USER.match(word)
    if not match:
        raise CommandError(f'"{word}" is not a user: mention them, like @alice', command)
    return match.group(1) or match.group(2)


def valid_name(word: str, command: str, what: str = "service") -> str:
    if not _NAME.match(word):
        raise CommandError(f'"{word}" is not a valid {what} name', command)
    return word


def parse_when(text: str, now: datetime, tz: ZoneInfo, command: str) -> datetime:
    """A moment: a duration from now, a local HH:MM (next occurrence) or an ISO date/time."""
    raw = text.strip().removeprefix("in ").strip()
    try:
        return now + parse_duration(raw)
    except ValueError:
        pass
    try:
        clock = time.fromisoformat(raw)
        local_now = now.astimezone(tz)
        moment = datetime.combine(local_now.date(), clock, tzinfo=tz)
        return moment if moment > local_now else moment + timedelta(days=1)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f'cannot read the time "{text}": use {WHEN_FORMS}', command) from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment
