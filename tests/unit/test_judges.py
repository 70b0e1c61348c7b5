"""The registry, every judge on no data, the rule-based judges and the shared helpers."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from rollout.config import (
    HealthJudge,
    LatencyJudge,
    MannWhitneyJudge,
    NewErrorJudge,
    OneSampleJudge,
    SequentialJudge,
    ThresholdJudge,
    ZScoreJudge,
)
from rollout.events import JudgeVerdict
from rollout.judges import JUDGES, evaluate, judge_verdict
from rollout.judges._common import latency_quantiles
from rollout.observations import (
    Arm,
    HostHealth,
    Observations,
    latency_bucket_counts,
    latency_quantile,
)
from tests.unit.judge_data import arm, literal, obs_of

ALL_KINDS = [
    SequentialJudge(),
    ThresholdJudge(),
    MannWhitneyJudge(),
    ZScoreJudge(),
    HealthJudge(),
    LatencyJudge(),
    NewErrorJudge(),
    OneSampleJudge(),
]


EMPTY = Observations(window_s=1.0, baseline=Arm(), canary=Arm())


class TestRegistry:
    def test_every_config_kind_has_a_judge(self) -> None:
        assert set(JUDGES) == {cfg.kind for cfg in ALL_KINDS}

    def test_evaluate_dispatches_on_kind(self) -> None:
        verdict = evaluate(HealthJudge(), obs_of(Arm(), hosts=HostHealth(new_hosts=2)))
        assert verdict.evidence.statistic == "unready_fraction"

    def test_an_unknown_kind_is_an_error_naming_the_known_ones(self) -> None:
        class Bogus:
            kind = "astrology"

        with pytest.raises(ValueError, match="unknown judge kind 'astrology'.*sequential"):
            evaluate(Bogus(), EMPTY)

    def test_judge_verdict_is_the_event_the_machine_consumes(self) -> None:
        event = judge_verdict(HealthJudge(name="hosts", mode="recommend"), EMPTY)
        assert event == JudgeVerdict(
            judge="hosts",
            mode="recommend",
            outcome="inconclusive",
            summary="no new hosts yet",
            evidence=event.evidence,
        )
        assert event.evidence["summary"] == "no new hosts yet"


class TestEveryJudgeOnNoData:
    @pytest.mark.parametrize("cfg", ALL_KINDS, ids=lambda c: c.kind)
    def test_no_data_is_inconclusive_never_a_pass(self, cfg: Any) -> None:
        assert evaluate(cfg, EMPTY).outcome == "inconclusive"

    @pytest.mark.parametrize("cfg", ALL_KINDS, ids=lambda c: c.kind)
    def test_evidence_is_filled_and_serialisable(self, cfg: Any) -> None:
        rng = np.random.default_rng(0)
        obs = obs_of(
            arm(rng, 120, 200, latency_ms=50),
            arm(rng, 120, 9_800, latency_ms=50),
            hosts=HostHealth(new_hosts=4, seconds_since_start=120),
            history=arm(rng, 60, 9_800, latency_ms=50),
        )
        evidence = evaluate(cfg, obs).evidence
        assert evidence.statistic and evidence.samples
        assert evidence.summary and "\n" not in evidence.summary
        json.dumps(evidence.as_dict(), allow_nan=False)


class TestThreshold:
    cfg = ThresholdJudge(max=0.01, interval=timedelta(seconds=60), failure_limit=0)

    def test_one_bad_interval_fails_with_failure_limit_zero(self) -> None:
        canary = literal([100] * 120, [0] * 60 + [2] * 60)  # second minute at 2%
        verdict = evaluate(self.cfg, obs_of(canary))
        assert verdict.outcome == "fail"
        assert verdict.evidence.samples == {
            "canary_requests": 12_000,
            "intervals": 2,
            "failed_intervals": 1,
        }
        assert verdict.evidence.summary == (
            "1 of 2 intervals of 60 s broke error rate ≤ 1.0% (worst 2.0%; failure limit 0)"
        )

    def test_failures_up_to_the_limit_pass(self) -> None:
        canary = literal([100] * 120, [0] * 60 + [2] * 60)
        cfg = self.cfg.model_copy(update={"failure_limit": 1})
        assert evaluate(cfg, obs_of(canary)).outcome == "pass"

    def test_an_incomplete_trailing_interval_is_ignored(self) -> None:
        canary = literal([100] * 90, [0] * 60 + [50] * 30)
        verdict = evaluate(self.cfg, obs_of(canary))
        assert verdict.outcome == "pass"
        assert verdict.evidence.samples["intervals"] == 1

    def test_intervals_are_counted_in_windows_of_any_length(self) -> None:
        canary = literal([10] * 600, [1] * 600)  # 0.1 s windows, 10% errors
        verdict = evaluate(self.cfg, obs_of(canary, window_s=0.1))
        assert verdict.evidence.samples["intervals"] == 1
        assert verdict.outcome == "fail"

    @pytest.mark.parametrize(
        ("canary", "window_s"),
        [
            (literal([100] * 59, [0] * 59), 1.0),  # no complete interval yet
            (literal([0] * 120, [0] * 120), 1.0),  # no requests
            (literal([100] * 60, [0] * 60), float("nan")),  # unusable window length
            (Arm(np.full(60, 100.0), np.full(60, np.nan)), 1.0),  # type: ignore[arg-type]
        ],
        ids=["short", "no requests", "nan window", "nan errors"],
    )
    def test_inconclusive(self, canary: Arm, window_s: float) -> None:
        verdict = evaluate(self.cfg, obs_of(canary, window_s=window_s))
        assert verdict.outcome == "inconclusive"
        assert verdict.evidence.samples["failed_intervals"] == 0

    def test_intervals_below_min_requests_count_as_neither(self) -> None:
        canary = literal([1] * 60 + [100] * 60, [1] * 60 + [0] * 60)
        cfg = self.cfg.model_copy(update={"min_requests": 100})
        verdict = evaluate(cfg, obs_of(canary))
        assert verdict.outcome == "pass"
        assert verdict.evidence.samples["intervals"] == 1

    def test_success_rate_checks_a_minimum(self) -> None:
        cfg = ThresholdJudge(metric="success_rate", max=None, min=0.95)
        assert evaluate(cfg, obs_of(literal([100] * 60, [10] * 60))).outcome == "fail"
        assert evaluate(cfg, obs_of(literal([100] * 60, [1] * 60))).outcome == "pass"

    def test_p99_latency_from_the_summed_histogram(self) -> None:
        rng = np.random.default_rng(1)
        cfg = ThresholdJudge(metric="latency_p99_ms", max=300.0)
        slow = evaluate(cfg, obs_of(arm(rng, 60, 50, latency_ms=400)))
        fast = evaluate(cfg, obs_of(arm(rng, 60, 50, latency_ms=50)))
        assert (slow.outcome, fast.outcome) == ("fail", "pass")
        assert "p99 latency ≤ 300 ms" in slow.evidence.summary

    def test_business_rate_below_min_fails(self) -> None:
        cfg = ThresholdJudge(metric="business_rate", max=None, min=0.04)
        low = evaluate(cfg, obs_of(arm(np.random.default_rng(2), 60, 200, conversion=0.02)))
        assert low.outcome == "fail"


class TestHealth:
    def test_no_new_hosts_is_inconclusive(self) -> None:
        verdict = evaluate(HealthJudge(), obs_of(Arm(), hosts=HostHealth(new_hosts=0)))
        assert (verdict.outcome, verdict.evidence.summary) == ("inconclusive", "no new hosts yet")

    def test_unready_hosts_after_grace_fail_before_user_traffic(self) -> None:
        hosts = HostHealth(new_hosts=10, unready=3, seconds_since_start=60)
        verdict = evaluate(HealthJudge(grace=timedelta(seconds=60)), obs_of(Arm(), hosts=hosts))
        assert verdict.outcome == "fail"
        assert verdict.evidence.summary == (
            "3 of 10 new hosts failed readiness after 60 s: holding before any user traffic"
        )
        assert verdict.evidence.value == pytest.approx(0.3)

    def test_unready_hosts_within_grace_are_inconclusive_not_a_pass(self) -> None:
        hosts = HostHealth(new_hosts=10, unready=3, seconds_since_start=30)
        verdict = evaluate(HealthJudge(grace=timedelta(seconds=60)), obs_of(Arm(), hosts=hosts))
        assert verdict.outcome == "inconclusive"
        assert "grace period" in verdict.evidence.summary

    def test_no_new_host_ready_inside_the_grace_period_is_never_a_pass(self) -> None:
        judge = HealthJudge(grace=timedelta(seconds=60))
        for seconds in (0, 1, 30, 59.9):
            hosts = HostHealth(new_hosts=10, unready=10, seconds_since_start=seconds)
            assert evaluate(judge, obs_of(Arm(), hosts=hosts)).outcome == "inconclusive"
        late = HostHealth(new_hosts=10, unready=10, seconds_since_start=60)
        assert evaluate(judge, obs_of(Arm(), hosts=late)).outcome == "fail"

    def test_unready_hosts_within_the_allowed_fraction_pass_inside_the_grace_period(self) -> None:
        hosts = HostHealth(new_hosts=10, unready=1, seconds_since_start=10)
        cfg = HealthJudge(grace=timedelta(seconds=60), max_unready_fraction=0.2)
        assert evaluate(cfg, obs_of(Arm(), hosts=hosts)).outcome == "pass"

    def test_too_many_restarts_fail(self) -> None:
        hosts = HostHealth(new_hosts=4, restarts=4, seconds_since_start=150)
        verdict = evaluate(HealthJudge(max_restarts=3), obs_of(Arm(), hosts=hosts))
        assert verdict.outcome == "fail"
        assert verdict.evidence.statistic == "restarts"

    def test_ready_hosts_pass(self) -> None:
        hosts = HostHealth(new_hosts=4, restarts=1, seconds_since_start=90)
        assert evaluate(HealthJudge(), obs_of(Arm(), hosts=hosts)).outcome == "pass"


class TestNewError:
    baseline = Arm(error_types={"Timeout": 12})

    def test_a_type_only_the_canary_throws_fails_by_name(self) -> None:
        canary = Arm(np.array([200]), error_types={"Timeout": 1, "KeyError": 7})
        verdict = evaluate(NewErrorJudge(min_count=5), obs_of(canary, self.baseline))
        assert verdict.outcome == "fail"
        assert verdict.evidence.summary == "new error type on the canary only: KeyError ×7"

    def test_types_seen_in_history_are_not_new(self) -> None:
        canary = Arm(np.array([200]), error_types={"KeyError": 7})
        history = Arm(error_types={"KeyError": 1})
        obs = obs_of(canary, self.baseline, history=history)
        assert evaluate(NewErrorJudge(), obs).outcome == "pass"

    def test_rare_new_types_below_min_count_pass(self) -> None:
        canary = Arm(np.array([200]), error_types={"KeyError": 4})
        assert evaluate(NewErrorJudge(min_count=5), obs_of(canary, self.baseline)).outcome == "pass"

    def test_no_canary_requests_is_inconclusive(self) -> None:
        assert evaluate(NewErrorJudge(), obs_of(Arm(), self.baseline)).outcome == "inconclusive"


class TestLatencyQuantiles:
    def test_the_vectorised_quantile_matches_the_reference_per_row(self) -> None:
        rng = np.random.default_rng(22)
        hists = np.stack(
            [latency_bucket_counts(rng.lognormal(3, 1, n)) for n in (0, 1, 5, 100, 10_000)]
        ).astype(float)
        for q in (0.5, 0.99):
            expected = [latency_quantile(h, q) for h in hists]
            np.testing.assert_allclose(latency_quantiles(hists, q), expected, equal_nan=True)
