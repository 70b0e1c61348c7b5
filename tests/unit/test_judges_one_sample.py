"""The one-sample judge: the new version against history's rate, when no baseline is left."""

from __future__ import annotations

import numpy as np
import pytest

from rollout.config import OneSampleJudge
from rollout.judges import evaluate
from rollout.judges.one_sample import RECENT, STRIDE, null_rate, start_windows
from rollout.observations import Arm, Observations

WINDOW_REQUESTS = 60_000  # 12,000 req/s in 5 s windows


def history(rng: np.random.Generator, rate: float = 0.001, windows: int = 720) -> Arm:
    requests = rng.poisson(WINDOW_REQUESTS, windows)
    return Arm(requests, rng.binomial(requests, rate))


def watched(rng: np.random.Generator, rates: list[float]) -> Arm:
    requests = rng.poisson(WINDOW_REQUESTS, len(rates))
    return Arm(requests, rng.binomial(requests, np.array(rates)))


def judged(canary: Arm, past: Arm, cfg: OneSampleJudge | None = None) -> str:
    obs = Observations(5.0, Arm(), canary, history=past)
    return evaluate(cfg or OneSampleJudge(), obs).outcome


class TestDetection:
    def test_a_late_tenfold_jump_fails_in_the_first_faulty_window(self) -> None:
        rng = np.random.default_rng(1)
        past, rates = history(rng), [0.001] * 600 + [0.011] * 2
        canary = watched(rng, rates)
        before = Arm(canary.requests[:600], canary.errors[:600])
        assert judged(before, past) == "pass"
        assert judged(Arm(canary.requests[:601], canary.errors[:601]), past) == "fail"

    def test_a_healthy_watch_never_fails_on_any_look(self) -> None:
        rng = np.random.default_rng(2)
        past, canary = history(rng), watched(rng, [0.001] * 240)
        looks = [judged(Arm(canary.requests[:t], canary.errors[:t]), past) for t in range(1, 241)]
        assert "fail" not in looks

    def test_bursts_seen_as_often_in_history_are_inside_the_null(self) -> None:
        rng = np.random.default_rng(3)
        bursty = np.where(rng.random(720) < 0.1, 0.021, 0.001)
        past = Arm(r := rng.poisson(WINDOW_REQUESTS, 720), rng.binomial(r, bursty))
        assert null_rate(past, 0.99) == pytest.approx(0.021, rel=0.1)
        canary = watched(rng, [0.001] * 100 + [0.021] * 4 + [0.001] * 20)
        assert judged(canary, past) == "pass"


class TestEdges:
    def test_no_history_falls_back_on_the_baseline_windows(self) -> None:
        rng = np.random.default_rng(4)
        obs = Observations(5.0, history(rng, windows=60), watched(rng, [0.011] * 2))
        verdict = evaluate(OneSampleJudge(), obs)
        assert verdict.outcome == "fail"
        assert "vs baseline" in verdict.evidence.summary

    def test_too_few_requests_is_inconclusive_not_a_pass(self) -> None:
        rng = np.random.default_rng(5)
        canary = Arm(np.array([500]), np.array([0]))
        assert judged(canary, history(rng)) == "inconclusive"

    def test_alpha_is_spent_over_starts_with_weights_summing_below_one(self) -> None:
        starts = start_windows(10_000)
        assert (starts[-RECENT:] == np.arange(10_000 - RECENT, 10_000)).all()
        assert (starts[:-RECENT] % STRIDE == 0).all()
        weights = 1.0 / ((starts + 1.0) * (starts + 2.0))
        assert weights.sum() < 1.0
