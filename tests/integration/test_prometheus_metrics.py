"""The prometheus metrics source against a real Prometheus scraping a prometheus_client exporter:
the judges see what went through Prometheus, and every kind of "no data" is marked unavailable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.prometheus import PrometheusMetrics
from rollout import judges
from rollout.config import LatencyJudge, NewErrorJudge, SequentialJudge
from rollout.errors import ConfigError
from rollout.observations import Observations, latency_quantile
from rollout.state import DeployState, Exposure
from tests.exporter import Exporter, Rates
from tests.servers import Server, free_port, wait_until

WINDOW = "2s"



def canary_deploy(version: str, previous: str, since: datetime) -> DeployState:
    return DeployState(
        id=f"api-{version}",
        service="api",
        version=version,
        previous_version=previous,
        commander="U1",
        status="running",
        phase="baking",
        exposure=Exposure(internal=10, external=10),
        started_at=since,
        stage_started_at=since,
    )


def source(url: str, **settings: object) -> PrometheusMetrics:
    return PrometheusMetrics({"url": url, "window": WINDOW, "empty_grace": "6s", **settings})


def observe_windows(metrics: PrometheusMetrics, deploy: DeployState, windows: int) -> Observations:
    """Poll until the canary arm has `windows` windows that served requests."""
    seen: list[Observations] = []

    def enough() -> bool:
        seen.append(metrics.observe(deploy, datetime.now(UTC)))
        assert seen[-1].unavailable is None, seen[-1].unavailable
        return int((seen[-1].canary.requests > 0).sum()) >= windows

    wait_until(enough, 60, f"{windows} canary windows in Prometheus", poll=0.5)
    return seen[-1]


def start_versions(exporter: Exporter, baseline: str, canary: str, bad: Rates) -> datetime:
    exporter.set(baseline, Rates())
    exporter.set(canary, bad)
    return datetime.now(UTC) + timedelta(seconds=1)


def test_the_arms_carry_what_the_exporter_served(exporter: Exporter, prometheus: Server) -> None:
    since = start_versions(exporter, "1.0", "1.1", Rates(latency_s=0.2))
    obs = observe_windows(source(prometheus.url), canary_deploy("1.1", "1.0", since), 4)
    served = obs.canary.requests[obs.canary.requests > 0]
    assert obs.window_s == 2.0 and abs(float(served.mean()) - 400) < 120  # 200 rps × 2 s
    assert obs.baseline.business.sum() > 0 and obs.baseline.errors.sum() > 0
    assert obs.baseline.error_types.keys() == {"Timeout"}
    canary_p99 = latency_quantile(obs.canary.latency_hist.sum(axis=0), 0.99)
    baseline_p99 = latency_quantile(obs.baseline.latency_hist.sum(axis=0), 0.99)
    # Each Prometheus bucket lands in the shared bucket holding its upper bound (one step up).
    assert 100 < canary_p99 <= 300 and 25 < baseline_p99 <= 60


def test_a_bad_canary_fails_the_sequential_judge(exporter: Exporter, prometheus: Server) -> None:
    since = start_versions(exporter, "2.0", "2.1", Rates(error_rate=0.2))
    deploy = canary_deploy("2.1", "2.0", since)
    obs = observe_windows(source(prometheus.url), deploy, 3)
    verdict = judges.evaluate(SequentialJudge(alpha=0.01, min_requests=200), obs)
    assert verdict.outcome == "fail", verdict.evidence.summary


def test_a_new_error_type_and_slow_canary_are_caught(
    exporter: Exporter, prometheus: Server
) -> None:
    bad = Rates(new_errors={"NullPointerException": 0.02}, latency_s=0.4)
    since = start_versions(exporter, "3.0", "3.1", bad)
    obs = observe_windows(source(prometheus.url), canary_deploy("3.1", "3.0", since), 3)
    verdict = judges.evaluate(NewErrorJudge(min_count=5), obs)
    assert verdict.outcome == "fail" and "NullPointerException" in verdict.evidence.summary
    slow = judges.evaluate(LatencyJudge(min_requests=500), obs)
    assert slow.outcome == "fail", slow.evidence.summary


def test_a_business_drop_fails_the_business_judge(exporter: Exporter, prometheus: Server) -> None:
    since = start_versions(exporter, "4.0", "4.1", Rates(business_rate=0.005))
    obs = observe_windows(source(prometheus.url), canary_deploy("4.1", "4.0", since), 4)
    judge = SequentialJudge(metric="business", alpha=0.01, min_requests=200)
    verdict = judges.evaluate(judge, obs)
    assert verdict.outcome == "fail", verdict.evidence.summary


def test_an_unreachable_server_is_no_data() -> None:
    port = free_port()
    since = datetime.now(UTC) - timedelta(seconds=30)
    obs = source(f"http://127.0.0.1:{port}").observe(canary_deploy("5.1", "5.0", since), _now())
    assert obs.unavailable == f"metrics source unreachable: connection refused to 127.0.0.1:{port}"


def test_an_empty_result_is_no_data_not_zero(prometheus: Server) -> None:
    since = datetime.now(UTC) - timedelta(seconds=30)
    obs = source(prometheus.url).observe(canary_deploy("never", "shipped", since), _now())
    assert obs.unavailable is not None and "came back empty" in obs.unavailable


def test_nan_and_http_errors_are_no_data(prometheus: Server) -> None:
    since = datetime.now(UTC) - timedelta(seconds=30)
    deploy = canary_deploy("6.1", "6.0", since)
    nan = source(prometheus.url, queries={"requests": "vector(0) / 0"}).observe(deploy, _now())
    assert nan.unavailable is not None and "returned nan" in nan.unavailable
    broken = source(prometheus.url, queries={"requests": "sum(rate(x[{{window}}]"})
    obs = broken.observe(deploy, _now())
    assert obs.unavailable is not None
    assert obs.unavailable.startswith("metrics source error: HTTP 400 from 127.0.0.1:")


def test_a_first_release_has_no_baseline_rather_than_no_data(
    exporter: Exporter, prometheus: Server
) -> None:
    exporter.set("7.0", Rates())
    deploy = canary_deploy("7.0", "unused", datetime.now(UTC)).evolve(previous_version=None)
    obs = observe_windows(source(prometheus.url), deploy, 2)
    assert obs.baseline.windows == 0 and obs.canary.requests.sum() > 0


def test_nothing_is_asked_of_prometheus_before_the_first_window_ends(prometheus: Server) -> None:
    deploy = canary_deploy("never", "shipped", datetime.now(UTC))
    obs = source(prometheus.url).observe(deploy, _now())
    assert obs.unavailable is None and obs.canary.windows == 0


def _now() -> datetime:
    return datetime.now(UTC)


def test_bad_settings_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"^commander.toml: services.api.metrics.settings.url: "):
        PrometheusMetrics({"url": "localhost:9090"}, "commander.toml: services.api.metrics")
