"""Messages in a deploy's thread: a stage with its checklist and buttons, questions, lines."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks import Blocks, button_value
from bot.blocks.kit import Block, actions, button, section
from rollout import wording
from rollout.config import ChecklistStage, DeployStage, TeamConfig, TrafficStage
from rollout.state import DeployState

ITEM_BLOCK = "checklist-item-"


def _controls(state: DeployState, names: Sequence[str]) -> Block:
    value = button_value(state.id, state.stage_index)
    known = {
        "confirm": ("Confirm", "primary"),
        "hold": ("Hold", None),
        "resume": ("Resume", "primary"),
        "rollback": ("Roll back", "danger"),
        "healthy": ("Healthy", "primary"),
        "faulty": ("Faulty", "danger"),
        "why": ("Why?", None),
    }
    return actions([button(known[n][0], n, value, known[n][1]) for n in names])


def _lines(lines: Sequence[str]) -> list[Block]:
    text = "\n".join(lines)
    return [section(text)] if text else []


def describe_stage(state: DeployState, config: TeamConfig) -> str:
    """e.g. "Stage 4/9 · canary: 2% of all users, bake 10 min"."""
    stages = config.plan_named(state.plan_name).stages
    stage = stages[state.stage_index]
    head = f"*Stage {state.stage_index + 1}/{len(stages)} · {stage.name}*"
    if isinstance(stage, TrafficStage):
        bake = wording.duration(stage.bake)
        return f"{head}: {stage.percent:g}% of {stage.audience} traffic, bake {bake}"
    if isinstance(stage, DeployStage):
        return f"{head}: deploy to {stage.environment}, smoke test {stage.smoke_test or 'none'}"
    return f"{head}: checklist"


def stage_message(
    state: DeployState, config: TeamConfig, lines: Sequence[str]
) -> tuple[str, Blocks]:
    """A stage as it begins: what it does, its checklist to tick, and Confirm/Hold/Roll back."""
    stage = config.plan_named(state.plan_name).stages[state.stage_index]
    head = describe_stage(state, config)
    blocks: list[Block] = _lines([head, *lines])
    if isinstance(stage, ChecklistStage):
        blocks.extend(_item(state, k, item) for k, item in enumerate(stage.items))
    blocks.append(_controls(state, ("confirm", "hold", "rollback")))
    return _plain(head, lines), blocks


def _item(state: DeployState, k: int, item: str) -> Block:
    """A checklist item: ✓ once ticked, else a box and its Tick button."""
    block_id = f"{ITEM_BLOCK}{k}"
    if k in state.checklist_done:
        return section(f"✓ {item}", block_id=block_id)
    return section(
        f":white_square: {item}",
        block_id=block_id,
        accessory=button("Tick", "tick", button_value(state.id, state.stage_index, k)),
    )


def with_ticks(blocks: Blocks, state: DeployState, config: TeamConfig) -> Blocks:
    """A posted stage message with its checklist items redrawn for the state's ticks."""
    stage = config.plan_named(state.plan_name).stages[state.stage_index]
    if not isinstance(stage, ChecklistStage):
        return list(blocks)
    redrawn = []
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        k = int(block_id[len(ITEM_BLOCK) :]) if block_id.startswith(ITEM_BLOCK) else -1
        fresh = 0 <= k < len(stage.items)
        redrawn.append(_item(state, k, stage.items[k]) if fresh else block)
    return redrawn


def ask_message(
    state: DeployState, config: TeamConfig, lines: Sequence[str], reason: str
) -> tuple[str, Blocks]:
    """Ask the commander to go on: Confirm, Hold or Roll back (and Why? once judges spoke)."""
    stage = wording.stage_name(state, config)
    ask = f"@{state.commander} *{stage}*: {reason}. Confirm to go on."
    names = ("confirm", "hold", "rollback", *(("why",) if state.verdicts else ()))
    blocks = [*_lines([*lines, ask]), _controls(state, names)]
    return _plain("", [*lines, ask]), blocks


def held_message(state: DeployState, lines: Sequence[str]) -> tuple[str, Blocks]:
    """A held deploy: Resume or Roll back."""
    names = ("resume", "rollback", *(("why",) if state.verdicts else ()))
    blocks = [*_lines(lines), _controls(state, names)]
    return _plain(f"{state.service} {state.version} is held", lines), blocks


def stabilizing_message(state: DeployState, lines: Sequence[str]) -> tuple[str, Blocks]:
    """At 100%: mark the release Healthy or Faulty."""
    blocks = [*_lines(lines), _controls(state, ("healthy", "faulty"))]
    text = f"{state.service} {state.version} is stabilizing"
    return _plain(text, lines), blocks


def lines_message(
    state: DeployState, lines: Sequence[str], why: bool = False
) -> tuple[str, Blocks]:
    """Plain lines, with a Why? button when they report verdicts."""
    blocks: list[Block] = _lines(lines)
    if why:
        blocks.append(_controls(state, ("why",)))
    return _plain("", lines), blocks


def _plain(head: str, lines: Sequence[str]) -> str:
    return "\n".join(part for part in (head, *lines) if part)
