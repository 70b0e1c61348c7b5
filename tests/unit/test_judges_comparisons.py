"""Judges that compare the canary with a reference: Mann–Whitney, z-score and latency."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rollout.config import LatencyJudge, MannWhitneyJudge, ZScoreJudge
from rollout.judges import evaluate
from rollout.judges.mann_whitney import mann_whitney_u
from tests.unit.judge_data import arm, literal, obs_of


class TestMannWhitney:
    def test_u_and_p_match_scipy_with_ties(self) -> None:
        stats = pytest.importorskip("scipy.stats")
        rng = np.random.default_rng(3)
        for shift in (0.0, 0.3, 1.0):
            a = np.round(rng.normal(shift, 1, 60), 1)
            b = np.round(rng.normal(0, 1, 80), 1)
            u, p = mann_whitney_u(a, b)
            expected = stats.mannwhitneyu(a, b, method="asymptotic")
            assert u == pytest.approx(expected.statistic)
            assert p == pytest.approx(expected.pvalue, rel=1e-9)

    def test_all_tied_points_are_not_significant(self) -> None:
        assert mann_whitney_u(np.zeros(10), np.zeros(10))[1] == 1.0

    def test_a_latency_regression_scores_low_and_fails(self) -> None:
        rng = np.random.default_rng(4)
        obs = obs_of(arm(rng, 100, 200, latency_ms=90), arm(rng, 100, 200, latency_ms=50))
        verdict = evaluate(MannWhitneyJudge(), obs)
        assert verdict.outcome == "fail"
        assert verdict.evidence.value == 50  # error rate passes, latency is High
        assert "p99 latency High" in verdict.evidence.summary

    def test_equal_arms_pass(self) -> None:
        rng = np.random.default_rng(5)
        obs = obs_of(arm(rng, 100, 200, latency_ms=50), arm(rng, 100, 200, latency_ms=50))
        verdict = evaluate(MannWhitneyJudge(), obs)
        assert (verdict.outcome, verdict.evidence.value) == ("pass", 100)

    def test_a_significant_shift_within_tolerance_passes(self) -> None:
        rng = np.random.default_rng(6)
        obs = obs_of(arm(rng, 200, 200, latency_ms=55), arm(rng, 200, 200, latency_ms=50))
        verdict = evaluate(MannWhitneyJudge(metrics=("latency_p99_ms",), tolerance=0.25), obs)
        assert verdict.outcome == "pass"

    def test_a_score_between_marginal_and_pass_is_inconclusive(self) -> None:
        rng = np.random.default_rng(7)
        obs = obs_of(arm(rng, 100, 200, latency_ms=90), arm(rng, 100, 200, latency_ms=50))
        cfg = MannWhitneyJudge(pass_score=95, marginal_score=40)
        assert evaluate(cfg, obs).outcome == "inconclusive"

    def test_a_drop_in_conversions_is_low(self) -> None:
        rng = np.random.default_rng(8)
        obs = obs_of(arm(rng, 100, 500, conversion=0.02), arm(rng, 100, 500, conversion=0.05))
        verdict = evaluate(MannWhitneyJudge(metrics=("business_rate",)), obs)
        assert verdict.outcome == "fail"
        assert "conversion rate Low" in verdict.evidence.summary

    def test_too_few_points_is_inconclusive(self) -> None:
        rng = np.random.default_rng(9)
        obs = obs_of(arm(rng, 20, 200, latency_ms=90), arm(rng, 20, 200, latency_ms=50))
        verdict = evaluate(MannWhitneyJudge(min_points=50), obs)
        assert verdict.outcome == "inconclusive"
        assert "20/20 points" in verdict.evidence.summary

    def test_a_metric_without_enough_points_is_left_out_of_the_score(self) -> None:
        """No latency histograms here, so only the error rate is judged."""
        rng = np.random.default_rng(10)
        verdict = evaluate(MannWhitneyJudge(), obs_of(arm(rng, 100, 200), arm(rng, 100, 200)))
        assert verdict.evidence.samples["metrics_judged"] == 1
        assert verdict.outcome == "pass"


class TestZScore:
    def test_a_canary_far_above_history_fails(self) -> None:
        rng = np.random.default_rng(11)
        obs = obs_of(arm(rng, 60, 200, p_error=0.02), history=arm(rng, 60, 9_800))
        verdict = evaluate(ZScoreJudge(), obs)
        assert verdict.outcome == "fail"
        assert verdict.evidence.value > 3
        assert "above the history mean" in verdict.evidence.summary

    def test_a_canary_like_history_passes(self) -> None:
        rng = np.random.default_rng(12)
        obs = obs_of(arm(rng, 60, 200), history=arm(rng, 60, 9_800))
        assert evaluate(ZScoreJudge(), obs).outcome == "pass"

    def test_without_history_it_compares_with_the_baseline(self) -> None:
        rng = np.random.default_rng(13)
        obs = obs_of(arm(rng, 60, 200, p_error=0.02), arm(rng, 60, 9_800))
        verdict = evaluate(ZScoreJudge(), obs)
        assert verdict.outcome == "fail"
        assert "baseline mean" in verdict.evidence.summary

    def test_for_conversions_lower_is_bad(self) -> None:
        rng = np.random.default_rng(14)
        history = arm(rng, 60, 9_800)
        cfg = ZScoreJudge(metric="business_rate")
        assert (
            evaluate(cfg, obs_of(arm(rng, 60, 200, conversion=0.03), history=history)).outcome
            == "fail"
        )
        assert (
            evaluate(cfg, obs_of(arm(rng, 60, 200, conversion=0.08), history=history)).outcome
            == "pass"
        )

    def test_flat_history_uses_a_floor_instead_of_dividing_by_zero(self) -> None:
        """One stray error against a spotless history is not a failure; several are."""
        history = literal([9_800] * 40, [0] * 40)
        one = evaluate(ZScoreJudge(), obs_of(literal([200] * 10, [0] * 9 + [1]), history=history))
        many = evaluate(ZScoreJudge(), obs_of(literal([200] * 10, [1] * 10), history=history))
        assert np.isfinite(one.evidence.value)
        assert (one.outcome, many.outcome) == ("pass", "fail")

    def test_latency_against_history(self) -> None:
        rng = np.random.default_rng(15)
        obs = obs_of(arm(rng, 30, 200, latency_ms=200), history=arm(rng, 60, 500, latency_ms=50))
        assert evaluate(ZScoreJudge(metric="latency_p99_ms"), obs).outcome == "fail"

    def test_too_little_history_is_inconclusive(self) -> None:
        rng = np.random.default_rng(16)
        obs = obs_of(arm(rng, 60, 200, p_error=0.5), history=arm(rng, 10, 9_800))
        verdict = evaluate(ZScoreJudge(min_history=30), obs)
        assert verdict.outcome == "inconclusive"
        assert verdict.evidence.summary == "only 10 history points, needs 30"

    def test_a_history_judged_again_gives_what_a_fresh_one_gives(self) -> None:
        """The history's points are kept on the arm between looks, per metric."""
        rng = np.random.default_rng(23)
        history = arm(rng, 60, 9_800, latency_ms=50)
        canaries = [
            arm(rng, 30, 200, p_error=p, latency_ms=ms) for p, ms in ((0.01, 50), (0.03, 90))
        ]
        for metric in ("error_rate", "latency_p99_ms", "error_rate", "business_rate"):
            cfg = ZScoreJudge(metric=metric)
            for canary in canaries:
                kept = evaluate(cfg, obs_of(canary, history=history))
                fresh = evaluate(cfg, obs_of(canary, history=replace(history)))
                assert kept == fresh
        assert evaluate(ZScoreJudge(), obs_of(canaries[1], history=history)).outcome == "fail"

    def test_no_canary_requests_is_inconclusive(self) -> None:
        rng = np.random.default_rng(17)
        obs = obs_of(literal([0] * 5, [0] * 5), history=arm(rng, 60, 9_800))
        assert evaluate(ZScoreJudge(), obs).outcome == "inconclusive"


class TestLatency:
    def test_a_slower_canary_fails(self) -> None:
        rng = np.random.default_rng(18)
        obs = obs_of(arm(rng, 20, 200, latency_ms=80), arm(rng, 20, 2_000, latency_ms=50))
        verdict = evaluate(LatencyJudge(max_increase_pct=20), obs)
        assert verdict.outcome == "fail"
        assert verdict.evidence.value > 20
        assert verdict.evidence.summary.startswith("canary p99 ")

    def test_a_canary_like_the_baseline_passes(self) -> None:
        rng = np.random.default_rng(19)
        obs = obs_of(arm(rng, 20, 200, latency_ms=50), arm(rng, 20, 2_000, latency_ms=50))
        assert evaluate(LatencyJudge(), obs).outcome == "pass"

    def test_the_quantile_is_configurable(self) -> None:
        rng = np.random.default_rng(20)
        obs = obs_of(arm(rng, 20, 200, latency_ms=80), arm(rng, 20, 2_000, latency_ms=50))
        verdict = evaluate(LatencyJudge(quantile=0.5), obs)
        assert "canary p50" in verdict.evidence.summary

    def test_a_source_s_running_total_gives_what_summing_the_windows_gives(self) -> None:
        rng = np.random.default_rng(22)
        canary, baseline = arm(rng, 20, 200, latency_ms=80), arm(rng, 20, 2_000, latency_ms=50)
        totals = [replace(a, latency_pooled=a.latency_hist.sum(axis=0)) for a in (canary, baseline)]
        summed = evaluate(LatencyJudge(max_increase_pct=20), obs_of(canary, baseline))
        assert evaluate(LatencyJudge(max_increase_pct=20), obs_of(*totals)) == summed
        assert summed.outcome == "fail"

    def test_too_few_samples_in_either_arm_is_inconclusive(self) -> None:
        rng = np.random.default_rng(21)
        obs = obs_of(arm(rng, 2, 200, latency_ms=500), arm(rng, 20, 2_000, latency_ms=50))
        verdict = evaluate(LatencyJudge(min_requests=1_000), obs)
        assert verdict.outcome == "inconclusive"
        assert "needs 1,000 each" in verdict.evidence.summary
