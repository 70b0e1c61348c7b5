"""The deploy state machine: every transition and every refusal, with literal data."""

from __future__ import annotations

from rollout import events as ev
from rollout.config import TeamConfig, TrafficStage
from rollout.machine import decide, exposure_for
from rollout.state import Exposure
from tests.unit.machine_helpers import (
    ADMIN,
    COMMANDER,
    CONFIG,
    STRANGER,
    T0,
    at_stage,
    later,
    moved,
    new_deploy,
    pass_all,
    refused,
    step,
)


def kinds(actions: tuple[object, ...]) -> list[str]:
    return [type(a).__name__ for a in actions]


class TestStart:
    def test_start_enters_the_checklist_and_lists_its_items(self) -> None:
        result = moved(decide(new_deploy(), ev.Start(COMMANDER), T0, CONFIG))
        assert (result.state.status, result.state.phase, result.state.stage_index) == (
            "running",
            "checklist",
            0,
        )
        assert result.state.started_at == T0
        assert "Cut the release branch" in result.actions[0].text  # type: ignore[union-attr]
        assert kinds(result.actions) == ["Notify", "Audit"]

    def test_a_second_start_is_refused(self) -> None:
        running = step(new_deploy(), ev.Start(COMMANDER))
        assert refused(decide(running, ev.Start(COMMANDER), T0, CONFIG)).code == "already_started"

    def test_a_forced_start_records_the_reason_in_the_audit(self) -> None:
        result = moved(decide(new_deploy(forced_reason="sev1"), ev.Start(ADMIN), T0, CONFIG))
        assert "forced: sev1" in result.actions[-1].reason  # type: ignore[union-attr]


class TestChecklist:
    def test_ticking_every_item_asks_the_commander_to_confirm(self) -> None:
        state = step(new_deploy(), ev.Start(COMMANDER))
        state = step(state, ev.ChecklistItemDone(COMMANDER, 0))
        result = moved(decide(state, ev.ChecklistItemDone(COMMANDER, 1), T0, CONFIG))
        assert result.state.phase == "awaiting_confirm"
        assert kinds(result.actions) == ["AskConfirm", "Audit"]

    def test_ticking_an_item_twice_is_refused_as_a_duplicate(self) -> None:
        state = step(step(new_deploy(), ev.Start(COMMANDER)), ev.ChecklistItemDone(COMMANDER, 0))
        refusal = refused(decide(state, ev.ChecklistItemDone(COMMANDER, 0), T0, CONFIG))
        assert refusal.code == "duplicate" and "already ticked" in refusal.reason

    def test_an_item_that_does_not_exist_is_refused(self) -> None:
        state = step(new_deploy(), ev.Start(COMMANDER))
        assert refused(decide(state, ev.ChecklistItemDone(COMMANDER, 9), T0, CONFIG)).code == (
            "bad_item"
        )

    def test_confirming_before_the_checklist_is_done_names_what_is_left(self) -> None:
        state = step(step(new_deploy(), ev.Start(COMMANDER)), ev.ChecklistItemDone(COMMANDER, 0))
        refusal = refused(decide(state, ev.Confirm(COMMANDER), T0, CONFIG))
        assert refusal.code == "checklist"
        assert refusal.reason == "1 checklist item left: Tag it"

    def test_ticking_while_held_is_refused_so_resume_finds_the_checklist_intact(self) -> None:
        """Regression: ticking while held once left a resumed deploy stuck in its checklist."""
        state = step(new_deploy(), ev.Start(COMMANDER))
        held = step(state, ev.Hold(COMMANDER, "wait"))
        assert refused(decide(held, ev.ChecklistItemDone(COMMANDER, 0), T0, CONFIG)).code == "held"

    def test_ticking_after_the_checklist_moved_on_is_stale(self) -> None:
        state, now = at_stage("staging", "deploying")
        assert refused(decide(state, ev.ChecklistItemDone(COMMANDER, 0), now, CONFIG)).code == (
            "stale"
        )


class TestDeployStage:
    def test_confirming_the_checklist_deploys_to_staging_and_runs_the_smoke_test(self) -> None:
        state, now = at_stage("release-branch")
        result = moved(decide(state, ev.Confirm(COMMANDER, 0), now, CONFIG))
        assert result.state.phase == "deploying"
        assert result.actions[0] == ev.DeployTo("staging", "2.0")
        assert result.actions[1] == ev.RunSmoke("staging", "smoke")

    def test_a_passing_smoke_test_asks_to_confirm(self) -> None:
        state, now = at_stage("staging", "deploying")
        result = moved(decide(state, ev.SmokePassed("12/12"), now, CONFIG))
        assert result.state.phase == "awaiting_confirm"
        assert "smoke test passed 12/12" in result.actions[0].reason  # type: ignore[union-attr]

    def test_a_failing_smoke_test_holds_and_mentions_the_commander(self) -> None:
        state, now = at_stage("staging", "deploying")
        result = moved(decide(state, ev.SmokeFailed("login 500"), now, CONFIG))
        assert result.state.status == "held"
        assert result.state.hold_reason == "smoke test failed: login 500"
        assert result.actions[0].mention == COMMANDER  # type: ignore[union-attr]

    def test_confirming_while_the_smoke_test_runs_is_refused(self) -> None:
        state, now = at_stage("staging", "deploying")
        refusal = refused(decide(state, ev.Confirm(COMMANDER, 1), now, CONFIG))
        assert refusal.code == "deploying" and "waiting for the smoke test" in refusal.reason

    def test_smoke_results_without_a_running_test_are_stale(self) -> None:
        state, now = at_stage("staging")
        assert refused(decide(state, ev.SmokePassed(), now, CONFIG)).code == "stale"
        assert refused(decide(state, ev.SmokeFailed(), now, CONFIG)).code == "stale"

    def test_resuming_after_a_failed_smoke_test_runs_it_again(self) -> None:
        state, now = at_stage("staging", "deploying")
        held = step(state, ev.SmokeFailed("flaky"), now)
        result = moved(decide(held, ev.Resume(COMMANDER), now, CONFIG))
        assert result.state.phase == "deploying"
        assert ev.RunSmoke("staging", "smoke") in result.actions


class TestTrafficStages:
    def test_dogfood_sends_all_employees_and_no_customers(self) -> None:
        state, now = at_stage("staging")
        result = moved(decide(state, ev.Confirm(COMMANDER, 1), now, CONFIG))
        assert result.actions[0] == ev.SetTraffic("2.0", 100.0, 0.0, 0.0)
        assert result.state.bake_until == later(now, minutes=10)
        assert ev.StartBake(2, later(now, minutes=10)) in result.actions

    def test_canary_keeps_employees_on_the_new_version(self) -> None:
        state, now = at_stage("dogfood")
        result = moved(decide(state, ev.Confirm(COMMANDER, 2), now, CONFIG))
        assert result.actions[0] == ev.SetTraffic("2.0", 100.0, 2.0, 0.0)
        assert result.state.authorized_percent == 2

    def test_confirming_during_the_bake_says_how_long_is_left(self) -> None:
        state, now = at_stage("canary", "baking")
        refusal = refused(decide(state, ev.Confirm(COMMANDER, 3), later(now, minutes=6), CONFIG))
        assert refusal.reason == "canary is still baking: 4 min left"

    def test_confirming_after_the_bake_time_advances_even_before_the_timer(self) -> None:
        state, now = at_stage("canary", "baking")
        assert state.bake_until is not None
        result = moved(decide(state, ev.Confirm(COMMANDER, 3), state.bake_until, CONFIG))
        assert result.state.stage_index == 4

    def test_the_bake_ending_with_passing_judges_asks_the_commander(self) -> None:
        state, now = at_stage("canary", "baking")
        state = step(state, pass_all(), now)
        result = moved(decide(state, ev.BakeElapsed(), state.bake_until, CONFIG))  # type: ignore[arg-type]
        assert result.state.phase == "awaiting_confirm"
        assert "every judge passed" in result.actions[0].reason  # type: ignore[union-attr]

    def test_the_bake_ending_without_a_pass_asks_because_evidence_is_short(self) -> None:
        state, now = at_stage("canary", "baking")
        inconclusive = ev.JudgeVerdict("sequential", "act", "inconclusive", "300 requests")
        state = step(state, inconclusive, now)
        result = moved(decide(state, ev.BakeElapsed(), state.bake_until, CONFIG))  # type: ignore[arg-type]
        assert result.state.phase == "awaiting_confirm"
        assert "not enough evidence" in result.actions[0].reason  # type: ignore[union-attr]

    def test_an_auto_gate_advances_by_itself_when_every_judge_passed(self) -> None:
        auto = TeamConfig(
            plan={
                "stages": [
                    {"kind": "traffic", "name": "c", "percent": 5, "gate": "auto"},
                    {"kind": "traffic", "name": "all", "percent": 100},
                ]
            }
        )
        state = moved(decide(new_deploy(), ev.Start(COMMANDER), T0, auto)).state
        state = moved(decide(state, pass_all(), T0, auto)).state
        result = moved(decide(state, ev.BakeElapsed(), state.bake_until, auto))  # type: ignore[arg-type]
        assert result.state.stage_index == 1
        assert result.actions[-1].actor == "system"  # type: ignore[union-attr]

    def test_an_auto_gate_waits_for_a_human_when_a_judge_is_unsure(self) -> None:
        auto = TeamConfig(
            plan={"stages": [{"kind": "traffic", "name": "c", "percent": 5, "gate": "auto"}]}
        )
        state = moved(decide(new_deploy(), ev.Start(COMMANDER), T0, auto)).state
        result = moved(decide(state, ev.BakeElapsed(), state.bake_until, auto))  # type: ignore[arg-type]
        assert result.state.phase == "awaiting_confirm"

    def test_an_early_or_stale_bake_timer_is_refused(self) -> None:
        state, now = at_stage("canary", "baking")
        assert refused(decide(state, ev.BakeElapsed(), now, CONFIG)).code == "early"
        waiting, now = at_stage("canary")
        assert refused(decide(waiting, ev.BakeElapsed(), now, CONFIG)).code == "stale"

    def test_exposure_rules_per_audience(self) -> None:
        start = Exposure(internal=100, external=2)
        ext = TrafficStage(name="x", percent=10, audience="external")
        internal = TrafficStage(name="i", percent=50, audience="internal")
        dark = TrafficStage(name="d", percent=0, mirror_percent=100)
        assert exposure_for(start, ext) == Exposure(internal=100, external=10)
        assert exposure_for(start, internal) == Exposure(internal=50, external=2)
        assert exposure_for(Exposure(), dark) == Exposure(mirror=100)


class TestConfirmation:
    def test_only_the_commander_or_an_admin_may_confirm(self) -> None:
        state, now = at_stage("release-branch")
        refusal = refused(decide(state, ev.Confirm(STRANGER, 0), now, CONFIG))
        assert refusal.reason == "Only the deploy's commander (@UCMD) or an admin may confirm."
        assert refusal.audit.actor == STRANGER and refusal.audit.kind == "refused:confirm"
        assert moved(decide(state, ev.Confirm(ADMIN, 0), now, CONFIG)).state.stage_index == 1

    def test_a_click_on_a_past_stage_is_stale(self) -> None:
        state, now = at_stage("dogfood")
        refusal = refused(decide(state, ev.Confirm(COMMANDER, 1), now, CONFIG))
        assert refusal.reason == "that button is stale: staging is already past (now at dogfood)"

    def test_a_click_on_a_future_stage_is_refused(self) -> None:
        state, now = at_stage("dogfood")
        assert (
            "has not started yet"
            in refused(decide(state, ev.Confirm(COMMANDER, 5), now, CONFIG)).reason
        )

    def test_a_typed_confirm_applies_to_the_current_stage(self) -> None:
        state, now = at_stage("dogfood")
        assert moved(decide(state, ev.Confirm(COMMANDER), now, CONFIG)).state.stage_index == 3

    def test_confirming_a_deploy_that_has_not_started_is_refused(self) -> None:
        assert refused(decide(new_deploy(), ev.Confirm(COMMANDER), T0, CONFIG)).code == (
            "not_started"
        )


class TestHoldAndResume:
    def test_hold_pauses_and_resume_restores_the_bake_timer(self) -> None:
        state, now = at_stage("canary", "baking")
        held = step(state, ev.Hold(COMMANDER, "checking graphs"), now)
        assert (held.status, held.held_phase, held.hold_reason) == (
            "held",
            "baking",
            "checking graphs",
        )
        result = moved(decide(held, ev.Resume(COMMANDER), now, CONFIG))
        assert result.state.status == "running" and result.state.phase == "baking"
        assert ev.StartBake(3, state.bake_until) in result.actions

    def test_confirming_a_held_deploy_says_to_resume_first(self) -> None:
        state, now = at_stage("canary")
        held = step(state, ev.Hold(COMMANDER), now)
        assert "resume it first" in refused(decide(held, ev.Confirm(COMMANDER), now, CONFIG)).reason

    def test_holding_twice_and_resuming_a_running_deploy_are_refused(self) -> None:
        state, now = at_stage("canary")
        held = step(state, ev.Hold(COMMANDER), now)
        assert refused(decide(held, ev.Hold(COMMANDER), now, CONFIG)).code == "duplicate"
        assert refused(decide(state, ev.Resume(COMMANDER), now, CONFIG)).code == "not_held"

    def test_a_deploy_that_has_not_started_cannot_be_held(self) -> None:
        assert refused(decide(new_deploy(), ev.Hold(COMMANDER), T0, CONFIG)).code == ("not_running")


class TestJudgeVerdicts:
    def test_a_failing_judge_in_act_mode_rolls_back_and_mentions_the_commander(self) -> None:
        state, now = at_stage("canary", "baking")
        fail = ev.JudgeVerdict("sequential", "act", "fail", "canary 2% vs 0.1%", {"value": 1e4})
        result = moved(decide(state, fail, now, CONFIG))
        assert result.state.status == "rolled_back"
        assert result.state.exposure == Exposure()
        assert result.actions[0] == ev.SetTraffic("2.0", 0.0, 0.0, 0.0)
        assert result.actions[1] == ev.RollBack("2.0", "1.9")
        assert result.actions[2].mention == COMMANDER  # type: ignore[union-attr]
        audit = result.actions[-1]
        assert audit.actor == "policy" and audit.evidence["value"] == 1e4  # type: ignore[union-attr]

    def test_a_failing_judge_in_recommend_mode_holds_and_asks(self) -> None:
        state, now = at_stage("canary", "baking")
        fail = ev.JudgeVerdict("signups", "recommend", "fail", "sign-ups down 30%")
        result = moved(decide(state, fail, now, CONFIG))
        assert result.state.status == "held"
        assert "signups recommends rolling back" in (result.state.hold_reason or "")
        assert kinds(result.actions) == ["Notify", "AskConfirm", "Audit"]

    def test_a_failing_judge_in_observe_mode_only_records(self) -> None:
        state, now = at_stage("canary", "baking")
        fail = ev.JudgeVerdict("zscore", "observe", "fail", "z = 4.1")
        result = moved(decide(state, fail, now, CONFIG))
        assert result.state.status == "running" and result.state.exposure == state.exposure
        assert kinds(result.actions) == ["Audit"]

    def test_a_repeated_verdict_is_not_a_transition(self) -> None:
        state, now = at_stage("canary", "baking")
        state = step(state, pass_all(), now)
        result = moved(decide(state, pass_all(), now, CONFIG))
        assert result.state == state and result.actions == ()

    def test_a_verdict_after_the_deploy_finished_is_refused(self) -> None:
        state, now = at_stage("canary", "baking")
        done = step(state, ev.Rollback(COMMANDER), now)
        assert refused(decide(done, pass_all(), now, CONFIG)).code == "finished"

    def test_a_verdict_before_start_is_stale(self) -> None:
        assert refused(decide(new_deploy(), pass_all(), T0, CONFIG)).code == "stale"


class TestRollbackAndAbort:
    def test_the_commander_rolls_back_to_the_previous_version(self) -> None:
        state, now = at_stage("25%", "baking")
        result = moved(decide(state, ev.Rollback(COMMANDER), now, CONFIG))
        assert result.state.status == "rolled_back" and result.state.rollback_target == "1.9"
        assert ev.RollBack("2.0", "1.9") in result.actions

    def test_rolling_back_to_an_earlier_release(self) -> None:
        state, now = at_stage("25%", "baking")
        result = moved(decide(state, ev.Rollback(COMMANDER, target="1.7"), now, CONFIG))
        assert ev.RollBack("2.0", "1.7") in result.actions

    def test_a_stranger_cannot_roll_back(self) -> None:
        state, now = at_stage("25%", "baking")
        assert "may roll back" in refused(decide(state, ev.Rollback(STRANGER), now, CONFIG)).reason

    def test_a_completed_release_can_still_be_rolled_back(self) -> None:
        state, now = at_stage("100%", "baking")
        state = step(state, ev.Confirm(COMMANDER), state.bake_until)  # type: ignore[arg-type]
        done = step(state, ev.MarkHealthy(COMMANDER), now)
        assert done.status == "completed"
        assert moved(decide(done, ev.Rollback(COMMANDER), now, CONFIG)).state.status == (
            "rolled_back"
        )

    def test_rolling_back_twice_is_refused(self) -> None:
        state, now = at_stage("canary", "baking")
        done = step(state, ev.Rollback(COMMANDER), now)
        refusal = refused(decide(done, ev.Rollback(COMMANDER), now, CONFIG))
        assert refusal.reason == "this deploy is already rolled back"

    def test_abort_before_users_see_the_version(self) -> None:
        state, now = at_stage("staging")
        result = moved(decide(state, ev.Abort(COMMANDER, "wrong build"), now, CONFIG))
        assert result.state.status == "aborted" and result.state.finished_at == now

    def test_abort_after_users_see_the_version_says_roll_back_instead(self) -> None:
        state, now = at_stage("canary", "baking")
        refusal = refused(decide(state, ev.Abort(COMMANDER), now, CONFIG))
        assert refusal.reason == "users already reach the new version: roll back instead"


class TestStabilization:
    def reach_100(self):  # type: ignore[no-untyped-def]
        state, now = at_stage("100%", "baking")
        return moved(
            decide(state, ev.Confirm(COMMANDER), state.bake_until, CONFIG)
        ), state.bake_until

    def test_confirming_100_percent_starts_stabilizing_for_the_minor_period(self) -> None:
        result, now = self.reach_100()
        assert result.state.status == "stabilizing"
        assert result.state.stabilize_until == later(now, minutes=15)
        assert ev.StartStabilization(later(now, minutes=15)) in result.actions

    def test_a_major_release_stabilizes_for_two_weeks(self) -> None:
        state, now = at_stage("100%", "baking")
        major = state.evolve(major=True)
        result = moved(decide(major, ev.Confirm(COMMANDER), state.bake_until, CONFIG))  # type: ignore[arg-type]
        assert result.state.stabilize_until == later(state.bake_until, days=14)  # type: ignore[arg-type]

    def test_healthy_completes_and_faulty_rolls_back(self) -> None:
        result, now = self.reach_100()
        assert step(result.state, ev.MarkHealthy(COMMANDER), now).status == "completed"
        assert step(result.state, ev.MarkFaulty(COMMANDER, "bad"), now).status == "rolled_back"

    def test_the_period_ending_completes_the_release(self) -> None:
        result, now = self.reach_100()
        end = result.state.stabilize_until
        assert step(result.state, ev.StabilizationElapsed(), end).status == "completed"  # type: ignore[arg-type]
        assert refused(decide(result.state, ev.StabilizationElapsed(), now, CONFIG)).code == "stale"

    def test_healthy_or_faulty_outside_stabilization_is_refused(self) -> None:
        state, now = at_stage("canary")
        assert refused(decide(state, ev.MarkHealthy(COMMANDER), now, CONFIG)).code == (
            "not_stabilizing"
        )
        assert refused(decide(state, ev.MarkFaulty(COMMANDER), now, CONFIG)).code == (
            "not_stabilizing"
        )

    def test_confirm_and_hold_during_stabilization_point_to_the_buttons(self) -> None:
        result, now = self.reach_100()
        assert (
            "Healthy or Faulty"
            in refused(decide(result.state, ev.Confirm(COMMANDER), now, CONFIG)).reason
        )
        assert refused(decide(result.state, ev.Hold(COMMANDER), now, CONFIG)).code == (
            "not_running"
        )

    def test_no_stabilization_period_completes_at_once(self) -> None:
        quick = TeamConfig(
            team={"stabilization": {"minor": "0s"}},
            plan={"stages": [{"kind": "traffic", "name": "all", "percent": 100}]},
        )
        state = moved(decide(new_deploy(), ev.Start(COMMANDER), T0, quick)).state
        result = moved(decide(state, ev.Confirm(COMMANDER), state.bake_until, quick))  # type: ignore[arg-type]
        assert result.state.status == "completed"


class TestHandoff:
    def test_handoff_changes_the_commander_and_summarises_where_it_stands(self) -> None:
        state, now = at_stage("canary", "baking")
        result = moved(decide(state, ev.Handoff(COMMANDER, "UNEXT"), now, CONFIG))
        assert result.state.commander == "UNEXT"
        note = result.actions[0]
        assert note.mention == "UNEXT"  # type: ignore[union-attr]
        assert "stage canary (baking)" in note.text  # type: ignore[union-attr]
        assert refused(decide(result.state, ev.Confirm(COMMANDER), now, CONFIG)).code == (
            "not_commander"
        )

    def test_handing_off_to_the_current_commander_is_refused(self) -> None:
        state, now = at_stage("canary")
        assert refused(decide(state, ev.Handoff(COMMANDER, COMMANDER), now, CONFIG)).code == (
            "duplicate"
        )


class TestAudit:
    def test_every_transition_ends_with_its_audit_entry(self) -> None:
        state, now = at_stage("release-branch")
        result = moved(decide(state, ev.Confirm(COMMANDER, 0), now, CONFIG))
        audit = result.actions[-1]
        assert isinstance(audit, ev.Audit)
        assert (audit.actor, audit.kind, audit.from_status, audit.to_status, audit.stage) == (
            COMMANDER,
            "confirm",
            "running",
            "running",
            1,
        )
        assert audit.reason == "confirmed release-branch"
