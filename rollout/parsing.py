"""Turn TOML text into a validated model, with errors that name the file and key path."""

from __future__ import annotations

import difflib
import json
import tomllib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from rollout.config import TeamConfig
from rollout.durations import FROM_FILE
from rollout.errors import ConfigError, InvalidAt

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
        "one_sample",
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


TYPE_WORDS = {
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "text in quotes",
}


def shown_input(got: Any) -> str:
    """The offending value as the user wrote it, shortened; tables and arrays are not dumped."""
    if isinstance(got, dict):
        return "a table"
    if isinstance(got, list | tuple):
        return "an array"
    text = f'"{got}"' if isinstance(got, str) else repr(got)
    return text if len(text) <= 60 else text[:57] + "..."


def expectation(
    error: Any, reference: str = "commander config reference", keys: list[str] | None = None
) -> str:
    """What a pydantic error expected, in words, with what was given."""
    kind, ctx, got = error["type"], error.get("ctx") or {}, error.get("input")
    shown = shown_input(got)
    bounds = {k: ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx}
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return f"expected a number {_range_words(bounds)}, got {shown}"
    if kind in TYPE_WORDS:
        quoted = (
            " (numbers and booleans are written without quotes)" if isinstance(got, str) else ""
        )
        return f"expected {TYPE_WORDS[kind]}, got {shown}{quoted}"
    if kind == "extra_forbidden" and keys:
        close = difflib.get_close_matches(str(error["loc"][-1]), keys, n=1)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        return f"unknown key ({hint}keys here: {', '.join(keys)})"
    if kind == "extra_forbidden":
        return f"unknown key (check the spelling; `{reference}` lists every key)"
    if isinstance(ctx.get("error"), InvalidAt):
        return str(ctx["error"])
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return f'expected kind to be one of {ctx.get("expected_tags")}, got "{ctx.get("tag")}"'
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}, got {shown}"
    message = str(error["msg"]).removeprefix("Value error, ")
    message = f"{message[0].lower()}{message[1:]}"
    if "got" in message or isinstance(got, dict | list | tuple):
        return message  # a whole table's check: its message says what is wrong
    return f"{message}, got {shown}"


def _range_words(bounds: dict[str, Any]) -> str:
    lo = bounds.get("ge", bounds.get("gt"))
    hi = bounds.get("le", bounds.get("lt"))
    if lo is not None and hi is not None:
        return f"from {lo:g} to {hi:g}"
    if lo is not None:
        return f"{'at least' if 'ge' in bounds else 'above'} {lo:g}"
    return f"{'at most' if 'le' in bounds else 'below'} {hi:g}"


def validate(
    model: type[M],
    data: Any,
    source: str,
    tags: frozenset[str] | set[str] = _UNION_TAGS,
    reference: str = "commander config reference",
) -> M:
    """Validate data a person wrote as the model, raising ConfigError for the first problem.

    `tags` are the discriminator values of the model's unions, left out of key paths.
    """
    try:
        return model.model_validate(data, context={FROM_FILE: True})
    except ValidationError as exc:
        first = exc.errors()[0]
        blamed = (first.get("ctx") or {}).get("error")
        loc = (*first["loc"], *blamed.loc) if isinstance(blamed, InvalidAt) else first["loc"]
        where = key_path(loc, tags)
        keys = keys_at(model, loc) if first["type"] == "extra_forbidden" else None
        raise ConfigError(f"{source}: {where}: {expectation(first, reference, keys)}") from None


def keys_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str] | None:
    """The keys allowed in the table that holds `loc`'s last key, from the model's schema."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})

    def table(node: dict[str, Any]) -> dict[str, Any]:
        branches = [b for b in node.get("anyOf", []) if b.get("type") != "null"]
        node = branches[0] if len(branches) == 1 else node
        return dict(defs[node["$ref"].rsplit("/", 1)[-1]]) if "$ref" in node else node

    node, parts = table(schema), list(loc[:-1])
    while parts:
        part = parts.pop(0)
        if isinstance(part, int):
            node = table(node.get("items", {}))
            mapping = node.get("discriminator", {}).get("mapping", {})
            if parts and parts[0] in mapping:
                node = table({"$ref": mapping[parts.pop(0)]})
        elif part in node.get("properties", {}):
            node = table(node["properties"][part])
        elif isinstance(node.get("additionalProperties"), dict):
            node = table(node["additionalProperties"])
        else:
            return None
    return list(node.get("properties", {})) or None


def decode(data: str | bytes, source: str) -> str:
    """The text of a file's bytes, or a ConfigError when it is not UTF-8 text."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{source}: not a text file (not UTF-8 at byte {exc.start}); expected TOML text"
        ) from None


def parse_toml(
    text: str | bytes,
    source: str,
    model: type[M],
    tags: frozenset[str] | set[str] = _UNION_TAGS,
    reference: str = "commander config reference",
) -> M:
    """Parse TOML text (or a file's bytes) as the model, naming the source in any error."""
    try:
        data = tomllib.loads(decode(text, source))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    return validate(model, data, source, tags, reference)


def parse_config(text: str | bytes, source: str = "commander.toml") -> TeamConfig:
    """Parse a team config."""
    return parse_toml(text, source, TeamConfig)


def json_list(text: str, source: str, what: str) -> list[Any]:
    """A JSON list from a file's text; anything else names the source and what was expected."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}: not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, list):
        raise ConfigError(f"{source}: expected a JSON list of {what}, got {type(data).__name__}")
    return data
