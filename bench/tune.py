"""How many tuning trials a minute this machine runs, with and without successive halving.

Tunes the example policy (commander.toml) over the scenario library (scenarios/) the way
`commander sim tune` does by default: 6 training seeds, 2 of them for every trial and the
rest for the best third of each generation, on --jobs processes. Then, side by side in
the same run, the same trials with every trial on all 6 seeds. Prints trials per minute,
the speed-up from halving, and the projected time of a 100-trial tune against the
15-minute target (the test-seed re-measure of the front comes on top; see the README).
Wall time depends on what else the machine runs, so each figure also comes from CPU time
(this process and its workers): the rate on --jobs idle cores, which other load does not move.

Run: .venv/bin/python bench/tune.py [--trials 20] [--jobs 2] [--no-baseline]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.inputs import load_config  # noqa: E402
from sim.library import load_library  # noqa: E402
from sim.tune.study import Search, run_search  # noqa: E402

TARGET_MIN = 15.0
TRAIN = tuple(range(1_000_000, 1_000_006))


def cpu_seconds() -> float:
    """CPU time of this process and of its finished worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def trials_per_minute(trials: int, jobs: int, early: int) -> tuple[float, float, float]:
    """(trials per minute of wall time, the same on idle cores from CPU time, seconds)."""
    team = load_config(ROOT / "commander.toml")
    library = tuple(load_library(ROOT / "scenarios", team))
    search = Search(team, library, trials, TRAIN, early=early, seed=0, jobs=jobs)
    started, cpu = time.perf_counter(), cpu_seconds()
    run_search(search)
    seconds, busy = time.perf_counter() - started, cpu_seconds() - cpu
    return trials / seconds * 60, trials / (busy / jobs) * 60, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="one NSGA-II generation")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-baseline", action="store_true", help="skip the all-seeds run")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"load average before: {load:.2f} on {os.cpu_count()} cores, --jobs {args.jobs}")
    rate, idle, seconds = trials_per_minute(args.trials, args.jobs, early=2)
    print(f"halving (2 of 6 seeds, best third all 6): {rate:5.1f} trials/min wall "
          f"({seconds:.0f} s), {idle:5.1f} on idle cores")  # fmt: skip
    projected = 100 / idle
    print(f"100 trials projected on {args.jobs} idle cores: {projected:.1f} min "
          f"(target {TARGET_MIN:g} min); at this run's wall rate {100 / rate:.1f} min")  # fmt: skip
    if not args.no_baseline:
        full, full_idle, full_s = trials_per_minute(args.trials, args.jobs, early=len(TRAIN))
        print(f"every trial on all 6 seeds:               {full:5.1f} trials/min wall "
              f"({full_s:.0f} s), {full_idle:5.1f} on idle cores")  # fmt: skip
        print(f"speed-up from halving, CPU time: {idle / full_idle:.2f}×")
    return 0 if projected <= TARGET_MIN else 1


if __name__ == "__main__":
    sys.exit(main())
