"""False alarms on a good release (A/A): what the rules' statistics promise, reproduced."""

import math

from rollout.config import (
    Policy,
    SequentialJudge,
    Stabilization,
    Team,
    TeamConfig,
    ThresholdJudge,
    TrafficStage,
)
from sim.runner import run
from sim.scenario import Fleet, Release, Scenario

RUNS = 200
FLEET = Fleet(hosts=10, rps=1000, baseline_error_rate=0.01, strategy="blue_green",
              deploy="pull", signal_delay=0, copy_seconds=0, pull_jitter=0,
              startup_seconds=0, history=0)  # fmt: skip


def rollback_rate(policy: Policy, stage: TrafficStage) -> float:
    scenario = Scenario(name="a-a", fleet=FLEET, release=Release(stages=(stage,)))
    bake_only = Team(stabilization=Stabilization(minor=0))  # no watch at 100% after the bake
    config = TeamConfig(team=bake_only, policy=policy)
    outcomes = [run(scenario, config, seed, keep_series=False).outcome for seed in range(RUNS)]
    return outcomes.count("rolled_back") / RUNS


def binomial_tail(k: int, q: float, limit: int) -> float:
    """P(Binomial(k, q) > limit)."""
    return 1 - sum(math.comb(k, i) * q**i * (1 - q) ** (k - i) for i in range(limit + 1))


def test_an_anytime_valid_rule_rolls_back_a_good_release_at_most_alpha_of_the_time():
    policy = Policy(judges=(SequentialJudge(alpha=0.05),))
    rate = rollback_rate(policy, TrafficStage(name="50%", percent=50, bake="10m", gate="auto"))
    assert rate <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / RUNS)


def test_a_threshold_rule_fails_with_probability_of_a_binomial_tail():
    """K complete 60 s intervals, each over the bound with probability q (normal approx.)."""
    bound, limit = 0.0105, 2
    per_interval = 1000 * 60  # all traffic on the new version
    q = 0.5 * math.erfc((bound - 0.01) / math.sqrt(0.01 * 0.99 / per_interval) / math.sqrt(2))
    judge = ThresholdJudge(max=bound, interval="60s", failure_limit=limit)
    stage = TrafficStage(name="100%", percent=100, bake="10m", gate="auto")
    expected = binomial_tail(10, q, limit)  # the bake holds ten complete intervals
    rate = rollback_rate(Policy(judges=(judge,), evaluate_every="60s"), stage)
    assert abs(rate - expected) < 3 * math.sqrt(expected * (1 - expected) / RUNS) + 0.01
    assert 0.05 < expected < 0.5  # a regime where the check can tell
