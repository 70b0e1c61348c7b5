"""The drill scorecard: the trainee's figures and a one-line verdict against the peers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rollout.decisions import Decision
from sim.report import fmt_seconds
from sim.results import Decision as JudgeDecision
from sim.results import RunResult
from sim.scorecard import KEEP, score

RUN = RunResult(
    scenario="error-spike-canary",
    seed=7,
    outcome="rolled_back",
    fault_onset_s=600.0,
    detected_at_s=None,
    time_to_detect_s=None,
    time_to_mitigate_s=95.0,
    bad_requests=1_200,
    excess_bad_requests=1_000.0,
    requests_to_new=60_000,
    peak_exposure_all_users_pct=6.9,
    peak_exposure_customers_pct=2.0,
    duration_s=900.0,
    decisions=(),
    expectation_met=True,
    expectation_failures=(),
)


def peers(policy_mitigates: float | None = 40.0) -> list[tuple[str, RunResult]]:
    return [
        ("team policy", replace(RUN, time_to_detect_s=6.0, time_to_mitigate_s=policy_mitigates)),
        ("best response", replace(RUN, time_to_detect_s=30.0, time_to_mitigate_s=35.0)),
        ("argo", replace(RUN, outcome="held", time_to_mitigate_s=None, bad_requests=9_000)),
    ]


def test_detection_is_the_first_response_to_trouble_after_the_onset() -> None:
    decisions = [
        Decision(at_s=100.0, kind="confirm", user="U1", stage=3),
        Decision(at_s=590.0, kind="hold", user="U1"),  # before the fault: not a detection
        Decision(at_s=610.0, kind="confirm", user="U1", stage=4),  # not a response
        Decision(at_s=650.0, kind="rollback", user="U1"),
    ]
    card = score(RUN, decisions, peers(), healthy=False)
    assert card.trainee.time_to_detect_s == 50.0
    assert card.trainee.time_to_mitigate_s == 95.0
    assert [p.who for p in card.peers] == ["team policy", "best response", "argo"]


def test_the_verdict_compares_mitigation_with_the_best_response_and_the_policy() -> None:
    card = score(RUN, [Decision(at_s=650.0, kind="rollback", user="U1")], peers(), healthy=False)
    assert card.verdict == (
        "You mitigated in 1:35, 1:00 slower than the best response, 0:55 slower than the policy;"
        " 1,000 bad requests beyond baseline. Next time: respond as soon as a judge fails."
    )


def test_a_trainee_who_never_protected_users_is_told_what_the_policy_did() -> None:
    held = replace(RUN, outcome="held", time_to_mitigate_s=None, bad_requests=20_000)
    card = score(held, [], peers(), healthy=False)
    assert card.trainee.time_to_detect_s is None
    assert card.verdict.startswith("Missed: users were never protected; the team's policy")


def test_rolling_back_a_healthy_release_is_a_false_alarm() -> None:
    healthy = replace(RUN, fault_onset_s=None)
    decisions = [Decision(at_s=700.0, kind="rollback", user="U1")]
    assert score(healthy, decisions, peers(), healthy=True).verdict.startswith("False alarm")
    promoted = replace(healthy, outcome="promoted", statuses=((3000.0, "stabilizing"),))
    assert score(promoted, [], healthy_peers(), healthy=True).verdict.startswith("Clean")


# --- a healthy release: shipping it is the job -------------------------------------------

SHIPPED_AT = ((60.0, "running"), (3000.0, "stabilizing"), (3900.0, "completed"))


def healthy_peers() -> list[tuple[str, RunResult]]:
    """Peers that shipped a healthy release at 50:00, with the baseline's errors only."""
    shipped = replace(
        RUN, outcome="promoted", fault_onset_s=None, time_to_mitigate_s=None,
        bad_requests=18_874, excess_bad_requests=-41.0, statuses=SHIPPED_AT,
    )  # fmt: skip
    return [("team policy", shipped), ("best response", shipped)]


def test_a_trainee_who_never_ships_a_healthy_release_missed_it() -> None:
    never = replace(
        RUN, outcome="held", fault_onset_s=None, time_to_mitigate_s=None,
        bad_requests=0, excess_bad_requests=0.0, statuses=((60.0, "running"),),
    )  # fmt: skip
    card = score(never, [], healthy_peers(), healthy=True)
    assert card.trainee.time_to_ship_s is None
    assert card.verdict == (
        "Missed: the healthy release never shipped; the team's policy shipped it in 50:00."
        " Next time: confirm each gate once its judges pass."
    )


def test_the_baseline_errors_of_a_shipped_healthy_release_are_no_damage() -> None:
    card = score(healthy_peers()[0][1], [], healthy_peers(), healthy=True)
    team = card.peers[0]
    assert (team.bad_requests, team.damage, team.time_to_ship_s) == (18_874, 0, 3000.0)
    assert card.trainee.damage == 0 and card.trainee.to_json()["damage"] == 0
    assert card.verdict == (
        f"Clean: you shipped the healthy release in 50:00, with no false alarm. {KEEP}"
    )


def test_shipping_a_healthy_release_late_says_to_confirm_sooner() -> None:
    late = replace(healthy_peers()[0][1], statuses=((60.0, "running"), (3900.0, "stabilizing")))
    assert score(late, [], healthy_peers(), healthy=True).verdict == (
        "Slow: you shipped the healthy release in 1:05:00, 15:00 after the team's policy."
        " Next time: confirm each gate as soon as its judges pass."
    )


# --- the one thing to do differently -----------------------------------------------------


def test_holding_then_rolling_back_late_says_to_roll_back_after_the_hold() -> None:
    late = replace(RUN, time_to_mitigate_s=400.0)
    decisions = [Decision(at_s=620.0, kind="hold", user="U1"),
                 Decision(at_s=990.0, kind="rollback", user="U1")]  # fmt: skip
    verdict = score(late, decisions, peers(), healthy=False).verdict
    assert verdict.endswith(
        "Next time: roll back as soon as you hold; from your hold to users being safe took 6:20."
    )


def test_a_late_first_response_says_when_a_judge_first_failed() -> None:
    failed = JudgeDecision(t_s=640.0, stage="canary", judge="sequential", verdict="fail",
                           evidence="5xx up")  # fmt: skip
    late = replace(RUN, time_to_mitigate_s=500.0, decisions=(failed,))
    verdict = score(late, [Decision(at_s=1080.0, kind="rollback", user="U1")], peers(),
                    healthy=False).verdict  # fmt: skip
    assert verdict.endswith(
        "Next time: respond as soon as a judge fails (one first failed 10:40 into the drill)."
    )
    missed = replace(late, outcome="held", time_to_mitigate_s=None)
    assert score(missed, [], peers(), healthy=False).verdict.endswith(
        "Next time: roll back when a judge fails (one first failed 10:40 into the drill)."
    )


def test_as_fast_as_the_best_response_is_nothing_to_change() -> None:
    quick = replace(RUN, time_to_mitigate_s=40.0)
    verdict = score(quick, [Decision(at_s=630.0, kind="rollback", user="U1")], peers(),
                    healthy=False).verdict  # fmt: skip
    assert verdict.endswith(KEEP) and "Next time" not in verdict


def test_a_trainee_who_never_let_the_fault_show_stalled() -> None:
    stuck = replace(RUN, outcome="held", fault_onset_s=None, time_to_mitigate_s=None)
    assert score(stuck, [], peers(), healthy=False).verdict.startswith("Stalled")


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "–"), (0.0, "0:00"), (59.6, "1:00"), (222.0, "3:42"), (4325.0, "1:12:05")],
)
def test_one_time_format_everywhere(seconds: float | None, shown: str) -> None:
    assert fmt_seconds(seconds) == shown


def test_the_posted_scorecard_shows_time_to_ship_and_damage_in_one_time_format() -> None:
    from bot.drills.blocks import scorecard_message

    never = replace(RUN, outcome="held", fault_onset_s=None, time_to_mitigate_s=None,
                    statuses=((60.0, "running"),))  # fmt: skip
    card = score(never, [Decision(at_s=75.0, kind="confirm", user="U1", stage=0)],
                 healthy_peers(), healthy=True)  # fmt: skip
    text = "\n".join(b["text"]["text"] for b in scorecard_message(card, "U1", "d-1").blocks
                     if b["type"] == "section")  # fmt: skip
    assert "*team policy*: promoted · ship 50:00 · 0 bad requests beyond baseline" in text
    assert "ship – · 1,000 bad requests beyond baseline" in text
    assert "`1:15` confirm by @U1 (stage 0)" in text


def test_a_stored_scorecard_in_one_line_says_what_its_damage_counts() -> None:
    from bot.drills.blocks import scorecard_text

    card = score(replace(RUN, statuses=SHIPPED_AT), [], healthy_peers(), healthy=True).to_json()
    assert scorecard_text(card).startswith(
        "rolled back, ship 50:00, 1,000 bad requests beyond baseline: False alarm"
    )
    older = {"trainee": {"outcome": "held", "bad_requests": 7}, "verdict": "Missed"}
    assert scorecard_text(older) == "held, detect –, mitigate –, 7 bad requests: Missed"
