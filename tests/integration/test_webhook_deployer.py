"""The webhook deployer against a loopback HTTP server: signed requests, stable idempotency
keys, retried 5xx, surfaced 4xx bodies and the smoke result read from the answer."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from adapters.context import acting_for
from adapters.webhook import WebhookDeployer, idempotency_key
from rollout.errors import ConfigError, WorldError
from rollout.state import DeployState
from tests.integration.webhook_fixtures import SLOW, Receiver, serve_receiver

SECRET = "whsec-test-0123456789"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve_receiver()


@pytest.fixture
def deployer(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> WebhookDeployer:
    monkeypatch.setenv("DEPLOY_WEBHOOK_SECRET", SECRET)
    settings = {
        "url": receiver.url, "secret_env": "DEPLOY_WEBHOOK_SECRET", "backoff": "0.01s",
        "timeout": "0.2s",
    }  # fmt: skip
    return WebhookDeployer(settings)


def deploy() -> DeployState:
    started = datetime(2026, 1, 6, 18, 0, tzinfo=UTC)
    return DeployState("api-7", "api", "2.0", "1.9", "U1", started_at=started)


def test_requests_are_signed_like_slack_signs_them(
    receiver: Receiver, deployer: WebhookDeployer
) -> None:
    with acting_for(deploy(), revision=3):
        deployer.set_traffic("api", "2.0", 0.0, 10.0, 0.0)
    [request] = receiver.received
    timestamp = request.headers["X-Commander-Request-Timestamp"]
    base = f"v0:{timestamp}:".encode() + request.body
    expected = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Commander-Signature"], expected)
    assert request.json == {
        "action": "set_traffic", "service": "api", "version": "2.0", "previous_version": "1.9",
        "environment": "production", "internal_percent": 0.0, "external_percent": 10.0,
        "mirror_percent": 0.0, "deploy_id": "api-7",
        "idempotency_key": request.headers["Idempotency-Key"],
    }  # fmt: skip
    assert SECRET not in request.body.decode()


def test_the_idempotency_key_is_stable_per_deploy_action_and_state(
    receiver: Receiver, deployer: WebhookDeployer
) -> None:
    with acting_for(deploy(), revision=3):
        deployer.set_traffic("api", "2.0", 0.0, 10.0, 0.0)
        deployer.set_traffic("api", "2.0", 0.0, 10.0, 0.0)  # a reconcile pass repeats it
        deployer.set_traffic("api", "2.0", 0.0, 25.0, 0.0)
    keys = [r.headers["Idempotency-Key"] for r in receiver.received]
    assert keys[0] == keys[1] != keys[2]
    other = idempotency_key("api-8", "set_traffic", {"version": "2.0"})
    assert other != idempotency_key("api-7", "set_traffic", {"version": "2.0"})


def test_5xx_and_timeouts_are_retried_with_the_same_key(
    receiver: Receiver, deployer: WebhookDeployer
) -> None:
    receiver.replies = [(503, "busy"), (SLOW, ""), (502, "bad gateway")]
    deployer.deploy("api", "staging", "2.0")
    assert len(receiver.received) == 4
    assert len({r.headers["Idempotency-Key"] for r in receiver.received}) == 1


def test_a_5xx_that_persists_fails_the_action(
    receiver: Receiver, deployer: WebhookDeployer
) -> None:
    receiver.replies = [(500, "database is down")] * 4
    with pytest.raises(WorldError) as failed:
        deployer.rollback("api", "2.0", "1.9")
    host = receiver.url.split("/")[2]
    assert failed.value.detail == f"HTTP 500 from {host}: database is down (after 4 attempts)"


def test_a_4xx_fails_at_once_with_the_response_body(
    receiver: Receiver, deployer: WebhookDeployer
) -> None:
    receiver.replies = [(409, '{"error": "version 2.0 is not built yet"}')]
    with pytest.raises(WorldError, match=r'HTTP 409 from .*"version 2.0 is not built yet"'):
        deployer.deploy("api", "staging", "2.0")
    assert len(receiver.received) == 1


def test_the_smoke_result_comes_back_in_the_answer(
    receiver: Receiver, deployer: WebhookDeployer
) -> None:
    receiver.replies = [
        (200, '{"smoke": {"passed": true, "detail": "42 checks green"}}'),
        (200, '{"passed": false, "detail": "login returned 502"}'),
        (200, '{"status": "queued"}'),
    ]
    first = deployer.smoke_test("api", "staging", "smoke")
    second = deployer.smoke_test("api", "staging", "smoke")
    assert (first.passed, first.detail) == (True, "42 checks green")
    assert (second.passed, second.detail) == (False, "login returned 502")
    with pytest.raises(WorldError, match='no boolean "passed"'):
        deployer.smoke_test("api", "staging", "smoke")
    assert receiver.received[0].json["test"] == "smoke"


def test_an_unreachable_receiver_is_retried_then_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK", SECRET)
    slept: list[float] = []
    settings = {"url": "http://127.0.0.1:9/x", "secret_env": "HOOK", "attempts": 3}
    hook = WebhookDeployer(settings, sleep=slept.append)
    with pytest.raises(WorldError, match=r"cannot reach 127.0.0.1:9: ConnectError \(after 3"):
        hook.deploy("api", "staging", "2.0")
    assert slept == [0.5, 1.0]  # backoff doubles


def test_a_missing_secret_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE", raising=False)
    with pytest.raises(ConfigError, match="settings.secret_env: environment variable NOPE is not"):
        WebhookDeployer({"url": "http://127.0.0.1:9/x", "secret_env": "NOPE"})
