"""The authorization table, run: every command and button, as every role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.commands import Caller
from bot.drills.service import DrillService
from bot.grammar import commands as p
from bot.grammar.drill import (
    DrillControl,
    DrillHistory,
    DrillInject,
    DrillReport,
    DrillScheduleList,
    DrillStart,
)
from bot.killswitches import KillSwitchControl
from bot.trains import Trains
from rollout import events as ev
from rollout.authorization import RULES, TABLE, NotAllowed, Role, refusal, roles
from rollout.errors import CommanderError
from tests.fakes import bot_stack

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
[team]
timezone = "UTC"
admins = ["UADMIN"]
[[team.hours]]
days = "mon-sun"
start = 00:00:00
end = 23:59:00
[rotation]
roster = ["UONSHIFT"]
[drills]
trainers = ["UTRAINER"]
[[services]]
name = "api"
kill_switches = ["new-checkout"]
[[services]]
name = "web"
[plan]
[[plan.stages]]
kind = "traffic"
name = "all"
percent = 100
bake = "1h"
"""
PERSON: dict[Role, str] = {
    "anyone": "USTRANGER",
    "on_shift": "UONSHIFT",
    "deploy_commander": "UDEPLOY",
    "admin": "UADMIN",
    "trainer": "UTRAINER",
}
FUTURE = "2030-01-01T00:00:00+00:00"

COMMANDS: dict[str, Callable[[], p.Command]] = {
    "help": p.Help,
    "start": lambda: p.Start("web", "1.0"),
    "start --force": lambda: p.Start("web", "1.0", force="incident"),
    "start (train)": lambda: p.StartTrain((("api", "2.0"), ("web", "1.0"))),
    "start (train) --force": lambda: p.StartTrain((("api", "2.0"), ("web", "1.0")), force="now"),
    "status": p.Status,
    "history": lambda: p.History("api"),
    "who": p.Who,
    "why": p.Why,
    "dora": p.Dora,
    "policy": p.Policy,
    "freeze": lambda: p.FreezeService("web", _future(), "calm"),
    "unfreeze": lambda: p.Unfreeze("web"),
    "notice": lambda: p.Notice("read-only"),
    "rollback": lambda: p.RollbackService("api"),
    "handoff": lambda: p.HandoffTo("UBOB"),
    "handoff <service>": lambda: p.HandoffTo("UBOB", "api"),
    "kill": lambda: p.Kill("new-checkout"),
    "unkill": lambda: p.Kill("new-checkout", off=False),
    "drill start": lambda: p.Drill(DrillStart("error-spike-canary")),
    "drill inject": lambda: p.Drill(DrillInject("error_spike")),
    "drill pause|resume|hint|end": lambda: p.Drill(DrillControl("pause")),
    "drill history": lambda: p.Drill(DrillHistory()),
    "drill report": lambda: p.Drill(DrillReport()),
    "drill schedule": lambda: p.Drill(DrillScheduleList()),
}
BUTTONS: dict[str, Callable[[str], ev.Event]] = {
    "Confirm": lambda u: ev.Confirm(u, stage=0),
    "Hold": lambda u: ev.Hold(u),
    "Resume": lambda u: ev.Resume(u),
    "Roll back": lambda u: ev.Rollback(u),
    "Abort": lambda u: ev.Abort(u),
    "Tick a checklist item": lambda u: ev.ChecklistItemDone(u, 0),
    "Mark healthy": lambda u: ev.MarkHealthy(u),
    "Mark faulty": lambda u: ev.MarkFaulty(u),
}


class DrillRows:
    """The drill rows the drill commands touch: none running, a start is kept."""

    def __init__(self) -> None:
        self.added: list[Any] = []

    def add_drill(self, record: Any, deploy: Any, channel: str) -> None:
        self.added.append(record)

    def latest_drill_of_trainer(self, user: str) -> None:
        return None

    def drill_history(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []

    def drills_in_progress(self) -> list[Any]:
        return []


def _future() -> Any:
    from datetime import datetime

    return datetime.fromisoformat(FUTURE)


def stack() -> Any:
    """A bot with a deploy of api commanded by UDEPLOY, kill switches, trains and drills."""
    s = bot_stack(CONFIG)
    s.kills = KillSwitchControl(s.config, s.repo, s.clock)
    s.commands.kills = s.kills
    s.trains = Trains(s.deploys, s.slack)
    s.commands.trains = s.trains
    s.commands.drills = DrillService(
        s.config, DrillRows(), ROOT / "scenarios", lambda g: (), s.clock
    )
    s.api = s.deploys.start(p.Start("api", "1.0", commander="UDEPLOY"), "UONSHIFT")
    return s


def allowed_by_table(action: str, role: Role) -> bool:
    who = TABLE[action].who
    return "anyone" in who or role in who


def was_allowed(action: str, user: str) -> bool:
    """Run the command or button as `user`: False only when the table refused them."""
    s = stack()
    if action in COMMANDS:
        try:
            s.commands.run(COMMANDS[action](), Caller(user, "C1"))
        except NotAllowed:
            return False
        except CommanderError:
            return True  # refused for another reason (e.g. no drill running): past the table
        return True
    if action == "Turn off (kill switch)":
        try:
            s.kills.flip("new-checkout", True, user, action=action)
        except NotAllowed:
            return False
        return True
    if action == "Roll back <front end> (train)":
        reply = s.trains.roll_back_front(s.api.id, user)
        return reply is None or "may roll back" not in reply
    if action == "Why":
        return bool(s.commands.why(s.api.id))
    folded = s.deploys.apply(s.api.id, BUTTONS[action](user))
    return not any(r.code == "not_commander" for r in folded.refusals)


def test_every_row_of_the_table_is_exercised() -> None:
    extra = {"Turn off (kill switch)", "Roll back <front end> (train)", "Why"}
    assert set(TABLE) == set(COMMANDS) | set(BUTTONS) | extra


@pytest.mark.parametrize("role", list(PERSON))
@pytest.mark.parametrize("action", [rule.action for rule in RULES])
def test_each_command_and_button_as_each_role(action: str, role: Role) -> None:
    assert was_allowed(action, PERSON[role]) is allowed_by_table(action, role)


def test_a_refusal_names_who_may() -> None:
    held = roles("USTRANGER", bot_stack(CONFIG).config)
    reason = refusal("handoff", held, {"on_shift": "@UONSHIFT"})
    assert reason == "Only the commander on shift (@UONSHIFT) or an admin may hand over the shift."
