"""Every shipped scenario meets its [expect] under the example team policy.

Twenty fixed seeds per scenario (the 100-seed run is `commander sim validate`). A scenario
passes when at least floor(min_pass_rate × 20) runs meet the expectation: with
min_pass_rate 0.95 or 0.99 at most one of twenty may miss. Seeds are fixed, so this is
deterministic, not flaky.
"""

import math
from collections import Counter
from pathlib import Path

import pytest

from rollout.parsing import parse_config
from sim.runner import run
from sim.scenario import load_scenario

ROOT = Path(__file__).parents[2]
SEEDS = range(20)
LIBRARY = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def team_config():
    return parse_config((ROOT / "commander.toml").read_text(), "commander.toml")


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_the_scenario_meets_its_expectation(path, team_config):
    scenario = load_scenario(path)
    results = [run(scenario, team_config, seed, keep_series=False) for seed in SEEDS]
    met = sum(r.expectation_met for r in results)
    needed = math.floor(scenario.expect.min_pass_rate * len(SEEDS))
    why = Counter(f for r in results for f in r.expectation_failures).most_common(3)
    assert met >= needed, f"{scenario.name}: {met}/{len(SEEDS)} met, needs {needed}: {why}"
