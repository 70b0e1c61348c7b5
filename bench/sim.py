"""Simulator benchmarks: figures and ratios measured side by side, PASS/FAIL per target.

Run as `.venv/bin/python bench/sim.py [--runs 100] [--against TREE]`; exits 1 when a target
is missed. `--against` times another checkout's rehearsal (e.g. a `git worktree` of an older
commit) side by side with this one, in alternating subprocesses, and wants this one within 10%.
Targets (issue 3): one 1,000-host 10,000 req/s run of the default plan at 0.5 s ticks in
under 1 s; at least 100× faster than a one-event-per-request SimPy model over the same
60 simulated seconds; `sim validate` of the library × 100 seeds with --jobs 2 in under
2 minutes and at least 1.7× faster than --jobs 1; peak RSS under 500 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from naive_sim import NaiveScenario, naive_run  # noqa: E402

from rollout.config import TeamConfig  # noqa: E402
from sim.runner import run  # noqa: E402
from sim.scenario import Release, Scenario  # noqa: E402

HOSTS, RATE, TICK_S, HORIZON_S = 1000, 10_000.0, 0.5, 60.0
CURVE_HOSTS = (100, 1_000, 10_000, 50_000, 100_000, 200_000)


@dataclass(frozen=True)
class Row:
    """One measured figure and its target."""

    name: str
    value: float
    unit: str
    target: str
    passed: bool


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The fastest wall time of a few repeats, in seconds (the least disturbed one)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_scenario(hosts: int = HOSTS) -> Scenario:
    """A healthy release through the default plan at 10,000 req/s, 0.5 s ticks."""
    return Scenario.model_validate(
        {"name": "bench", "tick": f"{TICK_S}s", "fleet": {"hosts": hosts, "rps": RATE}}
    )


def one_minute_scenario() -> Scenario:
    """The same fleet stopped after 60 simulated seconds of a 2% stage: the naive model's span."""
    stage = {"kind": "traffic", "name": "canary", "percent": 2, "bake": "60s", "gate": "auto"}
    return bench_scenario().model_copy(
        update={"duration": timedelta(seconds=HORIZON_S), "release": Release(stages=(stage,))}
    )


def measure_single_run(rows: list[Row]) -> None:
    """The wall time of one full default-plan run, and its ratio to the naive model."""
    scenario, config = bench_scenario(), TeamConfig()
    run(scenario, config, 0, keep_series=False)  # warm imports and caches
    full = best_of(3, lambda: run(scenario, config, 1, keep_series=False))
    rows.append(Row("one run, default plan, 1,000 hosts, 10k req/s", full, "s", "< 1 s", full < 1))
    short = one_minute_scenario()
    ticked = best_of(5, lambda: run(short, config, 2, keep_series=False))
    naive = best_of(1, lambda: naive_run(NaiveScenario(hosts=HOSTS, rate_per_s=RATE), HORIZON_S))
    rows.append(Row("tick model, 60 simulated s", ticked, "s", "", True))
    rows.append(Row("naive one-event-per-request model, 60 simulated s", naive, "s", "", True))
    ratio = naive / ticked
    rows.append(Row("speed-up over the naive model", ratio, "×", "≥ 100×", ratio >= 100))


SIDE_BY_SIDE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from rollout.config import TeamConfig
from sim.runner import run
from sim.scenario import Scenario
full, short = (Scenario.model_validate(json.loads(arg)) for arg in sys.argv[2:4])
config = TeamConfig()
def best_of(repeats, work):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)
run(full, config, 0, keep_series=False)
print(json.dumps({
    "full": best_of(3, lambda: run(full, config, 1, keep_series=False)),
    "short": best_of(5, lambda: run(short, config, 2, keep_series=False)),
}))
"""


def time_tree(tree: Path) -> dict[str, float]:
    """One subprocess timing `tree`'s rehearsal on this file's two scenarios."""
    shapes = [  # only the keys set here: the other tree's models may know fewer fields
        json.dumps(s.model_dump(mode="json", exclude_unset=True))
        for s in (bench_scenario(), one_minute_scenario())
    ]
    command = [sys.executable, "-c", SIDE_BY_SIDE, str(tree), *shapes]
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=True)
    timed: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return timed


def measure_against(rows: list[Row], base: Path, rounds: int = 5) -> None:
    """This tree's rehearsal against `base`'s, alternating subprocesses; the best of each."""
    best: dict[Path, dict[str, float]] = {}
    for _ in range(rounds):
        for tree in (base, ROOT):
            timed = time_tree(tree)
            seen = best.setdefault(tree, timed)
            best[tree] = {k: min(seen[k], timed[k]) for k in timed}
    naive = best_of(1, lambda: naive_run(NaiveScenario(hosts=HOSTS, rate_per_s=RATE), HORIZON_S))
    for key, name in (("full", "one run, default plan"), ("short", "tick model, 60 simulated s")):
        old, new = best[base][key], best[ROOT][key]
        rows.append(Row(f"{name}: {base.name}", old, "s", "", True))
        rows.append(Row(f"{name}: this tree", new, "s", "", True))
        rows.append(
            Row(f"{name}: this tree / {base.name}", new / old, "×", "≤ 1.1×", new <= 1.1 * old)
        )
    for tree in (base, ROOT):
        ratio = naive / best[tree]["short"]
        rows.append(Row(f"speed-up over the naive model: {tree.name}", ratio, "×", "", True))


def time_validate(jobs: int, runs: int, report: Path) -> tuple[float, int]:
    """Wall time and exit code of the real `commander sim validate` CLI."""
    command = [
        *commander(), "sim", "validate",
        "--runs", str(runs), "--jobs", str(jobs), "--report", str(report),
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"sim validate --jobs {jobs} crashed:\n{done.stderr}")
    return elapsed, done.returncode


def measure_validate(rows: list[Row], runs: int) -> None:
    """`sim validate` over the library with --jobs 2 and --jobs 1, side by side."""
    with tempfile.TemporaryDirectory() as tmp:
        two, code = time_validate(2, runs, Path(tmp) / "jobs2")
        one, _ = time_validate(1, runs, Path(tmp) / "jobs1")
    note = "" if code == 0 else " (an expectation failed: exit 1)"
    rows.append(Row(f"sim validate × {runs} seeds, --jobs 2{note}", two, "s", "< 120 s", two < 120))
    rows.append(Row(f"sim validate × {runs} seeds, --jobs 1", one, "s", "", True))
    speedup = one / two
    rows.append(Row("--jobs 2 speed-up over --jobs 1", speedup, "×", "≥ 1.7×", speedup >= 1.7))


def measure_memory(rows: list[Row]) -> None:
    """Peak RSS of this process and of the largest child (the CLI or one of its workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak = max(own, children)
    rows.append(Row("peak RSS of any one process", peak, "MB", "< 500 MB", peak < 500))


def measure_cost_curve(rows: list[Row]) -> None:
    """Seconds per default-plan run against fleet size: the fleet model's cost curve.

    Target (issue 8): a 200,000-host run, the scenario cap, in under 5 s.
    """
    config = TeamConfig()
    seconds = {}
    for hosts in CURVE_HOSTS:
        scenario = bench_scenario(hosts)
        seconds[hosts] = best_of(3, lambda s=scenario: run(s, config, 1, keep_series=False))
        rows.append(Row(f"cost curve: one run on {hosts:,} hosts", seconds[hosts], "s", "", True))
    biggest, smallest = max(CURVE_HOSTS), min(CURVE_HOSTS)
    ratio = seconds[biggest] / seconds[smallest]
    rows.append(Row(f"cost curve: {biggest:,} hosts / {smallest} hosts", ratio, "×", "", True))
    top = seconds[biggest]
    rows.append(Row(f"one run on {biggest:,} hosts", top, "s", "< 5 s", top < 5))


def commander() -> list[str]:
    """The CLI of the interpreter running this bench: `python -m cli` in its environment."""
    return [sys.executable, "-m", "cli"]


def render(rows: list[Row]) -> str:
    """A plain text table."""
    width = max(len(r.name) for r in rows)
    lines = [f"{'measure':<{width}}  {'value':>10}  {'target':<9}  result"]
    for r in rows:
        verdict = ("PASS" if r.passed else "FAIL") if r.target else ""
        lines.append(f"{r.name:<{width}}  {r.value:>8.3g} {r.unit:<2} {r.target:<9}  {verdict}")
    return "\n".join(lines)


def main() -> int:
    """Measure everything, print the table, and fail on a missed target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="seeds per scenario for validate")
    parser.add_argument("--against", type=Path, help="another checkout to time side by side")
    args = parser.parse_args()
    rows: list[Row] = []
    if args.against:
        measure_against(rows, args.against.resolve())
        print(render(rows))
        return 0 if all(r.passed for r in rows) else 1
    measure_single_run(rows)
    measure_cost_curve(rows)
    measure_validate(rows, args.runs)
    measure_memory(rows)
    print(render(rows))
    return 0 if all(r.passed for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
