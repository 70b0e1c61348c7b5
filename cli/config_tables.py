"""Rich tables describing a team config, for `commander config check`."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table

from rollout import wording
from rollout.config import ChecklistStage, DeployStage, TeamConfig, TrafficStage
from rollout.errors import CommanderError
from rollout.rotation import shifts_between
from rollout.windows import describe_hours, localize, next_window_opens


def _when(moment: datetime, config: TeamConfig) -> str:
    return localize(moment, config.team.tz).astimezone(config.team.tz).strftime("%a %b %d %H:%M %Z")


def team_table(config: TeamConfig, now: datetime) -> Table:
    """Hours, freezes, stabilization, admins, channels and drills."""
    team = config.team
    table = Table(title=f"Team {team.name}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    opens = next_window_opens(now, config)
    table.add_row("Deploy hours", describe_hours(config))
    table.add_row("Right now", "open" if opens is None else f"closed; opens {_when(opens, config)}")
    for freeze in team.freezes:
        span = f"{_when(freeze.start, config)} → {_when(freeze.until, config)}"
        table.add_row("Freeze", f"{span}: {freeze.reason} ({', '.join(freeze.services)})")
    stab = team.stabilization
    table.add_row(
        "Stabilization",
        f"{wording.duration(stab.major)} after a major release, "
        f"{wording.duration(stab.minor)} after others",
    )
    table.add_row("Admins", ", ".join(team.admins) or "none (nobody can force a deploy)")
    table.add_row(
        "Channels", f"deploys {team.deploy_channel}, notices {team.announcements_channel}"
    )
    drills = config.drills
    trainers = ", ".join(drills.trainers) or "none (nobody can start a drill)"
    table.add_row("Drills", f"in {drills.channel} at ×{drills.speed:g}; trainers {trainers}")
    return table


def services_table(config: TeamConfig) -> Table:
    """Services in deploy order."""
    table = Table(title="Services", title_justify="left")
    for column in ("Service", "Depends on", "Deployer", "Metrics", "Rollback-safe"):
        table.add_column(column)
    for service in config.services:
        table.add_row(
            service.name,
            ", ".join(service.depends_on) or "—",
            service.deployer.kind,
            service.metrics.kind,
            "yes" if service.rollback_safe else "no",
        )
    if not config.services:
        table.add_row("(none listed: any service name uses the defaults)", "", "", "", "")
    return table


def plan_table(config: TeamConfig) -> Table:
    """The default plan's stages, then any named plans."""
    table = Table(title="Plan", title_justify="left")
    for column in ("#", "Plan", "Stage", "Kind", "What happens", "Gate"):
        table.add_column(column)
    for plan_name, plan in [("default", config.plan), *config.plans.items()]:
        for index, stage in enumerate(plan.stages, start=1):
            table.add_row(str(index), plan_name, stage.name, stage.kind, *_stage_words(stage))
    return table


def _stage_words(stage: ChecklistStage | DeployStage | TrafficStage) -> tuple[str, str]:
    if isinstance(stage, ChecklistStage):
        return "; ".join(stage.items), "commander"
    if isinstance(stage, DeployStage):
        smoke = f", smoke test {stage.smoke_test}" if stage.smoke_test else ", no smoke test"
        return f"deploy to {stage.environment}{smoke}", "commander"
    audience = {"all": "all users", "internal": "employees", "external": "customers"}
    bake = wording.duration(stage.bake)
    what = f"{stage.percent:g}% of {audience[stage.audience]}, bake {bake}"
    if stage.mirror_percent:
        what += f", mirror {stage.mirror_percent:g}% dark"
    return what, stage.gate


def rotation_table(config: TeamConfig, now: datetime) -> Table:
    """Who commands now and the next few shifts."""
    rotation = config.rotation
    table = Table(
        title=f"Rotation ({wording.duration(rotation.shift)} shifts)", title_justify="left"
    )
    for column in ("From", "Until", "Commander", "Source"):
        table.add_column(column)
    try:
        shifts = shifts_between(now, now + rotation.shift * 4, rotation, config.team.tz)
    except CommanderError as exc:
        table.add_row("—", "—", f"[red]{exc}[/red]", "")
        return table
    for shift in shifts[:4]:
        table.add_row(
            _when(shift.start, config), _when(shift.end, config), shift.user, shift.source
        )
    if rotation.usergroup:
        table.caption = f"Roster comes from Slack user group {rotation.usergroup} at run time"
    return table


def policy_table(config: TeamConfig) -> Table:
    """The judges with their modes and parameters."""
    table = Table(
        title=f"Policy (judges look every {wording.duration(config.policy.evaluate_every)})",
        title_justify="left",
    )
    for column in ("Judge", "Kind", "Mode", "Parameters"):
        table.add_column(column)
    mode_style = {"observe": "dim", "recommend": "yellow", "act": "red"}
    for judge in config.policy.judges:
        params = judge.model_dump(exclude={"name", "mode", "kind"}, mode="json")
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        table.add_row(
            judge.label,
            str(getattr(judge, "kind")),  # noqa: B009
            f"[{mode_style[judge.mode]}]{judge.mode}[/]",
            shown,
        )
    return table
