"""The sequential judge: an anytime-valid e-value comparing canary and baseline counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rollout.config import SequentialJudge
from rollout.judges import evaluate
from rollout.judges.sequential import ERROR_GRID, log_e_value
from rollout.observations import Arm, Observations

CANARY_RATE, BASELINE_RATE, P0 = 200, 9_800, 0.001  # requests per 1 s window, error rate


def traffic(
    rng: np.random.Generator,
    seconds: int,
    p_canary: float = P0,
    conv_canary: float = 0.05,
    conv_baseline: float = 0.05,
) -> Observations:
    """1 s windows of Poisson requests with binomial errors and conversions."""
    nc = rng.poisson(CANARY_RATE, seconds)
    nb = rng.poisson(BASELINE_RATE, seconds)
    canary = Arm(nc, rng.binomial(nc, p_canary), rng.binomial(nc, conv_canary))
    baseline = Arm(nb, rng.binomial(nb, P0), rng.binomial(nb, conv_baseline))
    return Observations(window_s=1.0, baseline=baseline, canary=canary)


def counts(canary: list[tuple[int, int]], baseline: list[tuple[int, int]]) -> Observations:
    """Observations from literal (requests, errors) per window."""

    def arm(rows: list[tuple[int, int]]) -> Arm:
        data = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return Arm(requests=data[:, 0], errors=data[:, 1])

    return Observations(window_s=1.0, baseline=arm(baseline), canary=arm(canary))


class TestRegressions:
    def test_a_clear_error_regression_fails_within_seconds(self) -> None:
        obs = traffic(np.random.default_rng(1), seconds=5, p_canary=0.02)
        verdict = evaluate(SequentialJudge(), obs)
        assert verdict.outcome == "fail"

    def test_it_may_fail_before_min_requests(self) -> None:
        """Rolling back needs only evidence; min_requests gates passing, not failing."""
        obs = traffic(np.random.default_rng(2), seconds=5, p_canary=0.05)
        verdict = evaluate(SequentialJudge(min_requests=100_000), obs)
        assert verdict.outcome == "fail"

    def test_a_fail_explains_itself(self) -> None:
        obs = traffic(np.random.default_rng(3), seconds=10, p_canary=0.02)
        evidence = evaluate(SequentialJudge(alpha=0.01), obs).evidence
        assert evidence.statistic == "e_value"
        assert evidence.value >= evidence.bound == pytest.approx(100)
        assert evidence.samples["canary_requests"] == int(obs.canary.requests.sum())
        assert evidence.samples["baseline_requests"] == int(obs.baseline.requests.sum())
        assert evidence.samples["canary_errors"] == int(obs.canary.errors.sum())
        assert "canary error rate" in evidence.summary
        assert "≥ 100 = 1/α" in evidence.summary
        assert f"after {evidence.samples['canary_requests']:,} canary requests" in evidence.summary

    def test_a_canary_with_fewer_errors_never_fails(self) -> None:
        obs = traffic(np.random.default_rng(4), seconds=600, p_canary=0.0)
        assert evaluate(SequentialJudge(), obs).outcome == "pass"


class TestPassing:
    def test_a_good_canary_passes_once_it_has_min_requests(self) -> None:
        obs = traffic(np.random.default_rng(5), seconds=60)
        verdict = evaluate(SequentialJudge(min_requests=2_000), obs)
        assert verdict.outcome == "pass"
        assert verdict.evidence.summary.startswith("no regression:")
        assert verdict.evidence.value < verdict.evidence.bound

    def test_before_min_requests_it_says_how_many_more_are_needed(self) -> None:
        obs = counts([(500, 0)], [(9_500, 10)])
        verdict = evaluate(SequentialJudge(min_requests=2_000), obs)
        assert verdict.outcome == "inconclusive"
        assert "needs 1,500 more canary requests" in verdict.evidence.summary


class TestNoDataIsNeverAPass:
    @pytest.mark.parametrize(
        "obs",
        [
            Observations(window_s=1.0, baseline=Arm(), canary=Arm()),
            counts([(0, 0)] * 30, [(9_800, 10)] * 30),
            counts([(200, 0)] * 30, [(0, 0)] * 30),
        ],
        ids=["empty arrays", "no canary requests", "no baseline requests"],
    )
    def test_inconclusive(self, obs: Observations) -> None:
        verdict = evaluate(SequentialJudge(min_requests=1), obs)
        assert verdict.outcome == "inconclusive"
        assert verdict.evidence.samples["canary_requests"] == 0
        assert "no canary requests yet" in verdict.evidence.summary

    def test_nan_windows_are_skipped(self) -> None:
        nan = float("nan")
        canary = Arm(np.array([nan, 200.0]), np.array([1.0, nan]))  # type: ignore[arg-type]
        baseline = Arm(np.array([9_800.0, 9_800.0]), np.array([10.0, 10.0]))  # type: ignore[arg-type]
        verdict = evaluate(SequentialJudge(min_requests=1), Observations(1.0, baseline, canary))
        assert verdict.outcome == "inconclusive"
        assert not math.isnan(verdict.evidence.value)

    def test_windows_where_either_arm_had_no_requests_contribute_nothing(self) -> None:
        with_gaps = counts([(200, 5), (0, 0), (200, 0)], [(9_800, 10), (9_800, 50), (0, 0)])
        without = counts([(200, 5)], [(9_800, 10)])
        cfg = SequentialJudge(min_requests=1)
        assert evaluate(cfg, with_gaps).evidence.value == evaluate(cfg, without).evidence.value

    def test_arms_of_different_lengths_are_compared_over_common_windows(self) -> None:
        longer = counts([(200, 0)] * 3, [(9_800, 10)] * 5)
        same = counts([(200, 0)] * 3, [(9_800, 10)] * 3)
        cfg = SequentialJudge(min_requests=1)
        assert evaluate(cfg, longer).evidence == evaluate(cfg, same).evidence


class TestFalseAlarms:
    def test_a_over_a_rolls_back_at_most_alpha_of_the_time_despite_peeking(self) -> None:
        """200 seeded A/A runs of 300 s, judged every 5 s (60 looks each)."""
        cfg = SequentialJudge(alpha=0.01)
        rollbacks = 0
        for seed in np.random.SeedSequence(2024).spawn(200):
            obs = traffic(np.random.default_rng(seed), seconds=300)
            rollbacks += any(
                evaluate(cfg, _first(obs, t)).outcome == "fail" for t in range(5, 301, 5)
            )
        assert rollbacks / 200 <= 0.03

    def test_the_e_value_never_exceeds_the_exact_per_window_mixture(self) -> None:
        """Pooling the canary share (Jensen) only shrinks the e-value, so Ville still holds."""
        rng = np.random.default_rng(6)
        for p_canary in (P0, 0.002, 0.01):
            obs = traffic(rng, seconds=120, p_canary=p_canary)
            judged = evaluate(SequentialJudge(min_requests=1), obs).evidence.value
            exact = _exact_e_value(obs)
            assert judged <= exact * (1 + 1e-9)
            assert judged >= exact * 0.5  # and loses little power

    def test_the_shared_formula_is_zero_evidence_with_no_events(self) -> None:
        assert float(log_e_value(0, 0, 0, ERROR_GRID)) == pytest.approx(0.0)


class TestBusinessMetric:
    def test_a_drop_in_conversions_fails(self) -> None:
        obs = traffic(np.random.default_rng(7), seconds=120, conv_canary=0.03)
        verdict = evaluate(SequentialJudge(metric="business"), obs)
        assert verdict.outcome == "fail"
        assert "conversion rate" in verdict.evidence.summary
        assert verdict.evidence.samples["canary_conversions"] == int(obs.canary.business.sum())

    def test_a_rise_in_conversions_passes(self) -> None:
        obs = traffic(np.random.default_rng(8), seconds=120, conv_canary=0.08)
        assert evaluate(SequentialJudge(metric="business"), obs).outcome == "pass"

    def test_errors_do_not_move_the_business_judge(self) -> None:
        obs = traffic(np.random.default_rng(9), seconds=120, p_canary=0.05)
        assert evaluate(SequentialJudge(metric="business"), obs).outcome == "pass"


def _first(obs: Observations, windows: int) -> Observations:
    def cut(arm: Arm) -> Arm:
        return Arm(arm.requests[:windows], arm.errors[:windows], arm.business[:windows])

    return Observations(obs.window_s, cut(obs.baseline), cut(obs.canary))


def _exact_e_value(obs: Observations) -> float:
    """The mixture of per-window likelihood ratios, written out the long way."""
    nc, nb = obs.canary.requests.astype(float), obs.baseline.requests.astype(float)
    x, y = obs.canary.errors.astype(float), obs.baseline.errors.astype(float)
    s = nc / (nc + nb)
    ratios = []
    for theta in ERROR_GRID:
        rho = s * theta / (s * theta + 1 - s)
        log_lr = np.sum(x * np.log(rho / s) + y * np.log((1 - rho) / (1 - s)))
        ratios.append(math.exp(log_lr))
    return float(np.mean(ratios))
