"""CrashLoopBackOff as the kubelet does it, alone and on simulated hosts."""

import numpy as np
import simpy

from sim.crashloop import Backoff, restart_times
from sim.fleet import NEW, Hooks, SimFleet
from sim.scenario import CrashLoopFault, Fleet


def test_an_instantly_crashing_container_restarts_on_the_published_schedule():
    assert restart_times(0.0, 1000) == [0, 10, 30, 70, 150, 310, 610, 910]


def test_delays_double_from_10s_and_cap_at_300s():
    backoff = Backoff()
    assert [backoff.next_delay(1.0) for _ in range(9)] == [0, 10, 20, 40, 80, 160, 300, 300, 300]


def test_the_backoff_resets_once_a_container_has_run_600s():
    backoff = Backoff()
    for _ in range(5):
        backoff.next_delay(1.0)
    assert backoff.next_delay(600.0) == 0
    assert backoff.next_delay(1.0) == 10


def test_a_container_that_runs_before_crashing_restarts_after_each_run_plus_delay():
    # starts at 0, crashes at 30, restarts at once; crashes at 60, waits 10; ...; waits 80
    assert restart_times(30.0, 300) == [30, 70, 120, 190, 300]


def test_simulated_hosts_follow_the_same_schedule():
    env = simpy.Environment()
    fleet = SimFleet(
        env,
        Fleet(hosts=10, rps=100, internal_share=0.0, deploy="pull", signal_delay=0,
              copy_seconds=0, pull_jitter=0, startup_seconds=0, strategy="blue_green"),
        Hooks(lambda: None, lambda version, n: None),
        np.random.default_rng(0),
        crash_loop=CrashLoopFault(run_time=0),
    )  # fmt: skip
    fleet.set_traffic(0, 100, 0)
    seen = []
    for until in (1, 11, 31, 71, 151, 311, 611, 911):
        env.run(until=until)
        seen.append(int(fleet.restarts[fleet.version == NEW].max()))
    assert seen == [1, 2, 3, 4, 5, 6, 7, 8]  # one restart each at 0, 10, 30, ..., 910
