"""The meter: the fault's onset is the first faulty request, and traffic steps are exact."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.faults import FaultModel
from sim.fleet import Hooks, SimFleet
from sim.meter import Meter
from sim.scenario import ErrorRateFault, Fleet
from sim.traffic import TrafficSampler

TICK = 0.5


def rig(fault: ErrorRateFault, **fleet_settings):
    """A fleet, its meter and a log of (tick time, new-version errors) as drawn."""
    cfg = Fleet(**{"hosts": 40, "rps": 4000, "baseline_error_rate": 0.0, "internal_share": 0.0,
                   "pull_jitter": 3, **fleet_settings})  # fmt: skip
    env = simpy.Environment()
    rng = np.random.default_rng(11)
    sampler = TrafficSampler(cfg, rng, TICK)
    faults = FaultModel([fault], 3600, rng)
    meter: Meter | None = None
    fleet = SimFleet(env, cfg, Hooks(lambda: meter.flush(env.now), lambda v, n: None), rng)
    meter = Meter(sampler, fleet, faults, window_s=5, horizon_s=3600)
    drawn: list[tuple[float, int]] = []
    sample = sampler.sample

    def logged(routing, effects, ticks):
        block = sample(routing, effects, ticks)
        start = meter.t0 + meter.next_tick * TICK
        drawn.extend((start + i * TICK, int(n)) for i, n in enumerate(block.new_errors.sum(0)))
        return block

    sampler.sample = logged
    meter.start(0.0)
    return env, fleet, meter, drawn


@pytest.mark.parametrize("from_percent", [0, 50])
def test_the_fault_onset_is_the_first_faulty_request(from_percent):
    # no baseline errors and a fault that fails every request: the first new-version error
    # is the first request the fault touched
    env, fleet, meter, drawn = rig(ErrorRateFault(rate=1.0, from_percent=from_percent))
    fleet.set_traffic(0, 25, 0)
    env.run(until=120)
    fleet.set_traffic(0, 50, 0)
    env.run(until=240)
    meter.flush(env.now)
    first_error = next(t for t, errors in drawn if errors > 0)
    assert meter.fault_onset == pytest.approx(first_error)
    if from_percent:
        assert first_error > 120  # not at 25%
        t, customers = np.array(meter.steps)[:, 0], np.array(meter.steps)[:, 1]
        at_onset = customers[np.searchsorted(t, meter.fault_onset, side="right") - 1]
        assert at_onset >= 50  # the traffic drawn at the onset had reached the threshold


def test_traffic_steps_record_each_change_of_split_at_its_time():
    env, fleet, meter, _ = rig(ErrorRateFault(rate=0.0), pull_jitter=0, signal_delay=5,
                               copy_seconds=10, drain_seconds=0)  # fmt: skip
    fleet.set_traffic(0, 10, 5)
    env.run(until=60)
    meter.flush(env.now)
    assert meter.steps[0] == (0.0, 0.0, 0.0, 0.0, 0.0)
    t, customers, mirror, users, employees = meter.steps[-1]
    assert t == 15.0  # signal + copy: the new hosts took traffic from then on
    assert (customers, mirror, users, employees) == pytest.approx((10.0, 5.0, 10.0, 0.0))
    assert meter.peak_customer_pct == pytest.approx(10)


def test_the_running_latency_totals_equal_the_windows_summed_at_every_look():
    env, fleet, meter, _ = rig(ErrorRateFault(rate=0.0))
    fleet.set_traffic(0, 25, 0)
    looks = 0
    for until in (7, 31, 32, 90, 91, 240):  # uneven: some looks see no new complete window
        env.run(until=until)
        meter.flush(env.now)
        obs = meter.observations(fleet.health())
        for arm in (obs.baseline, obs.canary):
            assert arm.latency_pooled is not None
            np.testing.assert_array_equal(arm.latency_pooled, arm.latency_hist.sum(axis=0))
        looks += obs.canary.windows > 0
    assert looks >= 4 and obs.canary.latency_pooled.sum() > 0
