"""The root card: one message per deploy, updated in place as it moves."""

from __future__ import annotations

from bot.blocks import Blocks
from bot.blocks.kit import context, header, section
from rollout import wording
from rollout.config import TeamConfig
from rollout.state import DeployState

STATUS_EMOJI = {
    "created": ":hourglass:",
    "running": ":arrow_forward:",
    "held": ":double_vertical_bar:",
    "stabilizing": ":eyes:",
    "completed": ":white_check_mark:",
    "rolled_back": ":rewind:",
    "aborted": ":x:",
}


def card_text(state: DeployState, config: TeamConfig) -> str:
    """The card's plain-text fallback: service, version, status and stage."""
    return ("DRILL · " if state.drill else "") + (
        f"{state.service} {state.version}: {wording.status(state)}"
        f" · {wording.stage_name(state, config)}"
    )


def progress_line(state: DeployState, config: TeamConfig) -> str:
    """Every stage of the plan, marked done, current or to come."""
    stages = config.plan_named(state.plan_name).stages
    marks = []
    for index, stage in enumerate(stages):
        done = index < state.stage_index or state.status in ("stabilizing", "completed")
        if done:
            marks.append(f"~{stage.name}~ :white_check_mark:")
        elif index == state.stage_index and not state.finished:
            marks.append(f"*{stage.name}* {STATUS_EMOJI[state.status]}")
        else:
            marks.append(stage.name)
    return " → ".join(marks)


def card(state: DeployState, config: TeamConfig, train: str | None = None) -> tuple[str, Blocks]:
    """The summary card: service, versions, commander, current stage and progress (and the
    release train it rides, linking the other cards)."""
    stage = wording.stage_name(state, config)
    fields = [
        f"*Service*\n{state.service}",
        f"*Version*\n{state.version}",
        f"*Previous*\n{state.previous_version or '—'}",
        f"*Commander*\n@{state.commander}",
        f"*Stage*\n{stage}",
        f"*Status*\n{STATUS_EMOJI[state.status]} {wording.status(state)}",
    ]
    notes = [f"Traffic: {wording.exposure(state.exposure)}"]
    if state.hold_reason:
        notes.append(f"Held: {state.hold_reason}")
    if state.forced_reason:
        notes.append(f":warning: Forced: {state.forced_reason}")
    if state.rollback_target is not None or state.status == "rolled_back":
        notes.append(f"Rolled back to {state.rollback_target or 'nothing'}")
    blocks = [
        header(f"{'DRILL · ' if state.drill else ''}{state.service} {state.version}"),
        section(fields=fields),
        context(progress_line(state, config)),
        context(" · ".join(notes)),
        *([context(train)] if train else []),
    ]
    return card_text(state, config), blocks
