"""How the core words things for people: durations, statuses, refusals."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rollout.config import TeamConfig
    from rollout.state import DeployState, Exposure


def snake(name: str) -> str:
    """CamelCase to snake_case."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def duration(delta: timedelta) -> str:
    """A short human duration: 45 s, 10 min, 2 h, 1 h 30 min, 14 days."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds < 3600:
        return f"{seconds / 60:g} min"
    if seconds < 86400 * 2:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{seconds / 86400:g} days"


def left(delta: timedelta) -> str:
    """Time remaining, rounded up to what a person cares about: 4 min, 30 s."""
    seconds = max(delta.total_seconds(), 0.0)
    if seconds < 60:
        return f"{math.ceil(seconds)} s"
    if seconds < 7200:
        return f"{math.ceil(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def status(state: DeployState) -> str:
    """The status as words."""
    return state.status.replace("_", " ")


def exposure(value: Exposure) -> str:
    """Where the new version's traffic goes, in words."""
    parts = []
    if value.external or value.internal:
        if value.internal == value.external:
            parts.append(f"{value.external:g}% of all users")
        else:
            parts.append(f"{value.internal:g}% of employees, {value.external:g}% of customers")
    if value.mirror:
        parts.append(f"{value.mirror:g}% mirrored as dark traffic")
    return ", ".join(parts) or "no user traffic"


def stage_name(state: DeployState, config: TeamConfig, index: int | None = None) -> str:
    """The name of a stage in the deploy's plan."""
    stages = config.plan_named(state.plan_name).stages
    index = state.stage_index if index is None else index
    return stages[index].name if 0 <= index < len(stages) else f"stage {index + 1}"


def stale(state: DeployState, clicked: int, config: TeamConfig) -> str:
    """Why a click on another stage's button does nothing."""
    now_at = stage_name(state, config)
    if clicked < state.stage_index:
        past = stage_name(state, config, clicked)
        return f"that button is stale: {past} is already past (now at {now_at})"
    return f"that stage has not started yet (now at {now_at})"


def where(state: DeployState, config: TeamConfig) -> str:
    """A one-line summary of where a deploy stands."""
    stage = stage_name(state, config)
    phase = (state.phase or state.status).replace("_", " ")
    return f"{state.service} {state.version}: stage {stage} ({phase}), {exposure(state.exposure)}."
