"""Team commands: rollback by service, handoffs, freezes and maintenance notices."""

from datetime import timedelta

import pytest

from bot.commands import Caller
from bot.deploys import Refused
from bot.grammar.commands import (
    FreezeService,
    HandoffTo,
    Notice,
    RollbackService,
    Start,
    Unfreeze,
    Who,
)
from rollout import events as ev
from rollout.authorization import NotAllowed
from rollout.errors import NotFound
from tests.fakes import bot_stack

CONFIG = """
[team]
timezone = "UTC"
announcements_channel = "#announcements"
[[team.hours]]
days = "mon-sun"
start = 00:00:00
end = 23:59:00
[team.stabilization]
minor = "0s"
[rotation]
roster = ["UALICE"]
[[services]]
name = "api"
[[services]]
name = "ledger"
rollback_safe = false
[plan]
[[plan.stages]]
kind = "traffic"
name = "all"
percent = 100
bake = "1s"
"""


def released(s, service: str, version: str) -> str:
    """Run a deploy of `service` to completion; its id."""
    state = s.deploys.start(Start(service, version), "UALICE")
    s.clock.advance(seconds=2)
    s.worker.run_once()
    s.deploys.apply(state.id, ev.Confirm("UALICE", stage=0))
    assert s.repo.get(state.id).status == "completed"
    return state.id


class TestRollbackByService:
    def test_returns_to_the_previous_release(self):
        s = bot_stack(CONFIG)
        released(s, "api", "1.0")
        latest = released(s, "api", "1.1")
        reply = s.team.rollback(RollbackService("api"), "UALICE")
        assert reply == "Rolling api back from 1.1 to 1.0."
        assert s.repo.get(latest).status == "rolled_back"
        assert s.repo.get(latest).rollback_target == "1.0"

    def test_refuses_a_target_that_is_not_rollback_safe_and_names_the_alternatives(self):
        s = bot_stack(CONFIG)
        released(s, "ledger", "1.0")
        released(s, "ledger", "1.1")
        with pytest.raises(Refused, match="not rollback-safe.*kill switch.*roll forward"):
            s.team.rollback(RollbackService("ledger"), "UALICE")

    def test_refuses_a_version_not_in_the_history(self):
        s = bot_stack(CONFIG)
        released(s, "api", "1.0")
        with pytest.raises(Refused, match="no release 0.9"):
            s.team.rollback(RollbackService("api", "0.9"), "UALICE")


class TestFreezes:
    def test_taking_over_someone_elses_freeze_is_explicit(self):
        s = bot_stack(CONFIG)
        until = s.clock.now() + timedelta(hours=2)
        s.team.freeze(FreezeService("api", until, "launch"), "UBOB")
        with pytest.raises(Refused, match=r"already frozen by @UBOB.*--takeover"):
            s.team.freeze(FreezeService("api", until, "mine"), "UCAROL")
        reply = s.team.freeze(FreezeService("api", until, "mine", takeover=True), "UCAROL")
        assert "took over from @UBOB" in reply
        assert [f.set_by for f in s.repo.active_freezes(s.clock.now())] == ["UCAROL"]

    def test_unfreezing_someone_elses_freeze_needs_takeover(self):
        s = bot_stack(CONFIG)
        s.team.freeze(FreezeService("all", s.clock.now() + timedelta(hours=1), "x"), "UBOB")
        with pytest.raises(Refused, match="set by @UBOB"):
            s.team.unfreeze(Unfreeze("all"), "UCAROL")
        assert s.team.unfreeze(Unfreeze("all", takeover=True), "UCAROL") == "Unfroze all."
        with pytest.raises(NotFound):
            s.team.unfreeze(Unfreeze("all"), "UCAROL")


class TestNotices:
    def test_a_scheduled_notice_is_posted_once_then_its_all_clear(self):
        s = bot_stack(CONFIG)
        at = s.clock.now() + timedelta(minutes=10)
        s.team.notice(Notice("Payments read-only", at, timedelta(minutes=30)), "UBOB")
        s.worker.run_once()
        assert s.slack.of("chat.postMessage") == []
        s.clock.advance(minutes=10)
        s.worker.run_once()
        s.worker.run_once()
        s.clock.advance(minutes=30)
        s.worker.run_once()
        s.worker.run_once()
        texts = [(c.channel, c.text) for c in s.slack.of("chat.postMessage")]
        assert texts == [
            ("#announcements", ":construction: Maintenance: Payments read-only"),
            ("#announcements", ":white_check_mark: All clear: Payments read-only"),
        ]


class TestHandoff:
    def test_hands_over_the_deploy_and_posts_where_it_stands(self):
        s = bot_stack(CONFIG)
        state = s.deploys.start(Start("api", "2.0"), "UALICE")
        reply = s.team.handoff(HandoffTo("UBOB"), "UALICE")
        assert reply == "Handed over the shift to @UBOB, with api 2.0."
        assert s.repo.get(state.id).commander == "UBOB"
        assert "handed the deploy to <@UBOB>" in s.thread_posts()[-1].text
        assert s.deploys.shift_at(s.clock.now()).user == "UBOB"

    def test_someone_neither_admin_nor_on_shift_cannot_take_the_shift(self):
        s = bot_stack(CONFIG)
        with pytest.raises(
            NotAllowed, match=r"Only the commander on shift \(@UALICE\) or an admin"
        ):
            s.commands.run(HandoffTo("UMALLORY"), Caller("UMALLORY", "C1"))
        assert s.deploys.shift_at(s.clock.now()).user == "UALICE"

    def test_an_admins_handoff_moves_the_shift_and_its_deploys(self):
        s = bot_stack(CONFIG.replace("[team]", '[team]\nadmins = ["UADMIN"]'))
        state = s.deploys.start(Start("api", "2.0"), "UALICE")
        reply = s.commands.run(HandoffTo("UBOB"), Caller("UADMIN", "C1"))
        assert reply == "Handed over the shift to @UBOB, with api 2.0."
        assert s.repo.get(state.id).commander == "UBOB"
        assert s.deploys.shift_at(s.clock.now()).user == "UBOB"

    def test_a_deploy_someone_else_commands_stays_and_is_named(self):
        s = bot_stack(CONFIG)
        state = s.deploys.start(Start("api", "2.0", commander="UCAROL"), "UALICE")
        reply = s.commands.run(HandoffTo("UBOB"), Caller("UALICE", "C1"))
        assert reply == (
            "Handed over the shift to @UBOB, with no deploys in flight. "
            "Staying with their commanders: api 2.0 (@UCAROL)."
        )
        assert s.repo.get(state.id).commander == "UCAROL"


class TestWho:
    def test_names_the_commander_now_and_the_next_shift(self):
        s = bot_stack(CONFIG.replace('roster = ["UALICE"]', 'roster = ["UALICE", "UBOB"]'))
        text = s.commands.run(Who(), Caller("UCAROL", "C1"))
        assert "now: @U" in text and "Next: @U" in text

    def test_a_usergroup_replaces_the_roster(self):
        s = bot_stack(CONFIG)
        s.deploys.roster = lambda: ("UGROUP1",)
        assert s.deploys.shift_at(s.clock.now()).user == "UGROUP1"
