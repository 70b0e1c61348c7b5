"""A refused release train says so only to its caller; an admin may force one."""

from __future__ import annotations

import pytest

from bot.commands import Caller
from bot.deploys import Refused
from bot.grammar.deploy import parse_command
from bot.grammar.usage import USAGE, CommandError
from bot.trains import Trains
from rollout.authorization import NotAllowed
from tests.fakes import bot_stack

CONFIG = """
[team]
timezone = "UTC"
admins = ["UADMIN"]
[[team.hours]]
days = "sat"
start = 09:00:00
end = 10:00:00
[rotation]
roster = ["UALICE"]
[[services]]
name = "api"
[[services]]
name = "web"
depends_on = ["api"]
[plan]
[[plan.stages]]
kind = "traffic"
name = "all"
percent = 100
"""


def stack():  # type: ignore[no-untyped-def]
    s = bot_stack(CONFIG)  # the fake clock is a weekday: outside the Saturday hour
    s.commands.trains = Trains(s.deploys, s.slack)
    return s


def command(s, text: str):  # type: ignore[no-untyped-def]
    return parse_command(text, s.clock.now(), s.config.team.tz)


def test_a_refused_train_posts_nothing_public() -> None:
    s = stack()
    with pytest.raises(Refused, match="(?s)Cannot start api 3.1.0:.*outside deploy hours"):
        s.commands.run(command(s, "start api 3.1.0 web 2.4.0"), Caller("UALICE", "C1"))
    assert s.slack.calls == [] and s.repo.open_trains() == [] and s.repo.active() == []


def test_an_admin_forces_a_train_and_every_car_starts_forced() -> None:
    s = stack()
    text = 'start api 3.1.0 web 2.4.0 --force "security fix"'
    reply = s.commands.run(command(s, text), Caller("UADMIN", "C1"))
    assert reply.startswith("Started release train api 3.1.0 → web 2.4.0")
    (api,) = s.repo.active()
    assert api.forced_reason == "security fix"
    assert s.repo.open_trains()[0].force_reason == "security fix"


def test_only_an_admin_may_force_a_train() -> None:
    s = stack()
    with pytest.raises(NotAllowed, match=r"Only an admin \(@UADMIN\) may force a release train"):
        s.commands.run(command(s, 'start api 3.1.0 web 2.4.0 --force "x"'), Caller("UALICE", "C"))
    assert s.slack.calls == []


def test_the_usage_lists_what_a_train_accepts() -> None:
    s = stack()
    with pytest.raises(CommandError) as refused:
        command(s, "start api 3.1.0 web 2.4.0 --hotfix")
    assert "takes only --force and --commit-time" in str(refused.value)
    assert USAGE["train"][0] in str(refused.value) and "--hotfix" not in USAGE["train"][0]
    assert "--force" in USAGE["train"][0]
