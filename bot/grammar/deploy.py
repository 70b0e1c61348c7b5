"""The `/deploy` command grammar: shlex words in, one typed command out, or a clear error."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.grammar.commands import (
    Command,
    Dora,
    Drill,
    FreezeService,
    HandoffTo,
    Help,
    History,
    Kill,
    Notice,
    Policy,
    RollbackService,
    Start,
    StartTrain,
    Status,
    Unfreeze,
    Who,
    Why,
)
from bot.grammar.drill import parse_drill
from bot.grammar.usage import CommandError
from bot.grammar.words import parse_when, split_words, user_id, valid_name
from rollout.durations import parse_duration

# The flags of one command: --name value, or --name alone (True).
Flags = dict[str, str | bool]

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
    words = split_words(text)
    if not words or words[0].lower() == "help":
        return Help()
    name, rest = words[0].lower(), words[1:]
    if name == "drill":
        return Drill(parse_drill(rest))
    if name not in _PARSERS:
        raise CommandError(f'unknown command "{words[0]}"; try `/deploy help`')
    positional, flags = _options(rest, name)
    return _PARSERS[name](positional, flags, now, tz)


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


def _start(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Start | StartTrain:
    _allow(flags, "start", {"--hotfix", "--major", "--commander", "--force", "--commit-time"})
    commit_time = _commit_time(flags, now, tz)
    force = str(flags.get("--force", "")).strip()
    if "--force" in flags and not force:
        raise CommandError("--force needs a reason", "start")
    if len(pos) > 2:
        return _train(pos, flags, commit_time, force or None)
    _count(pos, "start", 2, 2, "a service and a version")
    commander = flags.get("--commander")
    return Start(
        service=valid_name(pos[0], "start"),
        version=valid_name(pos[1], "start", "version"),
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


def _train(
    pos: list[str], flags: Flags, commit_time: datetime | None, force: str | None
) -> StartTrain:
    if len(pos) % 2:
        raise CommandError("a release train needs a version after every service", "train")
    if set(flags) - {"--commit-time", "--force"}:
        raise CommandError("a release train takes only --force and --commit-time", "train")
    cars = tuple(
        (valid_name(pos[i], "start"), valid_name(pos[i + 1], "start", "version"))
        for i in range(0, len(pos), 2)
    )
    services = [service for service, _ in cars]
    repeated = sorted({s for s in services if services.count(s) > 1})
    if repeated:
        raise CommandError(f"a train names each service once, repeated: {', '.join(repeated)}")
    return StartTrain(cars, commit_time, force)


def _status(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Status:
    _allow(flags, "status", set())
    _count(pos, "status", 0, 1, "at most one service")
    return Status(valid_name(pos[0], "status") if pos else None)


def _history(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> History:
    _allow(flags, "history", set())
    _count(pos, "history", 1, 1, "a service")
    return History(valid_name(pos[0], "history"))


def _who(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Who:
    _allow(flags, "who", set())
    _count(pos, "who", 0, 0, "no arguments")
    return Who()


def _rollback(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> RollbackService:
    _allow(flags, "rollback", set())
    _count(pos, "rollback", 1, 2, "a service and optionally a version")
    version = valid_name(pos[1], "rollback", "version") if len(pos) > 1 else None
    return RollbackService(valid_name(pos[0], "rollback"), version)


def _handoff(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> HandoffTo:
    _allow(flags, "handoff", set())
    _count(pos, "handoff", 1, 2, "a user to hand over to")
    service = valid_name(pos[1], "handoff") if len(pos) > 1 else None
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
    return FreezeService(valid_name(pos[0], "freeze"), until, reason, bool(flags.get("--takeover")))


def _unfreeze(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Unfreeze:
    _allow(flags, "unfreeze", {"--takeover"})
    _count(pos, "unfreeze", 1, 1, 'a service or "all"')
    return Unfreeze(valid_name(pos[0], "unfreeze"), bool(flags.get("--takeover")))


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
        if duration <= timedelta(0):
            raise CommandError("--for must be longer than 0s, e.g. 30m", "notice")
    return Notice(text, at, duration)


def _why(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Why:
    _allow(flags, "why", set())
    _count(pos, "why", 0, 1, "at most one service")
    return Why(valid_name(pos[0], "why") if pos else None)


def _kill(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Kill:
    _allow(flags, "kill", {"--reason"})
    _count(pos, "kill", 1, 1, "one flag")
    reason = str(flags.get("--reason", "")).strip()
    return Kill(valid_name(pos[0], "kill", "flag"), True, reason)


def _unkill(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Kill:
    _allow(flags, "unkill", {"--reason"})
    _count(pos, "unkill", 1, 1, "one flag")
    reason = str(flags.get("--reason", "")).strip()
    return Kill(valid_name(pos[0], "unkill", "flag"), False, reason)


def _dora(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Dora:
    _allow(flags, "dora", set())
    _count(pos, "dora", 0, 1, "at most one service")
    return Dora(valid_name(pos[0], "dora") if pos else None)


def _policy(pos: list[str], flags: Flags, now: datetime, tz: ZoneInfo) -> Policy:
    _allow(flags, "policy", set())
    _count(pos, "policy", 0, 0, "no arguments")
    return Policy()


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
    "policy": _policy,
}
