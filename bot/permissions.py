"""Which row of the authorization table a `/deploy` command is, and the roles its caller holds.

The table and the check are rollout.authorization; this module only finds the facts (who is on
shift, who commands the deploy at hand, who trains). Kill switches are checked where they are
flipped (a command or a button), and deploy events by the core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_never

from bot.deploys import Deploys
from bot.grammar import commands as p
from rollout.authorization import Role, authorize, roles

if TYPE_CHECKING:
    from bot.drills.service import DrillService


def command_action(cmd: p.Command) -> str | None:
    """The table row of a command; None for kill switches (checked where they flip)."""
    match cmd:
        case p.Start():
            return "start --force" if cmd.force else "start"
        case p.StartTrain():
            return "start (train) --force" if cmd.force else "start (train)"
        case p.HandoffTo():
            return "handoff <service>" if cmd.service else "handoff"
        case p.RollbackService():
            return "rollback"
        case p.FreezeService():
            return "freeze"
        case p.Drill():
            return _drill_action(cmd)
        case p.Kill():
            return None
        case _:
            return type(cmd).__name__.lower()


def _drill_action(cmd: p.Drill) -> str:
    from bot.grammar import drill as d

    match cmd.command:
        case d.DrillStart():
            return "drill start"
        case d.DrillInject():
            return "drill inject"
        case d.DrillControl():
            return "drill pause|resume|hint|end"
        case d.DrillHistory():
            return "drill history"
        case d.DrillReport():
            return "drill report"
        case d.DrillScheduleAdd() | d.DrillScheduleList() | d.DrillScheduleCancel():
            return "drill schedule"
        case _:
            assert_never(cmd.command)


def check_command(cmd: p.Command, user: str, deploys: Deploys, drills: DrillService | None) -> None:
    """Raise NotAllowed unless `user` may run `cmd`."""
    action = command_action(cmd)
    if action is None:
        return
    on_shift = deploy_commander = None
    if action == "handoff":
        on_shift = deploys.shift_at(deploys.clock.now()).user
    if isinstance(cmd, p.RollbackService | p.HandoffTo) and cmd.service:
        latest = deploys.repo.latest_for(cmd.service)
        deploy_commander = latest.commander if latest else None
    trainer = bool(drills and drills.is_trainer(user))
    held = roles(
        user, deploys.config, on_shift=on_shift, deploy_commander=deploy_commander, trainer=trainer
    )
    admins = ", ".join(f"@{a}" for a in deploys.config.team.admins) or "none configured"
    names: dict[Role, str] = {"admin": admins}
    if on_shift:
        names["on_shift"] = f"@{on_shift}"
    if deploy_commander:
        names["deploy_commander"] = f"@{deploy_commander}"
    authorize(action, held, names)
