"""The rehearsal plays the stabilization period: judges watch, and it ends as the bot's would."""

from datetime import timedelta

import pytest

from rollout.config import (
    Plan,
    Policy,
    SequentialJudge,
    Stabilization,
    Team,
    TeamConfig,
    TrafficStage,
    ZScoreJudge,
)
from rollout.controller import fold
from rollout.events import JudgeVerdict
from rollout.state import DeployState, Exposure
from sim.fleet import OLD
from sim.rehearsal import EPOCH, STABILIZATION, Rehearsal, verdict_decisions
from sim.runner import summarize
from sim.scenario import CommanderModel, ErrorRateFault, Fleet, Release, Scenario

# Stages end at 120 s and 240 s; the 10-minute period runs from 240 s to 840 s.
STAGES = (TrafficStage(name="canary", percent=2, bake="2m", gate="auto"),
          TrafficStage(name="100%", percent=100, bake="2m", gate="auto"))  # fmt: skip
FLEET = Fleet(hosts=20, rps=10_000, deploy="pull", signal_delay=0, copy_seconds=0,
              pull_jitter=0, startup_seconds=0, history="10m")  # fmt: skip
REGRESSION = ErrorRateFault(rate=0.05, onset="6m")  # at 360 s, inside the period
QUICK = CommanderModel(reaction_median=timedelta(seconds=1), reaction_p95=timedelta(seconds=1))


def config(mode: str = "act") -> TeamConfig:
    """A zscore judge against history: the only kind that sees a change at 100%."""
    judges = (SequentialJudge(), ZScoreJudge(threshold=6, mode=mode))
    return TeamConfig(team=Team(stabilization=Stabilization(minor=timedelta(minutes=10))),
                      policy=Policy(judges=judges))  # fmt: skip


def rehearse(mode: str = "act", commander: CommanderModel = QUICK, faults=(REGRESSION,)):
    scenario = Scenario(name="stab", fleet=FLEET, release=Release(stages=STAGES),
                        faults=faults, commander=commander)  # fmt: skip
    rehearsal = Rehearsal(scenario, config(mode), seed=3)
    old_hosts_at_detection: list[int] = []
    detect = rehearsal.people.detect

    def noting_old_hosts() -> None:
        old_hosts_at_detection.append(int((rehearsal.fleet.version == OLD).sum()))
        detect()

    rehearsal.people.detect = noting_old_hosts  # type: ignore[method-assign]
    rehearsal.play()
    return rehearsal, old_hosts_at_detection


def kinds(rehearsal: Rehearsal) -> list[str]:
    return [audit.kind for audit in rehearsal.people.trail if audit.to_status != audit.from_status]


def test_a_healthy_release_is_promoted_when_the_period_ends():
    rehearsal, _ = rehearse(faults=())
    assert rehearsal.outcome == "promoted" and rehearsal.env.now == 840
    assert kinds(rehearsal)[-2:] == ["bake_elapsed", "stabilization_elapsed"]
    assert [name for _, name in rehearsal.stages] == ["canary", "100%", STABILIZATION]


def test_the_judges_keep_watching_during_the_period():
    rehearsal, _ = rehearse(faults=())
    watched = [d for d in rehearsal.decisions if d.stage == STABILIZATION]
    assert {d.judge for d in watched} == {"sequential", "zscore"}
    assert all(d.verdict == "pass" and 240 < d.t_s < 840 for d in watched)


def test_a_regression_during_the_period_is_rolled_back_by_an_act_judge():
    rehearsal, old_hosts = rehearse("act")
    result = summarize(rehearsal, 3, keep_series=False)
    assert rehearsal.outcome == "rolled_back" and kinds(rehearsal)[-1] == "judge_verdict"
    assert old_hosts == [0]  # caught at 100% with no old host left to compare with
    assert result.fault_onset_s == pytest.approx(360, abs=1)
    assert 360 < result.detected_at_s < 420 and result.time_to_mitigate_s is not None
    assert any(d.stage == STABILIZATION and d.judge == "zscore" and d.verdict == "fail"
               for d in rehearsal.decisions)  # fmt: skip


def test_a_recommend_judge_asks_and_the_commander_marks_the_release_faulty():
    rehearsal, old_hosts = rehearse("recommend")
    assert rehearsal.outcome == "rolled_back" and kinds(rehearsal)[-1] == "mark_faulty"
    assert old_hosts == [0] and 360 < rehearsal.detected_at < 420


def test_a_commander_who_only_holds_leaves_the_release_to_the_period():
    hold = QUICK.model_copy(update={"on_hold": "hold"})
    rehearsal, _ = rehearse("recommend", commander=hold)
    assert rehearsal.outcome == "promoted" and rehearsal.env.now == 840
    assert rehearsal.detected_at is not None  # the judge warned; nobody acted on it


def test_the_commander_marks_healthy_early_only_when_the_model_says_so():
    early = QUICK.model_copy(update={"mark_healthy_after": timedelta(minutes=3)})
    rehearsal, _ = rehearse(commander=early, faults=())
    assert rehearsal.outcome == "promoted" and rehearsal.env.now == pytest.approx(240 + 180 + 1)
    assert kinds(rehearsal)[-1] == "mark_healthy"
    assert CommanderModel().mark_healthy_after is None  # by default it waits the period out


def test_decisions_are_the_verdicts_the_machine_recorded_in_policy_order():
    cfg = config("act").model_copy(update={"plans": {"p": Plan(stages=STAGES)}})
    state = DeployState(id="d", service="s", version="v2", previous_version="v1",
                        commander="U1", plan_name="p", status="running", phase="baking",
                        exposure=Exposure(2, 2), verdicts=(("sequential", "pass"),))  # fmt: skip
    failed = {"summary": "6.1σ above"}
    events = [JudgeVerdict("sequential", "act", "pass", "as before"),
              JudgeVerdict("zscore", "act", "fail", "6.1σ above", failed)]  # fmt: skip
    judged = fold(state, events, EPOCH, cfg)
    decisions = verdict_decisions(state, judged, cfg, 42.0, "canary")
    assert judged.state.status == "rolled_back"
    assert [(d.t_s, d.stage, d.judge, d.verdict, d.evidence) for d in decisions] == [
        (42.0, "canary", "zscore", "fail", "6.1σ above")
    ]
