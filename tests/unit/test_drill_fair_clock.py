"""The fair clock: a drill's time stops at each question until Slack shows it, then counts the
answer at the reaction scale; the run it makes is the run its stored decisions replay."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.drills import clock
from bot.drills.blocks import labelled, reaction_lines
from bot.grammar.drill import DrillStart, parse_drill
from bot.people import OutboxPeople
from rollout import events as ev
from rollout.config import TeamConfig
from rollout.decisions import Decision
from rollout.records import Message
from rollout.state import DeployState
from sim.drill import DrillWorld, default_deploy, replay
from sim.drill_world import QUESTION_STOP_S, question_of
from sim.scenario import Scenario
from store.drills import DrillRecord
from tests.unit.drill_fixtures import TRAINEE

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
CONFIG = TeamConfig()


def gated() -> Scenario:
    """A canary behind the commander's gate, then 100% with errors the judges hold on."""
    return Scenario.model_validate(
        {
            "name": "gated", "duration": "30m", "fleet": {"hosts": 50, "rps": 1000.0},
            "release": {"stages": [
                {"kind": "traffic", "name": "canary", "percent": 10, "bake": "3m",
                 "gate": "commander"},
                {"kind": "traffic", "name": "half", "percent": 50, "bake": "5m"},
            ]},
            "faults": [{"kind": "error_rate", "rate": 0.2, "from_percent": 30}],
        }
    )  # fmt: skip


def answer(question: str, at_s: float) -> Decision:
    kind = "confirm" if question == "confirm" else "rollback"
    return Decision(at_s=at_s, kind=kind, user=TRAINEE, stage=0 if kind == "confirm" else None)


def test_the_world_stops_just_after_each_question_and_replays_to_the_same_run() -> None:
    scenario = gated()
    deploy = default_deploy(scenario, CONFIG, 4, [answer("confirm", 1.0)])
    world = DrillWorld(scenario, CONFIG, 4, "advise", deploy)
    world.stop_at_questions = True
    asked: list[str] = []
    while not world.over and len(asked) < 5:
        steps = world.advance(10_000.0)  # far ahead: only a question stops it
        questions = [q for s in steps if (q := question_of(s)) is not None]
        if not questions:
            break
        assert world.now_s == steps[-1].at_s + QUESTION_STOP_S  # the question's instant, done
        asked.append(questions[-1])
        world.decide(answer(questions[-1], world.now_s + 1.0))
    assert asked == ["confirm", "hold"] and world.outcome == "rolled_back"
    whole = replay(scenario, CONFIG, 4, "advise", world.decisions, [], deploy=deploy)
    assert whole.log == world.log
    assert whole.result(keep_series=False) == world.result(keep_series=False)


def record(**values: object) -> DrillRecord:
    base = DrillRecord(
        id="drill-1", deploy_id="drill-1", scenario="gated", seed=1, speed=60.0,
        policy="advise", trainer="UTRAINER", commander=TRAINEE, status="running",
        started_at=T0, clock_at=T0,
    )  # fmt: skip
    return replace(base, **values)  # type: ignore[arg-type]


def test_the_clock_freezes_until_shown_runs_at_the_reaction_scale_then_at_speed() -> None:
    drill = record(reaction_scale=2.0)
    assert drill.now_s(T0 + timedelta(seconds=10)) == 600.0  # speed 60
    asked = clock.asked(drill, "hold", 600.5, T0 + timedelta(seconds=10))
    assert asked.now_s(T0 + timedelta(seconds=40)) == 600.5  # Slack has not shown it yet
    shown = clock.shown(asked, T0 + timedelta(seconds=40))
    assert shown.now_s(T0 + timedelta(seconds=43)) == 606.5  # 3 wall s x reaction scale 2
    done = clock.answered(shown, "rollback", 606.5, T0 + timedelta(seconds=43))
    assert done.asking is None and done.now_s(T0 + timedelta(seconds=44)) == 666.5
    assert done.reactions == [
        {"question": "hold", "asked_s": 600.5, "answer": "rollback", "answered_s": 606.5,
         "wall_s": 3.0}
    ]  # fmt: skip
    assert set(clock.changes(drill, done)) == {"clock_s", "clock_at", "reactions"}  # speed again
    assert "after 3.0 s wall (6.0 s simulated)" in reaction_lines(done.reactions)[0]


def test_a_question_is_shown_from_when_slack_took_it_never_before_it_was_asked() -> None:
    asked = clock.asked(record(), "hold", 100.0, T0)
    assert clock.as_shown(asked, None) == asked and clock.waiting(asked)
    shown = clock.as_shown(asked, T0 + timedelta(seconds=2))
    assert not clock.waiting(shown) and shown.now_s(T0 + timedelta(seconds=5)) == 103.0
    early = clock.as_shown(asked, T0 - timedelta(seconds=9))  # an earlier post's time
    assert early.clock_at == T0 and early.now_s(T0 + timedelta(seconds=1)) == 101.0


def test_a_second_question_waits_for_the_first_and_a_pause_freezes_the_clock() -> None:
    asked = clock.asked(record(), "confirm", 100.0, T0)
    assert clock.asked(asked, "hold", 200.0, T0).asking == asked.asking
    paused = replace(clock.shown(asked, T0), paused_at=T0 + timedelta(seconds=5))
    assert paused.now_s(T0 + timedelta(hours=1)) == 105.0


def test_an_older_drill_without_an_anchor_keeps_its_wall_times_speed_clock() -> None:
    drill = record(clock_at=None, paused_total_s=2.0)
    assert drill.now_s(T0 + timedelta(seconds=12)) == 600.0


def test_reaction_scale_is_a_start_option() -> None:
    cmd = parse_drill(["start", "gated", "--reaction-scale", "0.5"])
    assert cmd == DrillStart("gated", reaction_scale=0.5)


def test_a_second_hold_offers_resume_and_roll_back_not_only_why() -> None:
    held = DeployState(
        id="d1", service="web", version="v2", previous_version="v1", commander=TRAINEE,
        status="held", stage_index=0, verdicts=(("sequential", "fail"),),
    )  # fmt: skip
    people = OutboxPeople(CONFIG, held, lambda ref: None)
    reason = "threshold recommends rolling back: errors"
    people.notify(held, ev.Notify("judge_holds", {"reason": reason}, TRAINEE, "warning"))
    people.ask(held, ev.AskConfirm(0, "canary", TRAINEE, reason))
    after = held.evolve(verdicts=(("sequential", "fail"), ("threshold", "fail")))
    (post,) = people.messages(after)
    actions = [e["action_id"] for b in post.blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["resume", "rollback", "why"]


def test_an_updated_drill_message_keeps_one_drill_banner() -> None:
    (posted,) = labelled([Message("post", "checklist", [{"type": "divider"}])], "#drills")
    update = Message("update", posted.text, posted.blocks, target="checklist:0")
    (updated,) = labelled([update], "#drills")
    assert updated.blocks == posted.blocks and updated.text == posted.text
