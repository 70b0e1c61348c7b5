"""Write a team config with a tuned point's settings, keeping the rest of the file as it was.

The file is patched table by table: the judges are rewritten, each tuned stage's `bake`
and the policy's `evaluate_every` (and the stabilization, when tuned) are set in place;
comments and every other table stay. The text is checked to load back as exactly the
tuned config before anyone can use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from rollout.config import TeamConfig, TrafficStage
from rollout.durations import format_duration
from rollout.errors import CommanderError, ConfigError
from rollout.parsing import parse_config

Block = list[str]  # a TOML table: its header line (none for the preamble), then its lines
HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\"-]+)\s*\]\]?")


def toml_value(value: Any) -> str:
    """A JSON-mode value as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return repr(value)


def judge_tables(config: TeamConfig, note: str) -> Block:
    """The policy's judges as [[policy.judges]] tables (non-default keys only)."""
    lines = [f"# {note}"]
    for judge in config.policy.judges:
        data = judge.model_dump(mode="json", exclude_defaults=True)
        data = {"kind": judge.kind, "mode": judge.mode, **data}
        lines += ["[[policy.judges]]", *(f"{k} = {toml_value(v)}" for k, v in data.items()), ""]
    return lines


def blocks_of(text: str) -> list[Block]:
    """The file cut before every table header."""
    blocks: list[Block] = [[]]
    for line in text.splitlines():
        if HEADER.match(line):
            blocks.append([])
        blocks[-1].append(line)
    return blocks


def header(block: Block) -> str:
    """The table a block opens ("" for the preamble)."""
    match = HEADER.match(block[0]) if block else None
    return match.group(1) if match and block[0].lstrip().startswith("[") else ""


def set_key(block: Block, key: str, value: str) -> Block:
    """The block with `key = value` set in place (keeping a comment after it), or added."""
    pattern = re.compile(rf'^(\s*{re.escape(key)}\s*=\s*)("[^"]*"|[^#\s]+)(\s*#.*)?$')
    found = [pattern.match(line) for line in block]
    if not any(found):
        return [block[0], f"{key} = {value}", *block[1:]]
    return [
        line if m is None else f"{m.group(1)}{value}{m.group(3) or ''}"
        for line, m in zip(block, found, strict=True)
    ]


def stage_name(block: Block) -> str | None:
    """The name = "…" of a [[plan.stages]] block."""
    for line in block:
        match = re.match(r'^\s*name\s*=\s*"([^"]*)"', line)
        if match:
            return match.group(1)
    return None


def patched(text: str, tuned: TeamConfig, note: str) -> str:
    """The file's text with the tuned config's judges, bakes, interval and stabilization."""
    bakes = {s.name: s.bake for s in tuned.plan.stages if isinstance(s, TrafficStage)}
    every = toml_value(format_duration(tuned.policy.evaluate_every))
    minor = toml_value(format_duration(tuned.team.stabilization.minor))
    edits: dict[str, Callable[[Block], Block]] = {
        "policy": lambda b: set_key(b, "evaluate_every", every),
        "team.stabilization": lambda b: set_key(b, "minor", minor),
        "plan.stages": lambda b: (
            set_key(b, "bake", toml_value(format_duration(bakes[name])))
            if (name := stage_name(b)) in bakes
            else b
        ),
    }
    out: list[str] = []
    judges_written = False
    blocks = blocks_of(text)
    seen = {header(b) for b in blocks}
    for block in blocks:
        table = header(block)
        if table == "policy.judges":
            if not judges_written:
                out += judge_tables(tuned, note)
                judges_written = True
            continue
        out += edits[table](block) if table in edits else block
    missing = [("policy", f"evaluate_every = {every}"), ("team.stabilization", f"minor = {minor}")]
    for table, line in missing:
        if table not in seen:
            out += ["", f"[{table}]", line]
    if not judges_written:
        out += ["", *judge_tables(tuned, note)]
    return "\n".join(out).rstrip("\n") + "\n"


def tuned_text(text: str, tuned: TeamConfig, note: str, name: str) -> str:
    """The patched file, checked to load back (as config check does) as the tuned config."""
    out = patched(text, tuned, note)
    try:
        loaded = parse_config(out.encode(), name)
    except ConfigError as exc:
        raise CommanderError(f"the tuned {name} would not pass config check: {exc}") from None
    if loaded.model_dump() != tuned.model_dump():
        raise CommanderError(
            f"cannot write the tuned settings into {name} in place (is the plan built in?)"
        )
    return out
