"""What one simulated release produced: headline figures, the judges' decisions, a series."""

from __future__ import annotations

import math
from dataclasses import dataclass
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
    """The run on a coarse time grid (one row per bucket of a few seconds).

    Error rates are per bucket; `error_rate_new` is NaN where the new version had no
    traffic. `traffic_pct` is the share of external traffic on the new version.
    """

    t_s: np.ndarray
    error_rate_old: np.ndarray
    error_rate_new: np.ndarray
    traffic_pct: np.ndarray
    stages: tuple[tuple[float, str], ...]


@dataclass(frozen=True)
class RunResult:
    """The outcome and measurements of one run of a scenario with one seed."""

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
    peak_exposure_pct: float
    duration_s: float
    decisions: tuple[Decision, ...]
    expectation_met: bool
    expectation_failures: tuple[str, ...]
    series: Series | None = None

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
            "peak_exposure_pct": float(self.peak_exposure_pct),
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
