"""Slack deploys judged on data that went through a real Prometheus: a bad canary, a new error
type and a business drop are rolled back; a Prometheus that stops mid-bake holds the deploy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.prometheus_fixtures import NEW, OLD
from tests.e2e.teamconfig import COMMANDER, ROLL_BACK_ON_ERRORS, team_config, traffic
from tests.exporter import Exporter, Rates
from tests.servers import Server
from tests.slackfake import FakeSlack


def start_canary(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, url: str, judges: list[dict]
) -> tuple[Chat, object, str]:
    """Start api NEW (replacing OLD) with a long canary bake judged from Prometheus."""
    metrics = {"kind": "prometheus", "settings": {"url": url, "window": "2s", "empty_grace": "8s"}}
    config = team_config(
        plan=[traffic("canary", 10, bake="5m"), traffic("100%", 100)],
        api_metrics=metrics,
        judges=judges,
    )
    chat = Chat(fake_slack, launch(config))
    store.repo.add_release(
        "api", OLD, deployed_at=datetime.now(UTC), outcome="completed",
        rollback_safe=True, deploy_id=None, commander=COMMANDER,
    )  # fmt: skip
    chat.command(f"start api {NEW}")
    root = chat.root_card("api", NEW)
    return chat, root, chat.button(root, "rollback").value["deploy"]


def rolled_back_by(chat: Chat, root: object, store: StoreOracle, deploy_id: str) -> str:
    chat.in_thread(root, "rolled back", f"<@{COMMANDER}>", timeout=60)
    event = store.wait_event(deploy_id, lambda e: e.to_status == "rolled_back")
    assert event.actor == "policy" and store.deploy(deploy_id).stage_index == 0
    return event.reason


def test_a_bad_canary_seen_through_prometheus_is_rolled_back(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, exporter: Exporter,
    prometheus: Server,
) -> None:  # fmt: skip
    exporter.set(NEW, Rates(error_rate=0.2))
    chat, root, deploy_id = start_canary(
        launch, fake_slack, store, prometheus.url, ROLL_BACK_ON_ERRORS
    )
    reason = rolled_back_by(chat, root, store, deploy_id)
    assert reason.startswith("sequential failed: canary error rate")


def test_a_new_error_type_is_rolled_back(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, exporter: Exporter,
    prometheus: Server,
) -> None:  # fmt: skip
    exporter.set(NEW, Rates(new_errors={"NullPointerException": 0.03}))
    judges = [{"kind": "new_error", "mode": "act", "min_count": 5}]
    chat, root, deploy_id = start_canary(launch, fake_slack, store, prometheus.url, judges)
    reason = rolled_back_by(chat, root, store, deploy_id)
    assert "new error type on the canary only: NullPointerException" in reason


def test_a_business_drop_is_rolled_back(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, exporter: Exporter,
    prometheus: Server,
) -> None:  # fmt: skip
    exporter.set(NEW, Rates(business_rate=0.004))
    judges = [
        {"kind": "sequential", "mode": "act", "metric": "business", "alpha": 0.01,
         "min_requests": 200},
    ]  # fmt: skip
    chat, root, deploy_id = start_canary(launch, fake_slack, store, prometheus.url, judges)
    reason = rolled_back_by(chat, root, store, deploy_id)
    assert reason.startswith("sequential failed: canary conversion rate")


def test_prometheus_stopping_mid_bake_holds_the_deploy_and_says_why_once(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, exporter: Exporter,
    prometheus: Server,
) -> None:  # fmt: skip
    exporter.set(NEW, Rates())
    chat, root, deploy_id = start_canary(
        launch, fake_slack, store, prometheus.url, ROLL_BACK_ON_ERRORS
    )
    store.wait_event(deploy_id, lambda e: e.kind == "judge_verdict", timeout=30)
    prometheus.stop()

    held = chat.in_thread(root, "metrics source unreachable", f"<@{COMMANDER}>", timeout=30)
    deploy = store.deploy(deploy_id)
    port = prometheus.url.rsplit(":", 1)[1]
    assert deploy.status == "held" and deploy.exposure.external == 10
    assert deploy.hold_reason == (
        f"metrics source unreachable: connection refused to 127.0.0.1:{port}"
    )
    store.wait_event(deploy_id, lambda e: e.kind == "metrics_unavailable")
    chat.card_shows(root, "held")
    said = [c for c in chat.thread(root) if "metrics source unreachable" in c.text]
    assert said == [held]


def test_bad_metrics_settings_stop_the_bot_with_one_line(tmp_path: Path) -> None:
    from tests.e2e.botserver import base_env, commander, free_port, new_secret

    config = tmp_path / "commander.toml"
    bad = {"kind": "prometheus", "settings": {"url": "prometheus:9090"}}
    config.write_text(team_config(api_metrics=bad))
    env = base_env("http://127.0.0.1:9", f"sqlite:///{tmp_path / 'c.db'}", config, new_secret())
    result = commander("serve", "--port", str(free_port()), env=env)
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr
    assert last.startswith(  # the config's path, as every config error names it
        f"error: {config}: services.api.metrics.settings.url: string should match pattern"
    )
