"""Request traffic as counts: Poisson requests per host and tick, Binomial errors, latency mix."""

import numpy as np
import pytest

from sim.faults import FaultModel
from sim.latency import Lognormal
from sim.scenario import Fleet, LatencyFault
from sim.traffic import Routing, TrafficSampler

TICK = 0.5


def sampler(seed: int = 7, **fleet) -> TrafficSampler:
    return TrafficSampler(Fleet(**fleet), np.random.default_rng(seed), TICK)


def calm(ticks: int, faults=()):
    model = FaultModel(faults, duration_s=ticks * TICK, rng=np.random.default_rng(0))
    t = np.arange(ticks) * TICK
    return model.effects(t, t, external_pct=0.0, rolled_back=False, in_place=True)


def routing(old_hosts: int, old_rps: float, new_hosts: int = 0, new_rps: float = 0.0) -> Routing:
    return Routing(
        old_rates=np.full(old_hosts, old_rps / max(old_hosts, 1)),
        new_rates=np.full(new_hosts, new_rps / max(new_hosts, 1)),
        split=np.array([0.0, 1.0, 0.0]),
    )


def test_per_tick_error_counts_are_poisson_thinned_so_variance_equals_mean():
    ticks = 4000
    block = sampler(baseline_error_rate=0.001).sample(routing(50, 10_000), calm(ticks), ticks)
    errors = block.old_errors.astype(float)
    assert errors.mean() == pytest.approx(10_000 * TICK * 0.001, rel=0.05)
    assert errors.var() / errors.mean() == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("hosts", [1, 10, 1000])
def test_splitting_traffic_across_hosts_conserves_the_total(hosts):
    ticks, rps = 2000, 10_000.0
    per_host = sampler().host_requests(np.full(hosts, rps / hosts), ticks)
    assert per_host.shape == (ticks, hosts)
    totals = per_host.sum(axis=1)
    standard_error = np.sqrt(rps * TICK / ticks)
    assert abs(totals.mean() - rps * TICK) < 4 * standard_error
    assert totals.var() / totals.mean() == pytest.approx(1.0, abs=0.1)  # still Poisson(R·dt)


def test_equally_weighted_hosts_drawn_as_one_sum_match_hosts_drawn_one_by_one():
    ticks, rates = 4000, np.full(200, 50.0)
    summed = sampler(seed=1).fleet_requests(rates, ticks)
    one_by_one = sampler(seed=2).host_requests(rates, ticks).sum(axis=1)
    uneven = sampler(seed=3).fleet_requests(np.linspace(0, 100, 200), ticks)
    for totals in (summed, one_by_one, uneven):
        assert totals.mean() == pytest.approx(10_000 * TICK, rel=0.01)
        assert totals.var() / totals.mean() == pytest.approx(1.0, abs=0.1)


def test_a_lognormal_fitted_to_p50_and_p99_has_those_quantiles():
    latency = Lognormal.fit(80, 400)
    assert latency.cdf(np.array([80.0, 400.0])) == pytest.approx([0.5, 0.99], abs=1e-9)
    assert latency.bucket_probabilities().sum() == pytest.approx(1.0)


def test_the_overall_latency_is_the_traffic_weighted_mix_of_old_and_new():
    ticks, share_new = 2000, 0.3
    sim = sampler(latency_ms={"p50": 80, "p99": 400})
    effects = calm(ticks, [LatencyFault(multiplier=2.0)])
    block = sim.sample(routing(20, 7000, 5, 3000), effects, ticks)
    observed = (block.old_hist + block.new_hist) / (block.old_hist.sum() + block.new_hist.sum())
    expected = (1 - share_new) * sim.bucket_probs() + share_new * sim.bucket_probs((2.0, 0.0))
    assert np.abs(np.cumsum(observed) - np.cumsum(expected)).max() < 0.005
    assert np.abs(np.cumsum(expected) - np.cumsum(sim.bucket_probs())).max() > 0.1  # not trivial


def test_a_bad_secret_served_in_place_fails_every_request():
    ticks = 100
    model = FaultModel([], ticks * TICK, np.random.default_rng(0))
    model.bad_secret = True
    t = np.arange(ticks) * TICK
    effects = model.effects(t, t, 0.0, rolled_back=False, in_place=True)
    block = sampler().sample(routing(10, 9000, 1, 1000), effects, ticks)
    assert (block.new_errors == block.new_requests).all()
    assert block.new_requests.sum() > 0
