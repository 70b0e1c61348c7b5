"""The `/deploy drill …` grammar: words in, one typed drill command out, or a clear error."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from bot.grammar.usage import CommandError
from bot.grammar.words import user_id

USAGE = {
    "start": "/deploy drill start <scenario> [--seed N] [--speed X] [--commander @user]"
    " [--policy advise|team]",
    "inject": "/deploy drill inject <fault-kind> [key=value …]",
    "pause": "/deploy drill pause",
    "resume": "/deploy drill resume",
    "hint": "/deploy drill hint",
    "end": "/deploy drill end",
    "history": "/deploy drill history [@user]",
}
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


DrillCommand = DrillStart | DrillInject | DrillControl | DrillHistory


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
    raise DrillCommandError(f'unknown drill command "{words[0]}"; one of: {", ".join(USAGE)}')


def _user(word: str, sub: str) -> str:
    """A user id, or an error that shows this drill command's usage (not /deploy's)."""
    try:
        return user_id(word, sub)
    except CommandError:
        raise DrillCommandError(f'"{word}" is not a user: mention them, like @alice', sub) from None


def _start(words: list[str]) -> DrillStart:
    positional, flags = _flags(words, {"--seed", "--speed", "--commander", "--policy"}, "start")
    if len(positional) != 1:
        raise DrillCommandError("`/deploy drill start` needs one scenario name", "start")
    policy = flags.get("--policy", "advise")
    if policy not in POLICIES:
        raise DrillCommandError(f'--policy: expected "advise" or "team", got "{policy}"', "start")
    return DrillStart(
        scenario=positional[0],
        seed=_number(flags, "--seed", int, low=0) if "--seed" in flags else None,
        speed=_number(flags, "--speed", float, low=0.1, high=600) if "--speed" in flags else None,
        commander=_user(flags["--commander"], "start") if "--commander" in flags else None,
        policy=policy,
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
