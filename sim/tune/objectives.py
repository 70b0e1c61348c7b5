"""The three objectives and the constraint, measured on a policy's runs of the library."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from sim.report import is_healthy, summarize
from sim.results import RunResult
from sim.scenario import Scenario

OBJECTIVES = ("damage", "false_alarms", "release_s")


@dataclass(frozen=True)
class Scores:
    """A policy's figures over some seeds of every scenario (all three are minimised).

    damage: mean excess bad requests per run of a faulty scenario; false_alarms: holds and
    rollbacks per run of a healthy release that should be promoted (A/A); release_s: mean
    seconds a healthy release takes to reach 100% and finish its plan; violations: the
    scenarios whose [expect] (pass rate, or false rollbacks on a healthy one) is missed.
    """

    damage: float
    false_alarms: float
    release_s: float
    violations: tuple[str, ...]
    seeds: int

    @property
    def values(self) -> tuple[float, float, float]:
        """The objectives in OBJECTIVES order."""
        return (self.damage, self.false_alarms, self.release_s)

    @property
    def feasible(self) -> bool:
        """True when every scenario's [expect] holds."""
        return not self.violations

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly record."""
        return {**asdict(self), "violations": list(self.violations)}


def a_a(scenario: Scenario) -> bool:
    """A healthy release the policy should promote: where a hold is a false alarm."""
    return is_healthy(scenario) and scenario.expect.outcome == "promoted"


def scores(library: Sequence[Scenario], runs: Sequence[Sequence[RunResult]]) -> Scores:
    """Score runs[i] (the runs of library[i]); every scenario needs at least one run."""
    faulty = [r for s, rs in zip(library, runs, strict=True) if not is_healthy(s) for r in rs]
    healthy = [r for s, rs in zip(library, runs, strict=True) if a_a(s) for r in rs]
    violations = tuple(
        s.name for s, rs in zip(library, runs, strict=True) if not summarize(s, rs).ok
    )
    return Scores(
        damage=_mean([r.excess_bad_requests for r in faulty]),
        false_alarms=_mean([float(r.detected_at_s is not None) for r in healthy]),
        release_s=_mean([_release_s(r) for r in healthy]),
        violations=violations,
        seeds=min(len(rs) for rs in runs),
    )


def _release_s(run: RunResult) -> float:
    """Seconds to finish the plan; a release that never did counts its whole run."""
    return run.shipped_at_s if run.shipped_at_s is not None else run.duration_s


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if values else 0.0
