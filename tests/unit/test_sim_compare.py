"""`sim compare` keeps rollbacks, holds and detections apart."""

from __future__ import annotations

from rollout.config import TeamConfig
from sim.compare import ALL_FAULTY, ALL_HEALTHY, compare_rows, compare_sweep, row_cells
from sim.reference_policies import argo
from sim.results import Decision, RunResult
from sim.scenario import ErrorRateFault, Scenario


def result(outcome: str, onset: float | None, *decisions: Decision) -> RunResult:
    return RunResult(
        scenario="s", seed=0, outcome=outcome, fault_onset_s=onset,
        detected_at_s=decisions[0].t_s if decisions else None, time_to_detect_s=None,
        time_to_mitigate_s=None, bad_requests=10, excess_bad_requests=0.0,
        requests_to_new=100, peak_exposure_all_users_pct=2.0, peak_exposure_customers_pct=2.0,
        duration_s=600.0, decisions=decisions, expectation_met=True, expectation_failures=(),
    )  # fmt: skip


def verdict(t: float, judge: str, outcome: str) -> Decision:
    return Decision(t, "canary", judge, outcome, "evidence")


FAULTY = Scenario(name="faulty", faults=(ErrorRateFault(),))
HEALTHY = Scenario(name="healthy")


def rows_for(results: dict[tuple[int, int], list[RunResult]]):
    sweep = compare_sweep(["argo"], TeamConfig(), [FAULTY, HEALTHY], (0, 1))
    return compare_rows(["argo"], sweep, results)


def test_a_hold_on_inconclusive_analysis_is_a_hold_not_a_detection():
    held = result("held", None, verdict(120, "success-rate", "inconclusive"))
    rows = rows_for({(0, 0): [held, held], (0, 1): [result("promoted", None)] * 2})
    faulty = rows[0]
    assert (faulty.held, faulty.rolled_back, faulty.detected) == (2, 0, 0)
    assert row_cells(faulty)[2:7] == ["0%", "100%", "0%", "–", "–"]


def test_a_judge_failing_after_the_onset_is_a_detection_timed_from_the_onset():
    caught = result("rolled_back", 100.0, verdict(90, "success-rate", "fail"),
                    verdict(130, "success-rate", "fail"))  # fmt: skip
    observe_only = result("rolled_back", 100.0, verdict(105, "not-a-gate", "fail"))
    rows = rows_for({(0, 0): [caught, observe_only], (0, 1): [result("promoted", None)] * 2})
    faulty = rows[0]
    assert (faulty.rolled_back, faulty.detected) == (2, 1)
    assert faulty.time_to_detect.p50 == 30.0  # the fail before the onset was a false alarm
    assert {j.label for j in argo().judges} == {"success-rate", "progress-deadline"}


def test_healthy_releases_report_false_alarms_and_no_detection_or_damage():
    rolled = result("rolled_back", None, verdict(50, "success-rate", "fail"))
    rows = rows_for(
        {(0, 0): [result("held", None)] * 2, (0, 1): [rolled, result("promoted", None)]}
    )
    healthy = rows[1]
    assert row_cells(healthy)[2:9] == ["50%", "0%", "–", "–", "–", "–", "–"]
    assert [r.scenario for r in rows[2:]] == [ALL_FAULTY, ALL_HEALTHY]


def test_a_rare_event_never_reads_as_none_or_all() -> None:
    from sim.report import fmt_rate

    assert [fmt_rate(v) for v in (None, 0.0, 1 / 400, 0.5, 399 / 400, 1.0)] == [
        "–", "0%", "<1%", "50%", ">99%", "100%"
    ]  # fmt: skip
