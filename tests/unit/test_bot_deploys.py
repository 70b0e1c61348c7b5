"""The bot's service layer over in-memory fakes: every transition is one compare-and-set,
then the thread and the card show it."""

import json

import pytest

from bot.deploys import Refused
from bot.grammar.commands import Start
from rollout import events as ev
from rollout.ports import Conflict
from tests.fakes import bot_stack

CONFIG = """
[team]
timezone = "UTC"
admins = ["UADMIN"]
[[team.hours]]
days = "mon-sun"
start = 00:00:00
end = 23:59:00
[team.stabilization]
minor = "1m"
[rotation]
roster = ["UALICE", "UBOB"]
shift = "8h"
epoch = 2026-03-02T16:00:00
[[services]]
name = "api"
metrics = { kind = "static", settings = { canary_error_rate = %(canary)s } }
[plan]
[[plan.stages]]
kind = "checklist"
name = "branch"
items = ["Cut", "Tag"]
[[plan.stages]]
kind = "deploy"
name = "staging"
smoke_test = "smoke"
[[plan.stages]]
kind = "traffic"
name = "canary"
percent = 2
bake = "10s"
[[plan.stages]]
kind = "traffic"
name = "100%%"
percent = 100
bake = "10s"
[policy]
evaluate_every = "1s"
[[policy.judges]]
kind = "sequential"
mode = "%(mode)s"
min_requests = 100
"""


def stack(canary: float = 0.001, mode: str = "act", smoke_ok: bool = True):
    return bot_stack(CONFIG % {"canary": canary, "mode": mode}, smoke_ok=smoke_ok)


def buttons(post) -> dict[str, dict]:
    """action_id -> decoded value of the buttons in a posted message."""
    found = {}
    for block in post.blocks or []:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found.setdefault(element["action_id"], json.loads(element["value"]))
    return found


def through_checklist_and_staging(s, deploy_id: str) -> None:
    s.deploys.apply(deploy_id, ev.ChecklistItemDone("UALICE", 0))
    s.deploys.apply(deploy_id, ev.ChecklistItemDone("UALICE", 1))
    s.deploys.apply(deploy_id, ev.Confirm("UALICE", stage=0))
    s.deploys.apply(deploy_id, ev.Confirm("UALICE", stage=1))


class TestStart:
    def test_posts_the_card_then_the_first_stage_in_its_thread(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UCAROL")
        card, first = s.slack.of("chat.postMessage")[:2]
        assert card.channel == "#deploys" and card.thread_ts is None
        assert "api 1.0" in card.text and "running" in card.text
        assert first.thread_ts == card.ts
        assert set(buttons(first)) == {"tick", "confirm", "hold", "rollback"}
        assert buttons(first)["confirm"] == {"deploy": state.id, "stage": 0}
        assert s.slack.of("chat.update")[-1].ts == card.ts

    def test_the_commander_comes_from_the_rotation_and_is_mentioned(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UCAROL")
        assert state.commander == "UALICE"
        assert "<@UALICE>" in s.thread_posts()[0].text

    def test_refused_with_every_reason(self):
        s = stack()
        s.deploys.start(Start("api", "1.0"), "UALICE")
        s.team.freeze(_freeze("api"), "UBOB")
        with pytest.raises(Refused) as refused:
            s.deploys.start(Start("api", "1.1"), "UALICE")
        text = str(refused.value)
        assert "another deploy of api is in flight" in text
        assert "frozen until" in text and "by @UBOB" in text and "launch" in text

    def test_force_needs_an_admin(self):
        s = stack()
        s.team.freeze(_freeze("api"), "UBOB")
        with pytest.raises(Refused, match="only admins can force"):
            s.deploys.start(Start("api", "1.0", force="hotfix for sev1"), "UALICE")

    def test_an_admin_forcing_is_audited_and_shown_in_the_thread(self):
        s = stack()
        s.team.freeze(_freeze("api"), "UBOB")
        state = s.deploys.start(Start("api", "1.0", force="hotfix for sev1"), "UADMIN")
        assert state.forced_reason == "hotfix for sev1"
        assert "Forced by <@UADMIN>: hotfix for sev1" in s.thread_posts()[0].text
        assert "forced: hotfix for sev1" in s.repo.events(state.id)[0].reason


class TestThroughTheStages:
    def test_a_whole_deploy_to_stabilization_and_release(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        through_checklist_and_staging(s, state.id)
        assert s.repo.get(state.id).stage_index == 2
        for stage in (2, 3):
            for _ in range(11):
                s.clock.advance(seconds=1)
                s.worker.run_once()
            assert s.repo.get(state.id).phase == "awaiting_confirm"
            s.deploys.apply(state.id, ev.Confirm("UALICE", stage=stage))
        assert s.repo.get(state.id).status == "stabilizing"
        assert set(buttons(s.thread_posts()[-1])) == {"healthy", "faulty"}
        s.clock.advance(minutes=2)
        s.worker.run_once()
        assert s.repo.get(state.id).status == "completed"
        assert "completed" in s.slack.of("chat.update")[-1].text
        assert [r.outcome for r in s.repo.history("api")] == ["completed"]

    def test_verdicts_are_posted_as_short_lines_with_a_why_button(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        through_checklist_and_staging(s, state.id)
        s.clock.advance(seconds=5)
        s.worker.run_once()
        verdict = s.thread_posts()[-1]
        assert verdict.text.startswith("sequential:") and "canary requests" in verdict.text
        assert "why" in buttons(verdict)
        assert "e_value" in s.commands.why(state.id)

    def test_a_failed_smoke_test_holds_with_resume_and_roll_back(self):
        s = stack(smoke_ok=False)
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        through_checklist_and_staging(s, state.id)
        held = s.repo.get(state.id)
        assert held.status == "held" and "smoke test failed" in held.hold_reason
        assert set(buttons(s.thread_posts()[-1])) >= {"resume", "rollback"}


class TestJudges:
    def test_a_failing_judge_in_act_mode_rolls_back_and_mentions_the_commander(self):
        s = stack(canary=0.2)
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        through_checklist_and_staging(s, state.id)
        s.clock.advance(seconds=3)
        s.worker.run_once()
        after = s.repo.get(state.id)
        assert after.status == "rolled_back"
        assert ("rollback", "api", "1.0", None) in s.deployer.calls
        assert (
            "<@UALICE>" in s.thread_posts()[-1].text and "Rolled back" in s.thread_posts()[-1].text
        )
        assert "rolled back" in s.slack.of("chat.update")[-1].text

    @pytest.mark.parametrize("mode", ["act", "recommend"])
    def test_it_never_rolls_back_to_a_release_that_is_not_rollback_safe(self, mode):
        s = stack(canary=0.2, mode=mode)
        s.repo.add_release("api", "0.9", deployed_at=s.clock.now(), outcome="completed",
                           rollback_safe=False, deploy_id=None, commander="UALICE")  # fmt: skip
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        assert not state.previous_rollback_safe
        through_checklist_and_staging(s, state.id)
        s.clock.advance(seconds=3)
        s.worker.run_once()
        assert s.repo.get(state.id).status == "held"
        assert not any(call[0] == "rollback" for call in s.deployer.calls)
        said = s.thread_posts()[-1].text
        assert "0.9 is not rollback-safe, so nothing was rolled back" in said

    def test_in_recommend_mode_it_holds_and_asks(self):
        s = stack(canary=0.2, mode="recommend")
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        through_checklist_and_staging(s, state.id)
        s.clock.advance(seconds=3)
        s.worker.run_once()
        assert s.repo.get(state.id).status == "held"
        assert set(buttons(s.thread_posts()[-1])) >= {"resume", "rollback"}


class TestWhoMayAct:
    def test_someone_else_is_refused_by_name_and_audited(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        folded = s.deploys.apply(state.id, ev.ChecklistItemDone("UBOB", 0))
        assert "commander (@UALICE)" in folded.refusals[0].reason
        assert s.repo.events(state.id)[-1].kind == "refused:checklist_item_done"
        assert s.repo.get(state.id).checklist_done == frozenset()

    def test_a_stale_click_is_answered_as_stale(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        through_checklist_and_staging(s, state.id)
        folded = s.deploys.apply(state.id, ev.Confirm("UALICE", stage=1))
        assert "stale" in folded.refusals[0].reason

    def test_a_lost_race_that_made_the_click_moot_reports_the_winner(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        s.deploys.apply(state.id, ev.ChecklistItemDone("UALICE", 0))
        s.deploys.apply(state.id, ev.ChecklistItemDone("UALICE", 1))
        read_before_the_rival(s, state.id, ev.Confirm("UADMIN", stage=0))
        posts = len(s.slack.calls)
        with pytest.raises(Conflict, match=r"^already .+ by .+ at 17:00 UTC$"):
            s.deploys.apply(state.id, ev.Confirm("UALICE", stage=0))
        assert len(s.slack.calls) == posts
        assert s.repo.get(state.id).stage_index == 1

    def test_a_lost_race_with_an_event_that_commutes_is_applied_again(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        read_before_the_rival(s, state.id, ev.ChecklistItemDone("UALICE", 0))
        s.deploys.apply(state.id, ev.ChecklistItemDone("UALICE", 1))
        assert s.repo.get(state.id).checklist_done == frozenset({0, 1})


def read_before_the_rival(s, deploy_id: str, rival: ev.Event) -> None:
    """Apply the rival's event, then make the next apply() first read the deploy as it was
    before the rival saved: the race a second replica or a double click can lose."""
    version, state = s.repo.version_of(deploy_id), s.repo.get(deploy_id)
    s.deploys.apply(deploy_id, rival)
    real_version_of, real_get = s.repo.version_of, s.repo.get
    versions, states = [version], [state]
    s.repo.version_of = lambda i: versions.pop() if versions else real_version_of(i)
    s.repo.get = lambda i: states.pop() if states else real_get(i)


def _freeze(service: str):
    from datetime import UTC, datetime

    from bot.grammar.commands import FreezeService

    return FreezeService(service, datetime(2026, 3, 3, tzinfo=UTC), "launch")
