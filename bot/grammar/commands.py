"""The typed `/deploy` commands: what the grammar hands the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.grammar.drill import DrillCommand


@dataclass(frozen=True)
class Help:
    """List every command."""


@dataclass(frozen=True)
class Start:
    service: str
    version: str
    hotfix: bool = False
    major: bool = False
    commander: str | None = None
    force: str | None = None
    commit_time: datetime | None = None  # when the change was committed, for lead time
    train: str | None = None  # the release train this deploy belongs to


@dataclass(frozen=True)
class StartTrain:
    """Several services, run in depends_on order in one thread."""

    cars: tuple[tuple[str, str], ...]  # (service, version), as typed
    commit_time: datetime | None = None
    force: str | None = None  # an admin starts every car past windows and freezes: why


@dataclass(frozen=True)
class Kill:
    """Turn a kill switch off (`off`) or back on."""

    flag: str
    off: bool = True
    reason: str = ""


@dataclass(frozen=True)
class Dora:
    service: str | None = None


@dataclass(frozen=True)
class Status:
    service: str | None = None


@dataclass(frozen=True)
class History:
    service: str


@dataclass(frozen=True)
class Who:
    """Who commands now, and next."""


@dataclass(frozen=True)
class RollbackService:
    service: str
    version: str | None = None


@dataclass(frozen=True)
class HandoffTo:
    to: str
    service: str | None = None


@dataclass(frozen=True)
class FreezeService:
    target: str
    until: datetime
    reason: str
    takeover: bool = False


@dataclass(frozen=True)
class Unfreeze:
    target: str
    takeover: bool = False


@dataclass(frozen=True)
class Notice:
    text: str
    at: datetime | None = None
    duration: timedelta | None = None


@dataclass(frozen=True)
class Why:
    service: str | None = None


@dataclass(frozen=True)
class Policy:
    """The team policy's last validation and its place on the last tuned front."""


@dataclass(frozen=True)
class Drill:
    """`/deploy drill …`: one command of the drill grammar."""

    command: DrillCommand


Command = (
    Help
    | Drill
    | Start
    | Status
    | History
    | Who
    | RollbackService
    | HandoffTo
    | FreezeService
    | Unfreeze
    | Notice
    | Why
    | StartTrain
    | Kill
    | Dora
    | Policy
)


def services_named(cmd: Command) -> tuple[str, ...]:
    """The service names a person typed in the command ("all" is not a service; `status` may
    name a deploy id instead, and checks its own word)."""
    match cmd:
        case StartTrain():
            return tuple(service for service, _ in cmd.cars)
        case Start() | History() | RollbackService():
            return (cmd.service,)
        case Why() | Dora() | HandoffTo():
            return (cmd.service,) if cmd.service else ()
        case FreezeService() | Unfreeze():
            return () if cmd.target == "all" else (cmd.target,)
        case _:
            return ()
