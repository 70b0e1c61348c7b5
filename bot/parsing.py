"""The `/deploy` command grammar: shlex words in, one typed command out, or a clear error."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from rollout.durations import parse_duration
from rollout.errors import CommanderError

# name: (form, example, what it does)
USAGE: dict[str, tuple[str, str, str]] = {
    "start": (
        "/deploy start <service> <version> [<service> <version> ...] [--hotfix] [--major]"
        ' [--commander @user] [--force "why"] [--commit-time <when>]',
        "/deploy start api 3.1.0 web 2.4.0",
        "start a deploy, or a release train of several in depends_on order",
    ),
    "status": ("/deploy status [service]", "/deploy status api", "deploys in flight"),
    "history": ("/deploy history <service>", "/deploy history api", "the last 10 releases"),
    "who": ("/deploy who", "/deploy who", "the commander now and the next shift"),
    "rollback": (
        "/deploy rollback <service> [version]",
        "/deploy rollback api 1.4.1",
        "return to the previous release, or an earlier rollback-safe one",
    ),
    "handoff": (
        "/deploy handoff @user [service]",
        "/deploy handoff @alice",
        "hand your deploys and the rest of your shift to someone",
    ),
    "freeze": (
        '/deploy freeze <service|all> --until <when> --reason "why" [--takeover]',
        '/deploy freeze all --until 2026-12-26T09:00 --reason "holiday"',
        "stop deploys until a time; --takeover replaces someone else's freeze",
    ),
    "unfreeze": (
        "/deploy unfreeze <service|all> [--takeover]",
        "/deploy unfreeze all",
        "end a freeze; --takeover ends someone else's",
    ),
    "notice": (
        '/deploy notice "<text>" [--at <when>] [--for <duration>]',
        '/deploy notice "Payments read-only" --at 22:00 --for 30m',
        "post a maintenance notice, and the all-clear when it ends",
    ),
    "why": ("/deploy why [service]", "/deploy why api", "the evidence behind the latest verdicts"),
    "kill": (
        '/deploy kill <flag> [--reason "why"]',
        '/deploy kill new-checkout --reason "5xx on checkout"',
        "turn a change off with its kill switch (a flagd flag)",
    ),
    "unkill": ("/deploy unkill <flag>", "/deploy unkill new-checkout", "turn it back on"),
    "dora": (
        "/deploy dora [service]",
        "/deploy dora api",
        "delivery figures (DORA) for the last 30 days",
    ),
    "drill": (
        "/deploy drill start|inject|pause|resume|hint|end|history …",
        "/deploy drill start error-spike-canary --commander @bob",
        "trainers run simulated incident drills; inject, pause, resume, hint and end act on"
        " your most recent running drill",
    ),
    "help": ("/deploy help", "/deploy help", "this list"),
}
WHEN_FORMS = '"30m" (from now), "14:30" (team time), or "2026-12-24T09:00"'


class CommandError(CommanderError):
    """A malformed command; the message says what was wrong and shows the right form."""

    def __init__(self, problem: str, command: str | None = None) -> None:
        form = f" Usage: `{USAGE[command][0]}`" if command in USAGE else ""
        super().__init__(f"{problem}.{form}")


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
class Drill:
    """`/deploy drill …`: one command of bot.drills.parsing's grammar."""

    command: object


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
)
# The flags of one command: --name value, or --name alone (True).
Flags = dict[str, str | bool]

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_FLAGS_WITH_VALUE = {
    "--commander",
    "--force",
    "--until",
    "--reason",
    "--at",
    "--for",
    "--commit-time",
}


def parse_command(text: str, now: datetime, tz: ZoneInfo) -> Command:
    """Parse the text after `/deploy`; `now` and `tz` resolve times such as "14:30"."""
    words = _split(text)
    if not words or words[0].lower() == "help":
        return Help()
    name, rest = words[0].lower(), words[1:]
    if name == "drill":  # its own grammar; imported here, as it builds on this module
        from bot.drills.parsing import parse_drill

        return Drill(parse_drill(rest))
    if name not in _PARSERS:
        raise CommandError(f'unknown command "{words[0]}"; try `/deploy help`')
    positional, flags = _options(rest, name)
    return _PARSERS[name](positional, flags, now, tz)


def _split(text: str) -> list[str]:
    normalized = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    try:
        return shlex.split(normalized)
    except ValueError as exc:
        raise CommandError(f"could not read the command ({exc}): close every quote") from None


def _options(words: list[str], name: str) -> tuple[list[str], Flags]:
    positional: list[str] = []
    flags: Flags = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--"):
            if word in _FLAGS_WITH_VALUE:
                if i + 1 >= len(words) or words[i + 1].startswith("--"):
                    raise CommandError(f"{word} needs a value", name)
                flags[word] = words[i + 1]
                i += 2
                continue
            flags[word] = True
        else:
            positional.append(word)
        i += 1
    return positional, flags


def _allow(flags: Flags, name: str, allowed: set[str]) -> None:
    unknown = sorted(set(flags) - allowed)
    if unknown:
        raise CommandError(f"`/deploy {name}` does not take {', '.join(unknown)}", name)


def _count(positional: list[str], name: str, least: int, most: int, what: str) -> None:
    if not least <= len(positional) <= most:
        raise CommandError(f"`/deploy {name}` needs {what}", name)


def user_id(word: str, command: str) -> str:
    """A Slack user id from "<@U123|name>", "<@U123>", "@U123" or "U123"."""
    match = _USER.match(word)
    if not match:
        raise CommandError(f'"{word}" is not a user: mention them, like @alice', command)
    return match.group(1) or match.group(2)


def _name(word: str, command: str, what: str = "service") -> str:
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


def _start(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Start | StartTrain:
    _allow(flags, "start", {"--hotfix", "--major", "--commander", "--force", "--commit-time"})
    commit_time = _commit_time(flags, now, tz)
    if len(pos) > 2:
        return _train(pos, flags, commit_time)
    _count(pos, "start", 2, 2, "a service and a version")
    force = str(flags.get("--force", "")).strip()
    if "--force" in flags and not force:
        raise CommandError("--force needs a reason", "start")
    commander = flags.get("--commander")
    return Start(
        service=_name(pos[0], "start"),
        version=_name(pos[1], "start", "version"),
        hotfix=bool(flags.get("--hotfix")),
        major=bool(flags.get("--major")),
        commander=user_id(str(commander), "start") if commander else None,
        force=force or None,
        commit_time=commit_time,
    )


def _commit_time(flags: Flags, now: datetime, tz: ZoneInfo) -> datetime | None:
    if "--commit-time" not in flags:
        return None
    raw = str(flags["--commit-time"])
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(
            f'cannot read the commit time "{raw}": use ISO 8601, e.g. 2026-11-28T10:15Z', "start"
        ) from None
    moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment
    if moment > now:
        raise CommandError("--commit-time is in the future", "start")
    return moment


def _train(pos: list[str], flags: Flags, commit_time: datetime | None) -> StartTrain:
    if len(pos) % 2:
        raise CommandError("a release train needs a version after every service", "start")
    if set(flags) - {"--commit-time"}:
        raise CommandError("a release train takes only --commit-time", "start")
    cars = tuple(
        (_name(pos[i], "start"), _name(pos[i + 1], "start", "version"))
        for i in range(0, len(pos), 2)
    )
    services = [service for service, _ in cars]
    repeated = sorted({s for s in services if services.count(s) > 1})
    if repeated:
        raise CommandError(f"a train names each service once, repeated: {', '.join(repeated)}")
    return StartTrain(cars, commit_time)


def _status(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Status:
    _allow(flags, "status", set())
    _count(pos, "status", 0, 1, "at most one service")
    return Status(_name(pos[0], "status") if pos else None)


def _history(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> History:
    _allow(flags, "history", set())
    _count(pos, "history", 1, 1, "a service")
    return History(_name(pos[0], "history"))


def _who(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Who:
    _allow(flags, "who", set())
    _count(pos, "who", 0, 0, "no arguments")
    return Who()


def _rollback(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> RollbackService:
    _allow(flags, "rollback", set())
    _count(pos, "rollback", 1, 2, "a service and optionally a version")
    version = _name(pos[1], "rollback", "version") if len(pos) > 1 else None
    return RollbackService(_name(pos[0], "rollback"), version)


def _handoff(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> HandoffTo:
    _allow(flags, "handoff", set())
    _count(pos, "handoff", 1, 2, "a user to hand over to")
    service = _name(pos[1], "handoff") if len(pos) > 1 else None
    return HandoffTo(user_id(pos[0], "handoff"), service)


def _freeze(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> FreezeService:
    _allow(flags, "freeze", {"--until", "--reason", "--takeover"})
    _count(pos, "freeze", 1, 1, 'a service or "all"')
    if "--until" not in flags or "--reason" not in flags:
        raise CommandError("a freeze needs --until and --reason", "freeze")
    until = parse_when(str(flags["--until"]), now, tz, "freeze")
    if until <= now:
        raise CommandError("--until must be in the future", "freeze")
    reason = str(flags["--reason"]).strip()
    if not reason:
        raise CommandError("--reason cannot be empty", "freeze")
    return FreezeService(_name(pos[0], "freeze"), until, reason, bool(flags.get("--takeover")))


def _unfreeze(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Unfreeze:
    _allow(flags, "unfreeze", {"--takeover"})
    _count(pos, "unfreeze", 1, 1, 'a service or "all"')
    return Unfreeze(_name(pos[0], "unfreeze"), bool(flags.get("--takeover")))


def _notice(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Notice:
    _allow(flags, "notice", {"--at", "--for"})
    _count(pos, "notice", 1, 1, "the notice text in quotes")
    text = pos[0].strip()
    if not text:
        raise CommandError("the notice text is empty", "notice")
    at = parse_when(str(flags["--at"]), now, tz, "notice") if "--at" in flags else None
    duration = None
    if "--for" in flags:
        try:
            duration = parse_duration(str(flags["--for"]))
        except ValueError as exc:
            raise CommandError(f"--for: {exc}", "notice") from None
    return Notice(text, at, duration)


def _why(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Why:
    _allow(flags, "why", set())
    _count(pos, "why", 0, 1, "at most one service")
    return Why(_name(pos[0], "why") if pos else None)


def _kill(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Kill:
    _allow(flags, "kill", {"--reason"})
    _count(pos, "kill", 1, 1, "one flag")
    reason = str(flags.get("--reason", "")).strip()
    return Kill(_name(pos[0], "kill", "flag"), True, reason)


def _unkill(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Kill:
    _allow(flags, "unkill", {"--reason"})
    _count(pos, "unkill", 1, 1, "one flag")
    reason = str(flags.get("--reason", "")).strip()
    return Kill(_name(pos[0], "unkill", "flag"), False, reason)


def _dora(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Dora:
    _allow(flags, "dora", set())
    _count(pos, "dora", 0, 1, "at most one service")
    return Dora(_name(pos[0], "dora") if pos else None)


_PARSERS = {
    "start": _start,
    "status": _status,
    "history": _history,
    "who": _who,
    "rollback": _rollback,
    "handoff": _handoff,
    "freeze": _freeze,
    "unfreeze": _unfreeze,
    "notice": _notice,
    "why": _why,
    "kill": _kill,
    "unkill": _unkill,
    "dora": _dora,
}
