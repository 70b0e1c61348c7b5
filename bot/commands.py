"""What each `/deploy` command does: one service call, rendered as the reply text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, assert_never

from bot.blocks import replies
from bot.deploys import Deploys
from bot.dora import figures_text, team_figures
from bot.grammar import commands as p
from bot.grammar.deploy import parse_command
from bot.grammar.drill import DrillReport, DrillScheduleAdd, DrillScheduleCancel, DrillScheduleList
from bot.killswitches import KillSwitchControl
from bot.permissions import check_command
from bot.policy import PolicyReports
from bot.team import Team
from bot.trains import Trains
from rollout.errors import CommanderError, NotFound
from rollout.ports import Conflict
from rollout.records import InboxRecord
from rollout.state import DeployState

if TYPE_CHECKING:
    from bot.drills.report import DrillReports
    from bot.drills.schedule import DrillSchedules
    from bot.drills.service import DrillService


@dataclass(frozen=True)
class Caller:
    """Who typed the command, and where."""

    user: str
    channel: str


class Commands:
    """Runs parsed commands; domain errors propagate as CommanderError for the listener."""

    def __init__(
        self,
        deploys: Deploys,
        team: Team,
        kills: KillSwitchControl | None = None,
        trains: Trains | None = None,
    ) -> None:
        self.deploys = deploys
        self.team = team
        self.kills = kills
        self.trains = trains
        self.repo = deploys.repo
        self.config = deploys.config
        self.drills: DrillService | None = None  # set by the composition root
        self.drill_schedules: DrillSchedules | None = None
        self.drill_reports: DrillReports | None = None
        self.policy: PolicyReports | None = None

    def answer(self, command: InboxRecord) -> str:
        """The reply to a stored `/deploy` command: its result, or why not."""
        caller = Caller(command.user, command.channel)
        try:
            cmd = parse_command(command.text, self.deploys.clock.now(), self.config.team.tz)
            return self.run(cmd, caller)
        except (CommanderError, Conflict) as exc:
            return f":warning: {exc}"

    def run(self, cmd: p.Command, caller: Caller) -> str:
        """The reply to one command."""
        for service in p.services_named(cmd):
            self.config.declared(service)  # a typo is refused, with the closest names
        check_command(cmd, caller.user, self.deploys, self.drills)  # the authorization table
        match cmd:
            case p.Help():
                return replies.help_text()
            case p.Start():
                return self._start(cmd, caller)
            case p.StartTrain():
                return self._start_train(cmd, caller)
            case p.Drill():
                return self._drill(cmd, caller)
            case p.Kill():
                return self._kill(cmd, caller)
            case p.Dora():
                return self._dora(cmd)
            case p.Status():
                return self._status(cmd)
            case p.History():
                return self._history(cmd)
            case p.Who():
                return self._who()
            case p.RollbackService():
                return self.team.rollback(cmd, caller.user)
            case p.HandoffTo():
                return self.team.handoff(cmd, caller.user)
            case p.FreezeService():
                return self.team.freeze(cmd, caller.user)
            case p.Unfreeze():
                return self.team.unfreeze(cmd, caller.user)
            case p.Notice():
                return self.team.notice(cmd, caller.user)
            case p.Why():
                return self._why(cmd)
            case p.Policy():
                return self._policy(caller)
            case _:
                assert_never(cmd)

    def _start(self, cmd: p.Start, caller: Caller) -> str:
        state = self.deploys.start(cmd, caller.user)
        forced = f" (forced: {state.forced_reason})" if state.forced_reason else ""
        return (
            f"Started {state.service} {state.version}{forced} in {self.config.team.deploy_channel};"
            f" commander @{state.commander}."
        )

    def _drill(self, cmd: p.Drill, caller: Caller) -> str:
        if self.drills is None:
            raise CommanderError("Drills are not set up in this bot.")
        command = cmd.command
        if isinstance(command, DrillReport) and self.drill_reports is not None:
            return self.drill_reports.post(command, caller.user, caller.channel)
        scheduling = DrillScheduleAdd | DrillScheduleList | DrillScheduleCancel
        if isinstance(command, scheduling) and self.drill_schedules is not None:
            return self.drill_schedules.run(command, caller.user)
        return self.drills.run(command, caller.user)

    def _policy(self, caller: Caller) -> str:
        assert self.policy is not None, "policy reports are not wired"
        return self.policy.answer(caller.channel)

    def _start_train(self, cmd: p.StartTrain, caller: Caller) -> str:
        assert self.trains is not None, "release trains are not wired"
        return self.trains.start(cmd, caller.user)

    def _kill(self, cmd: p.Kill, caller: Caller) -> str:
        assert self.kills is not None, "kill switches are not wired"
        return self.kills.flip(cmd.flag, cmd.off, caller.user, cmd.reason)

    def _dora(self, cmd: p.Dora) -> str:
        now = self.deploys.clock.now()
        return figures_text(team_figures(self.repo, self.config, now, service=cmd.service))

    def _status(self, cmd: p.Status) -> str:
        now = self.deploys.clock.now()
        named = self._deploy_named(cmd.service)
        if named is not None:  # `/deploy status <id>`: one deploy in full, where cut text points
            return replies.status_text([named], self.config, now, named.service, whole=True)
        if cmd.service is not None:
            self.config.declared(cmd.service)  # neither a deploy id nor a service: a typo
        return replies.status_text(self.repo.active(), self.config, now, cmd.service)

    def _deploy_named(self, name: str | None) -> DeployState | None:
        if name is None or any(s.name == name for s in self.config.services):
            return None
        try:
            return self.repo.get(name)
        except NotFound:
            return None

    def _history(self, cmd: p.History) -> str:
        return replies.history_text(
            cmd.service, self.repo.history(cmd.service, 10), self.config.team.tz
        )

    def _who(self) -> str:
        now = self.deploys.clock.now()
        current, following = self.deploys.shift_at(now), self.deploys.next_shift_at(now)
        return replies.who_text(current, following, self.config.team.tz)

    def _why(self, cmd: p.Why) -> str:
        active = [d for d in self.repo.active() if cmd.service in (None, d.service)]
        if not active:
            latest = self.repo.latest_for(cmd.service) if cmd.service else None
            if latest is None and cmd.service:
                raise NotFound(f"Nothing to explain: {cmd.service} has no deploys yet.")
            if latest is None:
                raise NotFound(
                    "No deploy in flight to explain: name a service, e.g. `/deploy why api`."
                )
            active = [latest]
        return "\n\n".join(self.why(d.id) for d in active)

    def why(self, deploy_id: str) -> str:
        """The evidence behind a deploy's latest verdicts."""
        state = self.repo.get(deploy_id)
        return replies.evidence_text(state, self.repo.events(deploy_id), self.config)
