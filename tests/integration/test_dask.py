"""A sweep on a dask.distributed cluster gives the same results as a local run."""

from __future__ import annotations

import pytest

from sim.sweep import run_sweep
from tests.unit.test_sweep_executors import as_records, quick_sweep

distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] not installed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as local:
        yield local


def test_a_dask_sweep_matches_the_local_run_record_for_record(cluster):
    sweep = quick_sweep(runs=4)
    on_dask = run_sweep(sweep, dask_address=cluster.scheduler_address)
    assert as_records(on_dask) == as_records(run_sweep(sweep, jobs=1))


def test_the_chart_seed_keeps_its_series_on_dask_too(cluster):
    on_dask = run_sweep(quick_sweep(runs=3), dask_address=cluster.scheduler_address)
    assert all(runs[0].series is not None for runs in on_dask.values())


def test_an_unreachable_scheduler_is_a_user_error():
    from rollout.errors import CommanderError

    with pytest.raises(CommanderError, match="cannot reach the Dask scheduler"):
        run_sweep(quick_sweep(runs=1), dask_address="tcp://127.0.0.1:9")
