"""The `/deploy drill …` grammar: words in, one typed drill command out, or a clear error."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from bot.grammar.usage import CommandError
from bot.grammar.words import user_id

USAGE = {
    "start": "/deploy drill start <scenario> [--seed N] [--speed X] [--commander @user]"
    " [--policy advise|team] [--reaction-scale X]",
    "inject": "/deploy drill inject <fault-kind> [key=value …]",
    "pause": "/deploy drill pause",
    "resume": "/deploy drill resume",
    "hint": "/deploy drill hint",
    "end": "/deploy drill end",
    "history": "/deploy drill history [@user]",
    "report": "/deploy drill report [@user|@group]",
    "schedule": "/deploy drill schedule <scenario|random> every <weekday> <HH:MM>"
    " --trainees @group | schedule list | schedule cancel <id>",
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_GROUP = re.compile(r"^<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>$|^@?(S[A-Z0-9]{2,})$")
_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
POLICIES = ("advise", "team")


class DrillCommandError(CommandError):
    """A malformed drill command; names the problem and shows the right form."""

    def __init__(self, problem: str, sub: str | None = None) -> None:
        super().__init__(problem)
        if sub in USAGE:
            self.args = (f"{problem}. Usage: `{USAGE[sub]}`",)


@dataclass(frozen=True)
class DrillStart:
    scenario: str
    seed: int | None = None
    speed: float | None = None
    commander: str | None = None
    policy: str = "advise"
    reaction_scale: float = 1.0  # simulated seconds per wall second while a question is open
    from_deploy: str | None = None  # replay this real deploy (scenario is then its id)


@dataclass(frozen=True)
class DrillInject:
    kind: str
    settings: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class DrillControl:
    """pause, resume, hint or end the caller's drill."""

    verb: str


@dataclass(frozen=True)
class DrillHistory:
    user: str | None = None


@dataclass(frozen=True)
class DrillReport:
    """Each trainee's drills over time: one user's, a group's, or everyone's."""

    who: str | None = None


@dataclass(frozen=True)
class DrillScheduleAdd:
    scenario: str  # a scenario name, or "random"
    weekday: int  # 0 = Monday
    at_time: str  # "HH:MM", team time
    trainees: str  # a user group (S…) or a user (U…)


@dataclass(frozen=True)
class DrillScheduleList:
    pass


@dataclass(frozen=True)
class DrillScheduleCancel:
    schedule_id: str


DrillScheduleCommand = DrillScheduleAdd | DrillScheduleList | DrillScheduleCancel
DrillCommand = (
    DrillStart | DrillInject | DrillControl | DrillHistory | DrillReport | DrillScheduleCommand
)


def member_id(word: str, command: str) -> str:
    """A user id (U…) or a user group id (S…) from a mention or a bare id."""
    match = _GROUP.match(word)
    if match:
        return match.group(1) or match.group(2)
    try:
        return user_id(word, command)
    except CommandError:
        raise DrillCommandError(
            f'"{word}" is not a user or a user group: mention one, like @oncall', command
        ) from None


def parse_drill(words: list[str]) -> DrillCommand:
    """Parse the words after `/deploy drill`."""
    if not words:
        forms = "\n".join(f"• `{form}`" for form in USAGE.values())
        raise DrillCommandError(f"`/deploy drill` needs a subcommand:\n{forms}")
    sub, rest = words[0].lower(), words[1:]
    if sub == "start":
        return _start(rest)
    if sub == "inject":
        return _inject(rest)
    if sub in ("pause", "resume", "hint", "end"):
        if rest:
            raise DrillCommandError(f"`/deploy drill {sub}` takes no arguments", sub)
        return DrillControl(sub)
    if sub == "history":
        if len(rest) > 1:
            raise DrillCommandError("`/deploy drill history` takes at most one user", sub)
        return DrillHistory(_user(rest[0], "history") if rest else None)
    if sub == "report":
        if len(rest) > 1:
            raise DrillCommandError("`/deploy drill report` takes at most one user or group", sub)
        return DrillReport(member_id(rest[0], sub) if rest else None)
    if sub == "schedule":
        return _schedule(rest)
    raise DrillCommandError(f'unknown drill command "{words[0]}"; one of: {", ".join(USAGE)}')


def _schedule(words: list[str]) -> DrillScheduleCommand:
    if words[:1] == ["list"] and len(words) == 1:
        return DrillScheduleList()
    if words[:1] == ["cancel"]:
        if len(words) != 2:
            raise DrillCommandError(
                "`/deploy drill schedule cancel` needs one schedule id", "schedule"
            )
        return DrillScheduleCancel(words[1])
    positional, flags = _flags(words, {"--trainees"}, "schedule")
    if len(positional) != 4 or positional[1].lower() != "every":
        raise DrillCommandError(
            "`/deploy drill schedule` needs a scenario, every, a weekday and a time", "schedule"
        )
    scenario, _, day, at = positional
    weekday = next((n for n, name in enumerate(WEEKDAYS) if name.startswith(day.lower())), None)
    if weekday is None or len(day) < 3:
        raise DrillCommandError(f'"{day}" is not a weekday (monday … sunday)', "schedule")
    clock = _HHMM.match(at)
    if clock is None:
        raise DrillCommandError(f'"{at}" is not a time: use HH:MM, like 14:30', "schedule")
    if "--trainees" not in flags:
        raise DrillCommandError("`/deploy drill schedule` needs --trainees @group", "schedule")
    at_time = f"{int(clock.group(1)):02d}:{clock.group(2)}"
    return DrillScheduleAdd(scenario, weekday, at_time, member_id(flags["--trainees"], "schedule"))


def _user(word: str, sub: str) -> str:
    """A user id, or an error that shows this drill command's usage (not /deploy's)."""
    try:
        return user_id(word, sub)
    except CommandError:
        raise DrillCommandError(f'"{word}" is not a user: mention them, like @alice', sub) from None


def _start(words: list[str]) -> DrillStart:
    known = {"--seed", "--speed", "--commander", "--policy", "--reaction-scale", "--from-deploy"}
    positional, flags = _flags(words, known, "start")
    from_deploy = flags.get("--from-deploy")
    if from_deploy is not None and not positional:
        positional = [from_deploy]
    elif len(positional) != 1 or from_deploy is not None:
        raise DrillCommandError(
            "`/deploy drill start` needs one scenario name, or --from-deploy <deploy-id>", "start"
        )
    policy = flags.get("--policy", "advise")
    if policy not in POLICIES:
        raise DrillCommandError(f'--policy: expected "advise" or "team", got "{policy}"', "start")
    return DrillStart(
        scenario=positional[0],
        seed=_number(flags, "--seed", int, low=0) if "--seed" in flags else None,
        speed=_number(flags, "--speed", float, low=0.1, high=600) if "--speed" in flags else None,
        commander=_user(flags["--commander"], "start") if "--commander" in flags else None,
        policy=policy,
        reaction_scale=_number(flags, "--reaction-scale", float, low=0.01, high=600)
        if "--reaction-scale" in flags
        else 1.0,
        from_deploy=from_deploy,
    )


def _inject(words: list[str]) -> DrillInject:
    if not words:
        raise DrillCommandError("`/deploy drill inject` needs a fault kind", "inject")
    settings = []
    for word in words[1:]:
        key, sep, raw = word.partition("=")
        if not sep or not key:
            raise DrillCommandError(f'"{word}" is not key=value', "inject")
        settings.append((key, _value(raw)))
    return DrillInject(words[0], tuple(settings))


def _value(raw: str) -> Any:
    """A TOML value (0.02, true, "30s"), or the bare word as a string (external, 30s)."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _flags(words: list[str], known: set[str], sub: str) -> tuple[list[str], dict[str, str]]:
    positional: list[str] = []
    flags: dict[str, str] = {}
    it = iter(words)
    for word in it:
        if not word.startswith("--"):
            positional.append(word)
            continue
        if word not in known:
            raise DrillCommandError(f"`/deploy drill {sub}` does not take {word}", sub)
        value = next(it, None)
        if value is None or value.startswith("--"):
            raise DrillCommandError(f"{word} needs a value", sub)
        flags[word] = value
    return positional, flags


def _number(
    flags: dict[str, str], flag: str, kind: type[int] | type[float], low: float, high: float = 0
) -> Any:
    raw = flags[flag]
    try:
        value = kind(raw)
    except ValueError:
        raise DrillCommandError(f'{flag}: expected a number, got "{raw}"', "start") from None
    if value < low or (high and value > high):
        bounds = f"from {low:g} to {high:g}" if high else f"of at least {low:g}"
        raise DrillCommandError(f"{flag}: expected a number {bounds}, got {raw}", "start")
    return value
