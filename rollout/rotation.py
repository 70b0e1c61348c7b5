"""Who is deploy commander when: roster shifts, overrides and handoffs.

Roster shifts are consecutive blocks of `rotation.shift` of elapsed time from the epoch, so a
2h shift is 2h even across a DST change. An override wins while it lasts; a handoff gives the
rest of the current shift to someone else. When several apply, the one that began latest wins.
All `Shift` times are UTC, so subtracting them gives elapsed time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from rollout.config import Override, Rotation
from rollout.errors import CommanderError
from rollout.windows import localize, require_aware

Source = Literal["roster", "override", "handoff"]


class NoCommander(CommanderError):
    """Nobody is on the roster and no override covers the time asked about."""


@dataclass(frozen=True)
class Shift:
    """One user's turn as commander, from `start` until `end` (UTC)."""

    user: str
    start: datetime
    end: datetime
    source: Source


def commander_at(
    now: datetime,
    rotation: Rotation,
    tz: ZoneInfo,
    handoffs: Sequence[tuple[datetime, str]] = (),
    roster: Sequence[str] | None = None,
) -> Shift:
    """The shift in force at `now`.

    `roster` replaces `rotation.roster` (e.g. members of a Slack user group). A handoff made
    during a shift lasts until that shift ends; an override that starts later ends it.
    """
    require_aware(now)
    base = _planned_at(now.astimezone(UTC), rotation, tz, roster)
    made = [
        (at, user)
        for at, user in ((localize(at, tz).astimezone(UTC), user) for at, user in handoffs)
        if base.start <= at <= now
    ]
    if not made:
        return base
    at, user = max(made, key=lambda handoff: handoff[0])
    return Shift(user, at, base.end, "handoff")


def next_shift(
    now: datetime,
    rotation: Rotation,
    tz: ZoneInfo,
    handoffs: Sequence[tuple[datetime, str]] = (),
    roster: Sequence[str] | None = None,
) -> Shift:
    """The shift that follows the one in force at `now`."""
    current = commander_at(now, rotation, tz, handoffs, roster)
    return commander_at(current.end, rotation, tz, handoffs, roster)


def shifts_between(
    start: datetime,
    end: datetime,
    rotation: Rotation,
    tz: ZoneInfo,
    roster: Sequence[str] | None = None,
) -> list[Shift]:
    """The planned shifts (roster and overrides) that overlap [start, end), for a schedule."""
    require_aware(start)
    shifts: list[Shift] = []
    moment = start
    while moment < end:
        shifts.append(commander_at(moment, rotation, tz, (), roster))
        moment = shifts[-1].end
    return shifts


def _planned_at(
    now: datetime, rotation: Rotation, tz: ZoneInfo, roster: Sequence[str] | None
) -> Shift:
    """The shift at `now` from the roster and overrides alone; `now` is UTC."""
    overrides = [_in_utc(o, tz) for o in rotation.overrides]
    active = [o for o in overrides if o.start <= now < o.until]
    if active:
        won = max(active, key=lambda o: o.start)
        start, end, user = won.start, won.until, won.user
        source: Source = "override"
        beaten_before = [o.until for o in overrides if o.start > won.start and o.until <= now]
    else:
        start, end, user = _roster_block(now, rotation, tz, roster)
        source = "roster"
        beaten_before = [o.until for o in overrides if o.until <= now]
    start = max([start, *beaten_before])
    end = min([end, *(o.start for o in overrides if now < o.start)])
    return Shift(user, start, end, source)


def _roster_block(
    now: datetime, rotation: Rotation, tz: ZoneInfo, roster: Sequence[str] | None
) -> tuple[datetime, datetime, str]:
    users = tuple(rotation.roster if roster is None else roster)
    if not users:
        raise NoCommander(
            f"rotation has no roster and no override covers {now.astimezone(tz):%a %b %d %H:%M %Z};"
            " add users to [rotation].roster"
        )
    epoch = localize(rotation.epoch, tz).astimezone(UTC)
    index = (now - epoch) // rotation.shift
    start = epoch + index * rotation.shift
    return start, start + rotation.shift, users[index % len(users)]


def _in_utc(override: Override, tz: ZoneInfo) -> Override:
    return override.model_copy(
        update={
            "start": localize(override.start, tz).astimezone(UTC),
            "until": localize(override.until, tz).astimezone(UTC),
        }
    )
