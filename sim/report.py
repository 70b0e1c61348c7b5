"""Summaries of a scenario's replications: pass rate, detection and damage percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.table import Table

from sim.results import RunResult
from sim.scenario import Scenario

MAX_FALSE_ROLLBACK_RATE = 0.01  # a healthy release may roll back in at most 1% of runs
HARMLESS_FAULTS = frozenset({"noisy_baseline"})  # noise on both versions: the release is fine


def is_healthy(scenario: Scenario) -> bool:
    """True when the new version itself has no defect (noise that hits both is bait)."""
    return all(fault.kind in HARMLESS_FAULTS for fault in scenario.faults)


@dataclass(frozen=True)
class Spread:
    """The p50 and p95 of a quantity over the runs where it happened (None if it never did)."""

    p50: float | None
    p95: float | None
    count: int

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Spread:
        """Percentiles of the values that are not None."""
        present = np.array([v for v in values if v is not None], dtype=float)
        if present.size == 0:
            return cls(None, None, 0)
        p50, p95 = np.percentile(present, [50, 95])
        return cls(float(p50), float(p95), int(present.size))


@dataclass(frozen=True)
class ScenarioSummary:
    """How a policy fared on one scenario over all its seeds."""

    scenario: str
    runs: int
    healthy: bool
    passed: int
    min_pass_rate: float
    rollbacks: int
    detected: int
    time_to_detect: Spread
    bad_requests: Spread
    duration: Spread
    failures: tuple[str, ...]  # the most common expectation failures, for the report
    damage: Spread = Spread(None, None, 0)  # bad requests beyond the baseline rate

    @property
    def pass_rate(self) -> float:
        """Share of runs that met the scenario's [expect]."""
        return self.passed / self.runs

    @property
    def rollback_rate(self) -> float:
        """Share of runs that rolled back."""
        return self.rollbacks / self.runs

    @property
    def false_rollback_rate(self) -> float | None:
        """On a healthy release, the share of runs that rolled back; None for faulty ones."""
        return self.rollback_rate if self.healthy else None

    @property
    def problems(self) -> tuple[str, ...]:
        """Why this scenario fails validation; empty when it passes."""
        out = []
        if self.pass_rate < self.min_pass_rate:
            out.append(f"pass rate {self.pass_rate:.0%} < {self.min_pass_rate:.0%}")
        if self.healthy and self.rollback_rate > MAX_FALSE_ROLLBACK_RATE:
            out.append(f"false rollbacks {self.rollback_rate:.1%} > {MAX_FALSE_ROLLBACK_RATE:.0%}")
        return tuple(out)

    @property
    def ok(self) -> bool:
        """True when the scenario meets its expectation."""
        return not self.problems


def summarize(scenario: Scenario, runs: Sequence[RunResult]) -> ScenarioSummary:
    """Summarize one scenario's runs (at least one)."""
    if not runs:
        raise ValueError(f"no runs for scenario {scenario.name}")
    return ScenarioSummary(
        scenario=scenario.name,
        runs=len(runs),
        healthy=is_healthy(scenario),
        passed=sum(r.expectation_met for r in runs),
        min_pass_rate=scenario.expect.min_pass_rate,
        rollbacks=sum(r.outcome == "rolled_back" for r in runs),
        detected=sum(r.detected_at_s is not None for r in runs),
        time_to_detect=Spread.of([r.time_to_detect_s for r in runs]),
        bad_requests=Spread.of([r.bad_requests for r in runs]),
        duration=Spread.of([r.duration_s for r in runs]),
        failures=_common_failures(runs),
        damage=Spread.of([r.damage for r in runs]),
    )


def _common_failures(runs: Sequence[RunResult], keep: int = 2) -> tuple[str, ...]:
    counts: dict[str, int] = {}
    for run in runs:
        for failure in run.expectation_failures:
            counts[failure] = counts.get(failure, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(f"{text} ({n}×)" for text, n in ranked[:keep])


def validate_table(summaries: Sequence[ScenarioSummary], policy: str = "team") -> Table:
    """The validation table: one row per scenario, failing rows in red."""
    runs = summaries[0].runs if summaries else 0
    table = Table(
        title=f"Validation of the {policy} policy ({runs} runs per scenario)",
        caption="damage: bad requests beyond the baseline rate; times in m:ss",
    )
    for header in (
        "scenario",
        "pass rate",
        "required",
        "detect p50",
        "detect p95",
        "damage p50",
        "damage p95",
        "false rollbacks",
        "result",
    ):
        table.add_column(header, justify="left" if header in ("scenario", "result") else "right")
    for s in summaries:
        result = "[green]ok[/green]" if s.ok else "[red]FAIL[/red]"
        table.add_row(
            s.scenario,
            fmt_rate(s.pass_rate),
            fmt_rate(s.min_pass_rate),
            fmt_seconds(s.time_to_detect.p50),
            fmt_seconds(s.time_to_detect.p95),
            fmt_count(s.damage.p50),
            fmt_count(s.damage.p95),
            fmt_rate(s.false_rollback_rate),
            result,
        )
    return table


def failure_lines(summaries: Sequence[ScenarioSummary]) -> list[str]:
    """One line per failing scenario: why, and the most common way its runs missed."""
    lines = []
    for s in summaries:
        if not s.ok:
            example = f"; most often: {s.failures[0]}" if s.failures else ""
            lines.append(f"{s.scenario}: {'; '.join(s.problems)}{example}")
    return lines


def fmt_rate(value: float | None) -> str:
    """A share as a percentage; "–" when it does not apply; a rare event never reads 0% or 100%."""
    if value is None:
        return "–"
    if 0 < value < 0.005:
        return "<1%"
    if 0.995 <= value < 1:
        return ">99%"
    return f"{value:.0%}"


def fmt_seconds(value: float | None) -> str:
    """The one time format: m:ss, h:mm:ss from an hour ("3:42", "1:12:05"); "–" for never."""
    if value is None or not math.isfinite(value):
        return "–"
    sign, whole = ("-" if value < 0 else ""), round(abs(value))
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes}:{seconds:02d}"


def fmt_count(value: float | None) -> str:
    """A count with thousands separators; "–" when it does not apply."""
    return "–" if value is None else f"{value:,.0f}"
