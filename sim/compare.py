"""Compare policies on the same scenarios and seeds: what each gains or loses."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rich.table import Table

from rollout.config import TeamConfig
from rollout.machine import gating_judges
from sim.reference_policies import policy_named
from sim.report import Spread, fmt_count, fmt_rate, fmt_seconds, is_healthy
from sim.results import RunResult
from sim.scenario import Scenario
from sim.sweep import Results, Sweep

ALL_FAULTY = "all faulty releases"
ALL_HEALTHY = "all healthy releases"
NOTES = (
    "rolled back, held: share of the runs that ended rolled back, or held for a human. On a "
    "healthy release a rollback is a false alarm and a hold costs a person's time. A hold can "
    "follow analysis that was merely inconclusive (too little data yet): it is not a detection.",
    "detected: share of the faulty runs in which one of the policy's gating judges failed at "
    "or after the fault's onset; detect p50/p95: from the onset to that first failing verdict.",
    "bad req: requests that failed for users (faulty releases only). duration: how long the "
    "release took. –: does not apply, or never happened.",
)


def compare_sweep(
    names: Sequence[str], config: TeamConfig, scenarios: Sequence[Scenario], seeds: tuple[int, ...]
) -> Sweep:
    """A sweep with one config per named policy, everything else the team's own."""
    configs = tuple(config.model_copy(update={"policy": policy_named(n, config)}) for n in names)
    return Sweep(configs, tuple(scenarios), seeds)


@dataclass(frozen=True)
class PolicyRow:
    """One policy's figures on one scenario (or on all faulty or all healthy ones)."""

    policy: str
    scenario: str
    faulty: bool
    runs: int
    rolled_back: int
    held: int
    detected: int
    time_to_detect: Spread
    bad_requests: Spread
    duration: Spread

    def share(self, count: int) -> float | None:
        """A count as a share of the row's runs."""
        return count / self.runs if self.runs else None

    @property
    def detect_rate(self) -> float | None:
        """Share of faulty runs in which a gating judge found the fault; None on healthy rows."""
        return self.share(self.detected) if self.faulty else None


def policy_row(
    policy: str, scenario: str, runs: Sequence[RunResult], *, faulty: bool, judges: Collection[str]
) -> PolicyRow:
    """Outcomes over the runs; detection and damage only when the release is faulty."""
    found = [r.found_at(judges) for r in runs] if faulty else []
    onsets = [r.fault_onset_s for r in runs]
    return PolicyRow(
        policy=policy,
        scenario=scenario,
        faulty=faulty,
        runs=len(runs),
        rolled_back=sum(r.outcome == "rolled_back" for r in runs),
        held=sum(r.outcome == "held" for r in runs),
        detected=sum(t is not None for t in found),
        time_to_detect=Spread.of(
            [None if t is None or o is None else t - o for t, o in zip(found, onsets, strict=False)]
        ),
        bad_requests=Spread.of([r.bad_requests for r in runs] if faulty else []),
        duration=Spread.of([r.duration_s for r in runs]),
    )


def compare_rows(names: Sequence[str], sweep: Sweep, results: Results) -> list[PolicyRow]:
    """Rows scenario by scenario (policies together), then all faulty and all healthy runs."""
    judges = [gating_judges(config) for config in sweep.configs]
    rows = []
    for si, scenario in enumerate(sweep.scenarios):
        faulty = not is_healthy(scenario)
        for ci, name in enumerate(names):
            runs = results[(ci, si)]
            rows.append(policy_row(name, scenario.name, runs, faulty=faulty, judges=judges[ci]))
    for label, faulty in ((ALL_FAULTY, True), (ALL_HEALTHY, False)):
        chosen = [si for si, s in enumerate(sweep.scenarios) if is_healthy(s) != faulty]
        if not chosen:
            continue
        for ci, name in enumerate(names):
            runs = [r for si in chosen for r in results[(ci, si)]]
            rows.append(policy_row(name, label, runs, faulty=faulty, judges=judges[ci]))
    return rows


def compare_table(rows: Sequence[PolicyRow], runs: int) -> Table:
    """One Rich table: scenario × policy, sections per scenario, the overall rows last."""
    table = Table(
        title=f"Policies compared on the same seeds ({runs} runs per scenario)",
        caption="\n".join(NOTES),
        caption_justify="left",
    )
    for header in (
        "scenario",
        "policy",
        "rolled back",
        "held",
        "detected",
        "detect p50",
        "detect p95",
        "bad req p50",
        "bad req p95",
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
        fmt_rate(row.share(row.rolled_back)),
        fmt_rate(row.share(row.held)),
        fmt_rate(row.detect_rate),
        fmt_seconds(row.time_to_detect.p50),
        fmt_seconds(row.time_to_detect.p95),
        fmt_count(row.bad_requests.p50),
        fmt_count(row.bad_requests.p95),
        fmt_seconds(row.duration.p50),
    ]
