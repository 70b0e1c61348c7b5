"""Text replies to `/deploy` commands: help, status, history, who, why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.grammar.usage import USAGE
from rollout import wording
from rollout.config import TeamConfig
from rollout.records import EventRecord, ReleaseRecord
from rollout.rotation import Shift
from rollout.state import DeployState


def help_text() -> str:
    """Every command with its form and an example."""
    lines = ["*Deploy Commander* commands:"]
    for form, example, what in USAGE.values():
        lines.append(f"• `{form}`: {what}. Example: `{example}`")
    lines.append(
        "In a deploy thread the commander may type `confirm` (or `go`), `hold`, "
        "`resume` or `rollback`; `hold <reason>`, `rollback <reason>` and `confirm <note>` "
        "record why."
    )
    return "\n".join(lines)


def when(moment: datetime | None, tz: ZoneInfo) -> str:
    """A moment in the team's timezone, e.g. "Jan 2 09:00 PST"."""
    if moment is None:
        return "—"
    local = moment.astimezone(tz)
    return f"{local:%b} {local.day} {local:%H:%M %Z}"


def deploy_line(state: DeployState, config: TeamConfig, now: datetime) -> str:
    """One deploy in flight, in a line."""
    stage = wording.stage_name(state, config)
    phase = (state.phase or state.status).replace("_", " ")
    line = (
        f"• *{state.service} {state.version}*: stage {stage} ({phase}),"
        f" {wording.exposure(state.exposure)}. Commander @{state.commander}"
    )
    if state.status == "held":
        line += f". Held: {state.hold_reason or ''}"
    if state.bake_until is not None and state.phase == "baking":
        line += f". Bake ends in {wording.left(state.bake_until - now)}"
    if state.status == "stabilizing" and state.stabilize_until is not None:
        line += f". Stabilizing for {wording.left(state.stabilize_until - now)}"
    return line


def status_text(
    deploys: Sequence[DeployState],
    config: TeamConfig,
    now: datetime,
    service: str | None,
    whole: bool = False,
) -> str:
    """The deploys in flight (and stabilizing), optionally for one service; `whole` shows one
    named deploy in any status, with its reasons uncut."""
    shown = [d for d in deploys if service is None or d.service == service]
    if not shown:
        return f"No deploys of {service} in flight." if service else "No deploys in flight."
    if whole:
        return "\n".join(deploy_detail(d, config, now) for d in shown)
    return "\n".join(["*Deploys in flight:*", *(deploy_line(d, config, now) for d in shown)])


def deploy_detail(state: DeployState, config: TeamConfig, now: datetime) -> str:
    """One deploy by id: its line, and every reason it carries in full."""
    lines = [f"*{state.id}* ({wording.status(state)})", deploy_line(state, config, now)]
    if state.forced_reason:
        lines.append(f"Forced: {state.forced_reason}")
    return "\n".join(lines)


def history_text(service: str, records: Sequence[ReleaseRecord], tz: ZoneInfo) -> str:
    """The last releases: version, commander, time and outcome."""
    if not records:
        return f"No releases of {service} recorded yet."
    count = "release" if len(records) == 1 else f"{len(records)} releases"
    lines = [f"*Last {count} of {service}:*"]
    for r in records:
        who = f"@{r.commander}" if r.commander else "—"
        lines.append(f"• {r.version}: {outcome(r)}, {who}, {when(r.deployed_at, tz)}")
    return "\n".join(lines)


def outcome(record: ReleaseRecord) -> str:
    """How a release ended; only a completed one can be (not) rollback-safe."""
    words = record.outcome.replace("_", " ")
    if record.outcome == "completed" and not record.rollback_safe:
        return f"{words} (not rollback-safe)"
    return words


def who_text(current: Shift, following: Shift, tz: ZoneInfo) -> str:
    """The commander now and the next shift."""
    how = {"roster": "", "override": " (override)", "handoff": " (handed over)"}
    return (
        f"Deploy commander now: @{current.user}{how[current.source]}"
        f" until {when(current.end, tz)}.\n"
        f"Next: @{following.user} from {when(following.start, tz)} to {when(following.end, tz)}."
    )


def evidence_text(state: DeployState, events: Sequence[EventRecord], config: TeamConfig) -> str:
    """The evidence behind the latest verdict of each judge in the deploy's current stage."""
    latest: dict[str, EventRecord] = {}
    for event in events:
        if event.kind == "judge_verdict" and event.stage == state.stage_index:
            latest[event.reason.split(":", 1)[0]] = event
    where = f"{state.service} {state.version} at {wording.stage_name(state, config)}"
    if not latest:
        return f"No verdicts yet for {where}."
    lines = [f"*Evidence for {where}:*"]
    for event in latest.values():
        lines.append(f"• {event.reason}")
        ev = dict(event.evidence)
        if ev:
            samples = ", ".join(f"{k} {v:,}" for k, v in dict(ev.get("samples", {})).items())
            verdict = f"{ev.get('outcome', '?')} ({ev.get('mode', '?')})"
            stat = f"{ev.get('statistic', '?')} = {_num(ev.get('value'))}"
            lines.append(
                f"    {verdict}: {stat}, bound {_num(ev.get('bound'))}; samples {samples or 'none'}"
            )
    return "\n".join(lines)


def _num(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, int | float) else "n/a"
