"""Run many (policy, scenario, seed) replications in-process, on local processes, or on Dask.

Work is cut into chunks of seeds for one (config, scenario) case. Every run is a pure
function of (scenario, config, seed), so the results are identical whichever executor ran
them; they come back ordered by case and seed. Only the chart seed keeps its time series,
which keeps what crosses process boundaries small.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from rollout.config import TeamConfig
from rollout.errors import CommanderError
from sim.results import RunResult
from sim.runner import run
from sim.scenario import Scenario

Progress = Callable[[int], None]  # called with how many runs just finished
MAX_CHUNK = 10  # seeds per task: small enough to balance, large enough to amortise IPC


@dataclass(frozen=True)
class Chunk:
    """Seeds to run for one case: configs[config_index] × scenarios[scenario_index]."""

    config_index: int
    scenario_index: int
    seeds: tuple[int, ...]
    series_seed: int | None  # the one seed whose time series is kept, for charts


@dataclass(frozen=True)
class Sweep:
    """What to run: every config × every scenario × every seed."""

    configs: tuple[TeamConfig, ...]
    scenarios: tuple[Scenario, ...]
    seeds: tuple[int, ...]
    keep_series: bool = True  # False: no run keeps its series (a tuner needs figures only)

    @property
    def chart_seed(self) -> int:
        """The representative seed whose run keeps its series."""
        return self.seeds[0]

    @property
    def total_runs(self) -> int:
        """How many replications the sweep makes."""
        return len(self.configs) * len(self.scenarios) * len(self.seeds)


Results = dict[tuple[int, int], list[RunResult]]  # (config index, scenario index) -> by seed


def seeds_for(runs: int, first: int = 0) -> tuple[int, ...]:
    """The seeds of a sweep of `runs` replications: first, first + 1, …"""
    if runs < 1:
        raise CommanderError(f"--runs must be at least 1, got {runs}")
    return tuple(range(first, first + runs))


def check_jobs(jobs: int | None) -> int:
    """The number of worker processes: the CPU count by default, at least 1."""
    if jobs is None:
        return os.cpu_count() or 1
    if jobs < 1:
        raise CommanderError(f"--jobs must be at least 1, got {jobs}")
    return jobs


def chunks(sweep: Sweep, workers: int) -> list[Chunk]:
    """Cut the sweep into chunks of at most MAX_CHUNK seeds of one case, ≥ 4 per worker.

    Cases differ a lot in cost (a healthy release simulates hours, a crash loop minutes),
    so small chunks keep every worker busy until the end.
    """
    cases = len(sweep.configs) * len(sweep.scenarios)
    per_case = max(1, math.ceil(4 * workers / cases))
    size = max(1, min(MAX_CHUNK, math.ceil(len(sweep.seeds) / per_case)))
    out = []
    for ci in range(len(sweep.configs)):
        for si in range(len(sweep.scenarios)):
            for start in range(0, len(sweep.seeds), size):
                part = sweep.seeds[start : start + size]
                keep = sweep.chart_seed if sweep.keep_series and sweep.chart_seed in part else None
                out.append(Chunk(ci, si, part, keep))
    return out


def run_chunk(chunk: Chunk, config: TeamConfig, scenario: Scenario) -> list[RunResult]:
    """Run one chunk's seeds in order."""
    return [
        run(scenario, config, seed, keep_series=seed == chunk.series_seed) for seed in chunk.seeds
    ]


def run_sweep(
    sweep: Sweep,
    *,
    jobs: int = 1,
    dask_address: str | None = None,
    progress: Progress | None = None,
) -> Results:
    """Run the whole sweep and return the results per case, ordered by seed."""
    tick = progress or (lambda n: None)
    if dask_address:
        done = _on_dask(sweep, dask_address, tick)
    elif jobs == 1:
        done = _in_process(sweep, tick)
    else:
        done = _on_processes(sweep, jobs, tick)
    return _collect(done)


def _collect(done: Iterator[tuple[Chunk, list[RunResult]]]) -> Results:
    results: Results = {}
    for chunk, runs in done:
        results.setdefault((chunk.config_index, chunk.scenario_index), []).extend(runs)
    for runs in results.values():
        runs.sort(key=lambda r: r.seed)
    return results


def _in_process(sweep: Sweep, tick: Progress) -> Iterator[tuple[Chunk, list[RunResult]]]:
    for chunk in chunks(sweep, 1):
        config, scenario = sweep.configs[chunk.config_index], sweep.scenarios[chunk.scenario_index]
        runs = run_chunk(chunk, config, scenario)
        tick(len(runs))
        yield chunk, runs


# --- local processes: each worker receives the configs and scenarios once --------------------

_WORKER: dict[str, Sweep] = {}


def _init_worker(sweep: Sweep) -> None:
    _WORKER["sweep"] = sweep


def _run_in_worker(chunk: Chunk) -> tuple[Chunk, list[RunResult]]:
    sweep = _WORKER["sweep"]
    config, scenario = sweep.configs[chunk.config_index], sweep.scenarios[chunk.scenario_index]
    return chunk, run_chunk(chunk, config, scenario)


def _on_processes(
    sweep: Sweep, jobs: int, tick: Progress
) -> Iterator[tuple[Chunk, list[RunResult]]]:
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(sweep,)) as pool:
        futures = [pool.submit(_run_in_worker, chunk) for chunk in chunks(sweep, jobs)]
        for future in as_completed(futures):
            chunk, runs = future.result()
            tick(len(runs))
            yield chunk, runs


# --- an existing dask.distributed cluster ----------------------------------------------------


def _on_dask(sweep: Sweep, address: str, tick: Progress) -> Iterator[tuple[Chunk, list[RunResult]]]:
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise CommanderError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        workers = max(1, sum(client.nthreads().values()))
        configs = client.scatter(list(sweep.configs), broadcast=True)
        scenarios = client.scatter(list(sweep.scenarios), broadcast=True)
        futures = {
            client.submit(
                run_chunk, c, configs[c.config_index], scenarios[c.scenario_index], pure=False
            ): c
            for c in chunks(sweep, workers)
        }
        for future in dask_completed(futures, loop=client.loop):
            runs = future.result()
            tick(len(runs))
            yield futures[future], runs
