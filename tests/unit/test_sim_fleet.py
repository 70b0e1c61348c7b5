"""Deploy mechanics and the router: push/pull timing, in-flight losses, exposure."""

import math

import numpy as np
import pytest
import simpy

from sim.fleet import NEW, Hooks, SimFleet
from sim.latency import Lognormal
from sim.scenario import Fleet


def make_fleet(**settings):
    env = simpy.Environment()
    lost: list[int] = []
    cfg = Fleet(**{"internal_share": 0.0, "startup_seconds": 0, **settings})
    in_flight_s = Lognormal.fit(cfg.latency_ms.p50, cfg.latency_ms.p99).mean_ms / 1000
    hooks = Hooks(lambda: None, lambda version, n: lost.append(n))
    fleet = SimFleet(env, cfg, hooks, np.random.default_rng(3), in_flight_s=in_flight_s)
    return env, fleet, lost


def finish_time(fleet: SimFleet, env: simpy.Environment) -> float:
    env.run(until=10_000)
    return max(t for t, _ in fleet.switch_log)


@pytest.mark.parametrize(("hosts", "k"), [(100, 10), (1000, 20), (1000, 7), (37, 5)])
def test_push_with_k_parallel_copies_takes_ceil_n_over_k_copy_times(hosts, k):
    env, fleet, _ = make_fleet(hosts=hosts, deploy="push", push_parallelism=k,
                               copy_seconds=10, atomic=False)  # fmt: skip
    fleet.set_traffic(100, 100, 0)
    assert finish_time(fleet, env) == math.ceil(hosts / k) * 10
    assert (fleet.version == NEW).all()


@pytest.mark.parametrize("hosts", [10, 1000])
def test_pull_takes_signal_delay_plus_copy_time_whatever_the_fleet_size(hosts):
    env, fleet, _ = make_fleet(hosts=hosts, deploy="pull", signal_delay=5, copy_seconds=10,
                               pull_jitter=0, atomic=False)  # fmt: skip
    fleet.set_traffic(100, 100, 0)
    assert finish_time(fleet, env) == 15


def test_pull_jitter_spreads_switches_over_at_most_the_jitter():
    env, fleet, _ = make_fleet(hosts=1000, deploy="pull", signal_delay=5, copy_seconds=10,
                               pull_jitter=2, atomic=True, drain_seconds=1)  # fmt: skip
    fleet.set_traffic(100, 100, 0)
    env.run(until=100)
    times = [t for t, _ in fleet.switch_log]
    assert min(times) >= 16 and max(times) <= 15 + 2 + 1


def test_a_non_atomic_switch_loses_the_requests_in_flight_lambda_times_w_per_host():
    # 100 hosts at 10,000 req/s is 100 req/s each; a latency of 200 ms leaves 20 in flight
    env, fleet, lost = make_fleet(hosts=100, rps=10_000, latency_ms={"p50": 200, "p99": 200},
                                  deploy="push", push_parallelism=100, atomic=False)  # fmt: skip
    fleet.set_traffic(100, 100, 0)
    env.run(until=100)
    expected = 100 * 100 * 0.2
    assert abs(sum(lost) - expected) < 4 * math.sqrt(expected)


def test_an_atomic_switch_drains_first_and_loses_nothing():
    env, fleet, lost = make_fleet(hosts=100, deploy="push", push_parallelism=10, atomic=True)
    fleet.set_traffic(100, 100, 0)
    env.run(until=1000)
    assert sum(lost) == 0 and (fleet.version == NEW).all()


def test_in_place_exposure_is_new_hosts_over_all_hosts():
    env, fleet, _ = make_fleet(hosts=200, deploy="pull", pull_jitter=0)
    fleet.set_traffic(10, 10, 0)
    assert fleet.routing().user_pct == 0  # nothing has landed yet
    env.run(until=100)
    assert (fleet.version == NEW).sum() == 20
    assert fleet.routing().external_pct == pytest.approx(10)


@pytest.mark.parametrize("strategy", ["in_place", "blue_green"])
@pytest.mark.parametrize("percent", [0, 2, 25, 100])
def test_the_router_conserves_user_traffic_and_mirrors_on_top(strategy, percent):
    env, fleet, _ = make_fleet(hosts=50, rps=1000, internal_share=0.1, strategy=strategy)
    fleet.set_traffic(100, percent, 5)
    env.run(until=200)
    routing = fleet.routing()
    user_new = routing.new_rates.sum() * (1 - routing.split[2])
    assert routing.old_rates.sum() + user_new == pytest.approx(1000)
    assert routing.new_rates.sum() * routing.split[2] == pytest.approx(1000 * 0.05)
    assert routing.user_pct == pytest.approx(100 * (0.1 + 0.9 * percent / 100))


def test_blue_green_keeps_unready_new_hosts_out_of_the_router():
    env = simpy.Environment()
    fleet = SimFleet(env, Fleet(hosts=20, strategy="blue_green"), Hooks(lambda: None,
                     lambda v, n: None), np.random.default_rng(0), bad_secret=True)  # fmt: skip
    fleet.set_traffic(100, 0, 0)
    env.run(until=600)
    health = fleet.health()
    assert (health.new_hosts, health.unready) == (20, 20)
    assert fleet.routing().user_pct == 0


def test_rolling_back_in_place_uses_the_same_mechanics_and_signals_when_done():
    env, fleet, _ = make_fleet(hosts=100, deploy="push", push_parallelism=10, copy_seconds=10,
                               atomic=False)  # fmt: skip
    fleet.set_traffic(100, 100, 0)
    env.run(until=200)
    fleet.roll_back()
    env.run(until=fleet.rollback_done)
    assert env.now == 200 + 100 and not fleet.new_version_live()


@pytest.mark.parametrize(
    ("hosts", "percent", "new_hosts"), [(7, 15, 2), (3, 50, 2), (200, 2.5, 5), (9, 1, 1)]
)
def test_without_a_router_exposure_is_new_hosts_over_all_hosts(hosts, percent, new_hosts):
    # hosts × percent is not a whole number: the fleet rounds up to whole hosts, and each
    # host serves its equal share, so 2 of 7 hosts carry 28.6% of users, not the stage's 15%
    env, fleet, _ = make_fleet(hosts=hosts, router="none", pull_jitter=0, internal_share=0.05)
    fleet.set_traffic(percent, percent, 0)
    env.run(until=100)
    assert (fleet.version == NEW).sum() == new_hosts
    routing = fleet.routing()
    exposure = 100 * new_hosts / hosts
    assert routing.user_pct == pytest.approx(exposure)
    assert routing.external_pct == pytest.approx(exposure)
    assert routing.new_rates.sum() + routing.old_rates.sum() == pytest.approx(fleet.cfg.rps)
    assert routing.new_rates == pytest.approx(routing.old_rates[0])  # every host serves alike


def test_a_weighted_router_sends_exactly_the_stage_percent_to_the_same_hosts():
    env, fleet, _ = make_fleet(hosts=7, router="weighted", pull_jitter=0)
    fleet.set_traffic(15, 15, 0)
    env.run(until=100)
    assert (fleet.version == NEW).sum() == 2
    assert fleet.routing().user_pct == pytest.approx(15)


def test_without_a_router_an_employee_only_stage_reaches_customers_too():
    env, fleet, _ = make_fleet(hosts=200, router="none", pull_jitter=0, internal_share=0.05)
    fleet.set_traffic(100, 0, 0)  # dogfood: 5% of all requests, so 10 hosts
    env.run(until=100)
    routing = fleet.routing()
    assert (fleet.version == NEW).sum() == 10
    assert routing.external_pct == pytest.approx(5) and routing.user_pct == pytest.approx(5)


def test_blue_green_needs_a_router():
    with pytest.raises(ValueError, match="needs router = weighted"):
        Fleet(strategy="blue_green", router="none")


def test_the_fleet_takes_200_000_hosts():
    env, fleet, _ = make_fleet(hosts=200_000, router="none", pull_jitter=0)
    fleet.set_traffic(2, 2, 0)
    env.run(until=100)
    assert (fleet.version == NEW).sum() == 4000
    assert fleet.routing().user_pct == pytest.approx(2)


def test_the_host_cap_is_200_000():
    assert Fleet(hosts=200_000).hosts == 200_000
    with pytest.raises(ValueError, match="less than or equal to 200000"):
        Fleet(hosts=200_001)
