"""Compare policies on the same scenarios and seeds: what each gains or loses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table

from rollout.config import TeamConfig
from sim.reference_policies import policy_named
from sim.report import Spread, fmt_count, fmt_rate, fmt_seconds, is_healthy
from sim.results import RunResult
from sim.scenario import Scenario
from sim.sweep import Results, Sweep

ALL = "all scenarios"


def compare_sweep(
    names: Sequence[str], config: TeamConfig, scenarios: Sequence[Scenario], seeds: tuple[int, ...]
) -> Sweep:
    """A sweep with one config per named policy, everything else the team's own."""
    configs = tuple(config.model_copy(update={"policy": policy_named(n, config)}) for n in names)
    return Sweep(configs, tuple(scenarios), seeds)


@dataclass(frozen=True)
class PolicyRow:
    """One policy's figures on one scenario (or on all of them)."""

    policy: str
    scenario: str
    faulty_runs: int
    detected: int
    time_to_detect: Spread
    bad_requests: Spread
    healthy_runs: int
    false_rollbacks: int
    duration: Spread

    @property
    def detect_rate(self) -> float | None:
        """Share of faulty runs in which the fault was detected."""
        return self.detected / self.faulty_runs if self.faulty_runs else None

    @property
    def false_rollback_rate(self) -> float | None:
        """Share of healthy runs that rolled back."""
        return self.false_rollbacks / self.healthy_runs if self.healthy_runs else None


def policy_row(policy: str, scenario: str, faulty: list[RunResult], healthy: list[RunResult]):
    """Figures over faulty runs (detection, damage) and healthy runs (false alarms, speed)."""
    return PolicyRow(
        policy=policy,
        scenario=scenario,
        faulty_runs=len(faulty),
        detected=sum(r.detected_at_s is not None for r in faulty),
        time_to_detect=Spread.of([r.time_to_detect_s for r in faulty]),
        bad_requests=Spread.of([r.bad_requests for r in faulty]),
        healthy_runs=len(healthy),
        false_rollbacks=sum(r.outcome == "rolled_back" for r in healthy),
        duration=Spread.of([r.duration_s for r in (healthy or faulty)]),
    )


def compare_rows(names: Sequence[str], sweep: Sweep, results: Results) -> list[PolicyRow]:
    """Rows scenario by scenario (policies together), then one overall row per policy."""
    rows = []
    for si, scenario in enumerate(sweep.scenarios):
        for ci, name in enumerate(names):
            runs = results[(ci, si)]
            faulty, healthy = ([], runs) if is_healthy(scenario) else (runs, [])
            rows.append(policy_row(name, scenario.name, faulty, healthy))
    for ci, name in enumerate(names):
        faulty, healthy = [], []
        for si, scenario in enumerate(sweep.scenarios):
            (healthy if is_healthy(scenario) else faulty).extend(results[(ci, si)])
        rows.append(policy_row(name, ALL, faulty, healthy))
    return rows


def compare_table(rows: Sequence[PolicyRow], runs: int) -> Table:
    """One Rich table: scenario × policy, sections per scenario, the overall rows last."""
    table = Table(title=f"Policies compared on the same seeds ({runs} runs per scenario)")
    for header in (
        "scenario",
        "policy",
        "detected",
        "detect p50",
        "detect p95",
        "bad req p50",
        "bad req p95",
        "false rollbacks",
        "duration p50",
    ):
        table.add_column(header, justify="left" if header in ("scenario", "policy") else "right")
    for i, row in enumerate(rows):
        last_of_group = i + 1 == len(rows) or rows[i + 1].scenario != row.scenario
        table.add_row(*row_cells(row), end_section=last_of_group)
    return table


def row_cells(row: PolicyRow) -> list[str]:
    """The printed cells of one row; "–" where a figure does not apply."""
    return [
        row.scenario,
        row.policy,
        fmt_rate(row.detect_rate),
        fmt_seconds(row.time_to_detect.p50),
        fmt_seconds(row.time_to_detect.p95),
        fmt_count(row.bad_requests.p50),
        fmt_count(row.bad_requests.p95),
        fmt_rate(row.false_rollback_rate),
        fmt_seconds(row.duration.p50),
    ]
