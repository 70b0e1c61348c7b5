"""A sweep gives identical results in-process and on worker processes."""

from __future__ import annotations

import pytest

from rollout.config import TeamConfig
from sim.scenario import parse_scenario
from sim.sweep import Sweep, run_sweep, seeds_for

QUICK = """
name = "{name}"
duration = "30m"

[fleet]
hosts = 40
rps = 2000

[release]
stages = [
  {{ kind = "traffic", name = "canary", percent = 5, bake = "2m", gate = "auto" }},
  {{ kind = "traffic", name = "100%", percent = 100, bake = "2m", gate = "auto" }},
]
{faults}
"""
FAULT = '[[faults]]\nkind = "error_rate"\nrate = 0.03\n\n[expect]\noutcome = "rolled_back"\n'


def quick_sweep(runs: int = 6) -> Sweep:
    scenarios = (
        parse_scenario(QUICK.format(name="quick-good", faults=""), "good.toml"),
        parse_scenario(QUICK.format(name="quick-bad", faults=FAULT), "bad.toml"),
    )
    return Sweep((TeamConfig(),), scenarios, seeds_for(runs))


def as_records(results) -> dict:
    return {case: [r.to_json() for r in runs] for case, runs in sorted(results.items())}


@pytest.fixture(scope="module")
def in_process():
    return run_sweep(quick_sweep(), jobs=1)


def test_results_come_back_per_case_ordered_by_seed(in_process):
    assert sorted(in_process) == [(0, 0), (0, 1)]
    assert [r.seed for r in in_process[(0, 1)]] == list(range(6))
    assert {r.scenario for r in in_process[(0, 1)]} == {"quick-bad"}


def test_two_worker_processes_give_exactly_the_same_results(in_process):
    assert as_records(run_sweep(quick_sweep(), jobs=2)) == as_records(in_process)


def test_only_the_chart_seed_keeps_its_series(in_process):
    for runs in in_process.values():
        assert [r.series is not None for r in runs] == [True] + [False] * 5


def test_progress_reports_every_run_once():
    seen: list[int] = []
    run_sweep(quick_sweep(runs=3), jobs=2, progress=seen.append)
    assert sum(seen) == 6
