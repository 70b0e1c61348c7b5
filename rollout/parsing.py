"""Turn TOML text into a validated model, with errors that name the file and key path."""

from __future__ import annotations

import tomllib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from rollout.config import TeamConfig
from rollout.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

# Tags pydantic adds to locations inside discriminated unions; they are not keys the user wrote.
# A tag only ever follows a list index, e.g. ("plan", "stages", 3, "traffic", "percent").
STAGE_AND_JUDGE_KINDS = frozenset(
    {
        "checklist",
        "deploy",
        "traffic",
        "sequential",
        "threshold",
        "mann_whitney",
        "zscore",
        "health",
        "latency",
        "new_error",
    }
)
_UNION_TAGS = STAGE_AND_JUDGE_KINDS


def key_path(loc: tuple[int | str, ...], tags: frozenset[str] | set[str] = _UNION_TAGS) -> str:
    """Render a pydantic location as a TOML key path, e.g. plan.stages[3].percent."""
    out = ""
    for previous, part in zip((None, *loc), loc, strict=False):
        if isinstance(part, int):
            out += f"[{part}]"
        elif (isinstance(previous, int) and part in tags) or part.startswith("function-"):
            continue
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def expectation(error: Any) -> str:
    """What a pydantic error expected, in words, with what was given."""
    kind, ctx, got = error["type"], error.get("ctx") or {}, error.get("input")
    shown = f'"{got}"' if isinstance(got, str) else repr(got)
    bounds = {k: ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx}
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return f"expected a number {_range_words(bounds)}, got {shown}"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see the config reference in the README)"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return f'expected kind to be one of {ctx.get("expected_tags")}, got "{ctx.get("tag")}"'
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}, got {shown}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message if "got" in message else f"{message[0].lower()}{message[1:]}, got {shown}"


def _range_words(bounds: dict[str, Any]) -> str:
    lo = bounds.get("ge", bounds.get("gt"))
    hi = bounds.get("le", bounds.get("lt"))
    if lo is not None and hi is not None:
        return f"from {lo:g} to {hi:g}"
    if lo is not None:
        return f"{'at least' if 'ge' in bounds else 'above'} {lo:g}"
    return f"{'at most' if 'le' in bounds else 'below'} {hi:g}"


def validate(
    model: type[M], data: Any, source: str, tags: frozenset[str] | set[str] = _UNION_TAGS
) -> M:
    """Validate data as the model, raising ConfigError for the first problem.

    `tags` are the discriminator values of the model's unions, left out of key paths.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = key_path(first["loc"], tags)
        raise ConfigError(f"{source}: {where}: {expectation(first)}") from None


def parse_toml(
    text: str, source: str, model: type[M], tags: frozenset[str] | set[str] = _UNION_TAGS
) -> M:
    """Parse TOML text as the model, naming the source in any error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    return validate(model, data, source, tags)


def parse_config(text: str, source: str = "commander.toml") -> TeamConfig:
    """Parse a team config."""
    return parse_toml(text, source, TeamConfig)
