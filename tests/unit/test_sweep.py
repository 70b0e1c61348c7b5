"""Sweeps: seeds, chunking, the reference policies, and the per-scenario summary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rollout.config import (
    HealthJudge,
    MannWhitneyJudge,
    TeamConfig,
    ThresholdJudge,
    ZScoreJudge,
)
from rollout.errors import CommanderError
from sim.reference_policies import REFERENCE_POLICIES, policy_named
from sim.report import Spread
from sim.sweep import Sweep, check_jobs, chunks, seeds_for


class TestSeeds:
    def test_runs_use_seeds_zero_to_n_minus_one(self):
        assert seeds_for(5) == (0, 1, 2, 3, 4)

    def test_zero_runs_is_a_user_error(self):
        with pytest.raises(CommanderError, match="--runs must be at least 1"):
            seeds_for(0)

    def test_jobs_default_to_the_cpu_count_and_must_be_positive(self):
        assert check_jobs(None) >= 1
        assert check_jobs(3) == 3
        with pytest.raises(CommanderError, match="--jobs must be at least 1"):
            check_jobs(0)


class TestChunks:
    def sweep(self, configs=2, scenarios=3, runs=10) -> Sweep:
        return Sweep(
            tuple(TeamConfig() for _ in range(configs)),
            tuple(f"scenario-{i}" for i in range(scenarios)),  # chunking never looks inside
            seeds_for(runs),
        )

    @pytest.mark.parametrize("workers", [1, 2, 7, 64])
    def test_every_case_and_seed_is_run_exactly_once(self, workers):
        sweep = self.sweep()
        planned = [
            (c.config_index, c.scenario_index, seed)
            for c in chunks(sweep, workers)
            for seed in c.seeds
        ]
        expected = [(ci, si, s) for ci in range(2) for si in range(3) for s in range(10)]
        assert sorted(planned) == expected

    def test_only_the_chart_seed_keeps_its_series_once_per_case(self):
        sweep = self.sweep()
        planned = chunks(sweep, 4)
        keeping = [c for c in planned if c.series_seed is not None]
        assert all(c.series_seed == sweep.chart_seed in c.seeds for c in keeping)
        cases = sorted((c.config_index, c.scenario_index) for c in keeping)
        assert cases == [(ci, si) for ci in range(2) for si in range(3)]

    def test_more_workers_make_more_smaller_chunks(self):
        sweep = self.sweep(configs=1, scenarios=1, runs=100)
        assert len(chunks(sweep, 1)) < len(chunks(sweep, 8))
        assert sweep.total_runs == 100


class TestReferencePolicies:
    """Each follows the peer's documented defaults (docs/reference.md, "What the peers do")."""

    def test_argo_checks_success_rate_every_five_minutes_with_failure_limit_three(self):
        judge = policy_named("argo", TeamConfig()).judges[0]
        assert isinstance(judge, ThresholdJudge)
        assert (judge.metric, judge.min, judge.failure_limit) == ("success_rate", 0.95, 3)
        assert judge.interval == timedelta(minutes=5)

    def test_flagger_rolls_back_after_one_failed_60s_check(self):
        policy = policy_named("flagger", TeamConfig())
        judge = policy.judges[0]
        assert isinstance(judge, ThresholdJudge)
        assert judge.interval == timedelta(seconds=60) and judge.failure_limit == 0
        assert policy.evaluate_every == timedelta(seconds=60)

    def test_argo_and_flagger_fail_pods_not_ready_after_the_600s_progress_deadline(self):
        for name in ("argo", "flagger"):
            health = policy_named(name, TeamConfig()).judges[1]
            assert isinstance(health, HealthJudge)
            assert health.grace == timedelta(seconds=600)

    def test_kayenta_uses_mann_whitney_at_98_percent_with_25_percent_tolerance(self):
        judge = policy_named("kayenta", TeamConfig()).judges[0]
        assert isinstance(judge, MannWhitneyJudge)
        assert (judge.confidence, judge.tolerance, judge.min_points) == (0.98, 0.25, 50)
        assert (judge.pass_score, judge.marginal_score) == (95, 75)

    def test_releasebot_is_a_zscore_against_history_at_three(self):
        judge = policy_named("releasebot", TeamConfig()).judges[0]
        assert isinstance(judge, ZScoreJudge) and judge.threshold == 3.0

    def test_every_reference_policy_acts_on_its_own(self):
        for make in REFERENCE_POLICIES.values():
            assert all(j.mode == "act" for j in make().judges)

    def test_team_is_the_configs_own_policy(self):
        config = TeamConfig()
        assert policy_named("team", config) is config.policy

    def test_an_unknown_policy_is_a_user_error_listing_the_known_ones(self):
        with pytest.raises(CommanderError, match="known: team, argo, flagger, kayenta"):
            policy_named("spinnaker", TeamConfig())


class TestSpread:
    def test_percentiles_ignore_runs_where_it_did_not_happen(self):
        spread = Spread.of([None, 10.0, 20.0, None, 30.0])
        assert (spread.p50, spread.count) == (20.0, 3)
        assert 28.0 < spread.p95 <= 30.0

    def test_never_happening_gives_no_percentiles(self):
        assert Spread.of([None, None]) == Spread(None, None, 0)
