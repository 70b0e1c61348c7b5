"""What one simulated release produced: headline figures, the judges' decisions, a series."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.scenario import Expect

OUTCOMES = ("rolled_back", "promoted", "held", "aborted")


@dataclass(frozen=True)
class Decision:
    """A judge's verdict changing: when, in which stage, to what, and why."""

    t_s: float
    stage: str
    judge: str
    verdict: str
    evidence: str


@dataclass(frozen=True)
class Series:
    """The run on a coarse time grid, and the exact times the traffic split changed.

    Each bucket's error rate is over the `bucket_s` seconds that END at its `t_s` (so a
    rate never shows before the requests it counts); `error_rate_new` is NaN where the new
    version had no traffic. `traffic_pct` is the bucket's mean share of customers' requests
    on the new version. The steps are exact: from `steps_t_s[i]` on, `steps_customer_pct[i]`
    of customers' requests went to the new version, and mirrored copies of
    `steps_mirror_pct[i]` of all requests.
    """

    t_s: np.ndarray
    error_rate_old: np.ndarray
    error_rate_new: np.ndarray
    traffic_pct: np.ndarray
    stages: tuple[tuple[float, str], ...]
    bucket_s: float = 10.0
    steps_t_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    steps_customer_pct: np.ndarray = field(default_factory=lambda: np.zeros(0))
    steps_mirror_pct: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class RunResult:
    """The outcome and measurements of one run of a scenario with one seed.

    `detected_at_s` is when the policy first reacted (held or rolled back, or a gate found
    judges that had not passed), whether or not a judge had found anything.
    Exposure counts two audiences: `peak_exposure_all_users_pct` is the highest share of
    all users' requests (employees and customers) served by the new version,
    `peak_exposure_customers_pct` the highest share of customers' requests, which is what a
    stage's percent and the charts' traffic panel count. Mirrored copies are in neither.
    """

    scenario: str
    seed: int
    outcome: str
    fault_onset_s: float | None
    detected_at_s: float | None
    time_to_detect_s: float | None
    time_to_mitigate_s: float | None
    bad_requests: int
    excess_bad_requests: float
    requests_to_new: int
    peak_exposure_all_users_pct: float
    peak_exposure_customers_pct: float
    duration_s: float
    decisions: tuple[Decision, ...]
    expectation_met: bool
    expectation_failures: tuple[str, ...]
    series: Series | None = None
    full_at_s: float | None = None  # when the plan was done and stabilization began

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly record of everything but the series; missing values are None."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "outcome": self.outcome,
            "fault_onset_s": _number(self.fault_onset_s),
            "detected_at_s": _number(self.detected_at_s),
            "time_to_detect_s": _number(self.time_to_detect_s),
            "time_to_mitigate_s": _number(self.time_to_mitigate_s),
            "bad_requests": int(self.bad_requests),
            "excess_bad_requests": float(self.excess_bad_requests),
            "requests_to_new": int(self.requests_to_new),
            "peak_exposure_all_users_pct": float(self.peak_exposure_all_users_pct),
            "peak_exposure_customers_pct": float(self.peak_exposure_customers_pct),
            "duration_s": float(self.duration_s),
            "decisions": [
                {
                    "t_s": d.t_s,
                    "stage": d.stage,
                    "judge": d.judge,
                    "verdict": d.verdict,
                    "evidence": d.evidence,
                }
                for d in self.decisions
            ],  # fmt: skip
            "expectation_met": self.expectation_met,
            "expectation_failures": list(self.expectation_failures),
        }

    def found_at(self, judges: Collection[str]) -> float | None:
        """When one of these judges first failed at or after the fault's onset (None: never).

        A finding, unlike `detected_at_s`: a hold because analysis was inconclusive is none.
        """
        if self.fault_onset_s is None:
            return None
        fails = (d.t_s for d in self.decisions if d.verdict == "fail" and d.judge in judges)
        return next((t for t in fails if t >= self.fault_onset_s), None)


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def expectation_failures(
    expect: Expect, outcome: str, time_to_detect_s: float | None, bad: int, excess: float
) -> tuple[str, ...]:
    """Each way the run missed the scenario's expectation, in words (empty: met)."""
    failures = []
    if outcome != expect.outcome:
        failures.append(f"outcome {outcome}, expected {expect.outcome}")
    if expect.within is not None:
        limit = expect.within.total_seconds()
        if time_to_detect_s is None:
            failures.append(f"not detected after the fault's onset, expected within {limit:g} s")
        elif time_to_detect_s > limit:
            failures.append(f"detected after {time_to_detect_s:.1f} s, expected ≤ {limit:g} s")
    if expect.max_bad_requests is not None and bad > expect.max_bad_requests:
        failures.append(f"{bad:,} bad requests, expected ≤ {expect.max_bad_requests:,}")
    if expect.max_excess_bad_requests is not None and excess > expect.max_excess_bad_requests:
        failures.append(
            f"{excess:,.0f} excess bad requests, expected ≤ {expect.max_excess_bad_requests:,.0f}"
        )
    return tuple(failures)
