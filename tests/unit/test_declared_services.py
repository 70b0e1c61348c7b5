"""With services declared, a name that is not one is refused everywhere, with the closest names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.commands import Caller
from bot.grammar.commands import (
    Command,
    Dora,
    FreezeService,
    History,
    RollbackService,
    Start,
    StartTrain,
    Status,
    Unfreeze,
    Why,
)
from rollout.errors import NotFound
from tests.fakes import bot_stack

CONFIG = """
[team]
timezone = "UTC"
[[team.hours]]
days = "mon-sun"
start = 00:00:00
end = 23:59:00
[rotation]
roster = ["UALICE"]
[[services]]
name = "api"
[[services]]
name = "web"
depends_on = ["api"]
"""
UNTIL = datetime(2030, 1, 1, tzinfo=UTC)

TYPOS: dict[str, Command] = {
    "start": Start("webb", "1.0.0"),
    "train": StartTrain((("api", "2.0"), ("webb", "2.4.0"))),
    "freeze": FreezeService("webb", UNTIL, "typo"),
    "unfreeze": Unfreeze("webb"),
    "rollback": RollbackService("webb"),
    "dora": Dora("webb"),
    "history": History("webb"),
    "why": Why("webb"),
    "status": Status("webb"),  # neither a service nor a deploy id
}


@pytest.mark.parametrize("name", sorted(TYPOS))
def test_a_typo_is_refused_with_the_closest_name_and_nothing_happens(name: str) -> None:
    s = bot_stack(CONFIG)
    with pytest.raises(NotFound, match=r'No service named "webb"\. Did you mean web\?'):
        s.commands.run(TYPOS[name], Caller("UALICE", "C1"))
    assert s.repo.active() == [] and s.slack.calls == []
    assert s.repo.active_freezes(s.clock.now()) == []


def test_a_name_far_from_any_lists_the_services() -> None:
    s = bot_stack(CONFIG)
    with pytest.raises(NotFound, match=r'^No service named "zzz"\. Services: api, web\.$'):
        s.commands.run(Start("zzz", "1.0"), Caller("UALICE", "C1"))


def test_declared_names_and_freeze_all_pass() -> None:
    s = bot_stack(CONFIG)
    assert "Started web" in s.commands.run(Start("web", "1.0"), Caller("UALICE", "C1"))
    until = s.clock.now() + timedelta(hours=1)
    s.commands.run(FreezeService("all", until, "calm"), Caller("UALICE", "C1"))
    assert s.repo.active_freezes(s.clock.now())


def test_without_services_any_name_is_the_zero_config_demo() -> None:
    s = bot_stack(CONFIG.split("[[services]]")[0])
    assert "Started anything" in s.commands.run(Start("anything", "1.0"), Caller("UALICE", "C1"))
