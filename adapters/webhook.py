"""Deployer `kind = "webhook"`: POSTs each action as JSON, signed the way Slack signs requests.

The signature is `v0=` + hex HMAC-SHA256(secret, "v0:{timestamp}:{body}") in
X-Commander-Signature, with the timestamp in X-Commander-Request-Timestamp. Every action
carries an Idempotency-Key: a stable hash of the deploy, the action and its desired state, so
a retried or repeated call is recognisable. Timeouts and 5xx are retried with backoff; a 4xx
raises WorldError with the response body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import httpx
from pydantic import Field

from adapters.context import current
from adapters.settings import Settings, validate_settings
from rollout.durations import Duration
from rollout.errors import ConfigError, WorldError
from rollout.ports import SmokeResult

SIGNATURE = "X-Commander-Signature"
TIMESTAMP = "X-Commander-Request-Timestamp"
IDEMPOTENCY = "Idempotency-Key"


class WebhookSettings(Settings):
    """Settings of `kind = "webhook"`."""

    url: str = Field(pattern=r"^https?://", description="Where each action is POSTed (JSON)")
    secret_env: str = Field(description="Environment variable holding the signing secret")
    timeout: Duration = Field(timedelta(seconds=10), description="Per request")
    attempts: int = Field(4, ge=1, le=10, description="Tries for timeouts and 5xx")
    backoff: Duration = Field(timedelta(seconds=0.5), description="First retry delay; doubles")
    environment: str = Field("production", description="Sent with traffic actions")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The v0 signature of a request body."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def idempotency_key(deploy_id: str, action: str, desired: Mapping[str, Any]) -> str:
    """A stable key for one action towards one desired state of one deploy."""
    canonical = json.dumps([deploy_id, action, dict(desired)], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class WebhookDeployer:
    """Tells a deploy system what to do over HTTP."""

    def __init__(
        self,
        settings: Mapping[str, Any],
        where: str = "deployer",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = validate_settings(WebhookSettings, settings, where)
        secret = os.environ.get(self.settings.secret_env, "")
        if not secret:
            name = self.settings.secret_env
            raise ConfigError(
                f"{where}.settings.secret_env: environment variable {name} is not set"
            )
        self._secret = secret
        self._sleep = sleep
        self._http = httpx.Client(timeout=self.settings.timeout.total_seconds())
        self.host = httpx.URL(self.settings.url).netloc.decode()

    def deploy(self, service: str, environment: str, version: str) -> None:
        """Ask the deploy system to ship a version to an environment."""
        self._post("deploy", service=service, version=version, environment=environment)

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None:
        """Ask for a traffic split."""
        split = {"internal_percent": internal, "external_percent": external}
        self._post("set_traffic", service=service, version=version, mirror_percent=mirror,
                   environment=self.settings.environment, **split)  # fmt: skip

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult:
        """Ask for a smoke test; the answer's JSON says {"passed": bool, "detail": str}."""
        answer = self._post("smoke_test", service=service, environment=environment, test=test)
        smoke = answer.get("smoke", answer)
        if not isinstance(smoke, dict) or not isinstance(smoke.get("passed"), bool):
            detail = f'the smoke answer from {self.host} has no boolean "passed": {answer!r}'
            raise WorldError("smoke_test", detail[:300])
        return SmokeResult(smoke["passed"], str(smoke.get("detail", "")))

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        """Ask for production to return to `to_version`."""
        self._post("rollback", service=service, from_version=from_version, version=to_version)

    def _post(self, action: str, **desired: Any) -> dict[str, Any]:
        context = current()
        key = idempotency_key(context.deploy_id, action, desired)
        payload = {
            "action": action,
            **desired,
            "deploy_id": context.deploy_id,
            "previous_version": context.previous_version,
            "idempotency_key": key,
        }
        body = json.dumps(payload, sort_keys=True).encode()
        attempts = self.settings.attempts
        delay = self.settings.backoff.total_seconds()
        for attempt in range(1, attempts + 1):
            problem = self._try(action, body, key)
            if isinstance(problem, dict):
                return problem
            if attempt < attempts:
                self._sleep(delay)
                delay *= 2
        raise WorldError(action, f"{problem} (after {attempts} attempts)")

    def _try(self, action: str, body: bytes, key: str) -> dict[str, Any] | str:
        """The answer's JSON, or why this attempt should be retried."""
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE: sign(self._secret, timestamp, body),
            TIMESTAMP: timestamp,
            IDEMPOTENCY: key,
        }
        try:
            response = self._http.post(self.settings.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return f"no answer from {self.host} in {self.settings.timeout.total_seconds():g} s"
        except httpx.TransportError as exc:
            return f"cannot reach {self.host}: {type(exc).__name__}"
        text = response.text.strip()[:300]
        if response.status_code >= 500:
            return f"HTTP {response.status_code} from {self.host}: {text}"
        if response.status_code >= 400:
            raise WorldError(action, f"HTTP {response.status_code} from {self.host}: {text}")
        try:
            answer = response.json() if response.content else {}
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {"answer": answer}
