"""The "Turn off <flag>" offer: posted when a judge fails a release that is not rollback-safe."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.blocks import Blocks, kit
from rollout import events as ev
from rollout.config import TeamConfig
from rollout.state import DeployState

ACTION_ID = "kill_switch"


def kill_value(deploy_id: str, stage: int, flag: str) -> str:
    """The button's JSON value: the deploy, its stage and the flag to turn off."""
    return json.dumps({"deploy": deploy_id, "stage": stage, "flag": flag}, separators=(",", ":"))


def judge_failed(actions: Sequence[ev.Action]) -> bool:
    """True when a gating judge (recommend or act) failed in these actions."""
    return any(
        isinstance(a, ev.Audit)
        and a.kind == "judge_verdict"
        and a.evidence.get("outcome") == "fail"
        and a.evidence.get("mode") != "observe"
        for a in actions
    )


def offer(
    state: DeployState, actions: Sequence[ev.Action], config: TeamConfig
) -> tuple[str, Blocks] | None:
    """Turn-off buttons for the service's kill switches, when rolling back is not safe."""
    service = config.service(state.service)
    safe = service.rollback_safe and state.previous_rollback_safe
    if safe or not service.kill_switches or not judge_failed(actions):
        return None
    unsafe = state.service
    if not state.previous_rollback_safe:
        unsafe = f"{state.service} {state.previous_version}"
    text = (
        f"@{state.commander} {unsafe} is not rollback-safe: turn the change off with "
        "its kill switch instead."
    )
    buttons = [
        kit.button(
            f"Turn off {flag}",
            f"{ACTION_ID}:{flag}",  # unique within the block
            kill_value(state.id, state.stage_index, flag),
            "danger",
        )
        for flag in service.kill_switches
    ]
    return text, [kit.section(text), kit.actions(buttons)]  # the edge splits more than 25 buttons
