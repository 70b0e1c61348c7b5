"""The drill scorecard: the trainee's figures and a one-line verdict against the peers."""

from __future__ import annotations

from dataclasses import replace

from rollout.decisions import Decision
from sim.results import RunResult
from sim.scorecard import score

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
        "You mitigated in 95 s, 60 s slower than the best response, 55 s slower than the policy;"
        " 1,200 bad requests."
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
    promoted = replace(healthy, outcome="promoted")
    assert score(promoted, [], peers(), healthy=True).verdict.startswith("Clean")
