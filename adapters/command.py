"""Deployer `kind = "command"`: runs configured argv lists (never a shell string).

Each action's command gets only what it needs: PATH, HOME, the COMMANDER_* variables, the
service's declared `env` and its declared `secrets` (read from the bot's environment). Never
the bot's Slack tokens, its signing secret or another service's secrets. A non-zero exit or a
timeout raises WorldError with the last lines of stderr, with secret values redacted.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pydantic import Field

from adapters.context import current
from adapters.settings import Settings, validate_settings
from rollout.durations import Duration
from rollout.errors import WorldError
from rollout.ports import SmokeResult

Argv = tuple[str, ...]
TAIL_LINES = 5
REDACTED = "[redacted]"
INHERITED = ("PATH", "HOME")


class CommandSettings(Settings):
    """Settings of `kind = "command"`: one argv per action; a missing one does nothing."""

    deploy: Argv | None = Field(None, min_length=1, description="Ships a version to an environment")
    set_traffic: Argv | None = Field(None, min_length=1, description="Routes a traffic split")
    smoke_test: Argv | None = Field(
        None, min_length=1, description="Exit 0 passes; its last stdout line is the detail"
    )
    rollback: Argv | None = Field(None, min_length=1, description="Returns production")
    timeout: Duration = Field(timedelta(minutes=5), description="Per command; then killed")
    environment: str = Field("production", description="COMMANDER_ENVIRONMENT for traffic")
    env: dict[str, str] = Field(
        default_factory=dict, description="Variables the commands get (besides PATH, HOME)"
    )
    secrets: tuple[str, ...] = Field(
        (), description="Names of the bot's environment variables passed on; never shown"
    )


class CommandDeployer:
    """Runs the configured commands; every call is idempotent if the commands are."""

    def __init__(self, settings: Mapping[str, Any], where: str = "deployer") -> None:
        self.settings = validate_settings(CommandSettings, settings, where)

    def deploy(self, service: str, environment: str, version: str) -> None:
        """Run the deploy command for an environment."""
        self._run("deploy", {"service": service, "version": version, "environment": environment})

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None:
        """Run the set_traffic command with the split in the environment."""
        split = {
            "internal_percent": internal,
            "external_percent": external,
            "mirror_percent": mirror,
        }
        self._run("set_traffic", {"service": service, "version": version, **split})

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult:
        """Run the smoke command: exit 0 passes, with its last stdout line as the detail."""
        if self.settings.smoke_test is None:
            return SmokeResult(True, "no smoke_test command configured")
        fields = {"service": service, "environment": environment, "smoke_test": test or ""}
        try:
            done = self._run("smoke_test", fields, check=False)
        except WorldError as exc:  # a hung smoke test fails the smoke test
            return SmokeResult(False, exc.detail)
        if done.returncode == 0:
            return SmokeResult(True, _tail(self._redact(done.stdout), 1))
        return SmokeResult(False, self._failure(done))

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        """Run the rollback command: VERSION is the one to return to."""
        fields = {"service": service, "version": to_version or "", "from_version": from_version}
        self._run("rollback", fields)

    def _run(
        self, action: str, fields: Mapping[str, Any], check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        argv = getattr(self.settings, action)
        if argv is None:
            return subprocess.CompletedProcess((), 0, "", "")
        env = {**self._inherited(), **self.settings.env, **self._variables(action, fields)}
        timeout = self.settings.timeout.total_seconds()
        try:
            proc = subprocess.Popen(
                list(argv), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise WorldError(action, f"cannot run {argv[0]}: {exc.strerror}") from None
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise WorldError(action, f"{argv[0]} timed out after {timeout:g} s") from None
        done = subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)
        if check and done.returncode != 0:
            raise WorldError(action, self._failure(done))
        return done

    def _inherited(self) -> dict[str, str]:
        """PATH, HOME and the declared secrets from the bot's environment: nothing else."""
        names = (*INHERITED, *self.settings.secrets)
        return {name: os.environ[name] for name in names if name in os.environ}

    def _variables(self, action: str, fields: Mapping[str, Any]) -> dict[str, str]:
        context = current()
        base = {
            "action": action,
            "version": context.version,
            "environment": self.settings.environment,
            "previous_version": context.previous_version or "",
            "deploy_id": context.deploy_id,
            "internal_percent": 0,
            "external_percent": 0,
            "mirror_percent": 0,
        }
        return {f"COMMANDER_{k.upper()}": _text(v) for k, v in {**base, **fields}.items()}

    def _failure(self, done: subprocess.CompletedProcess[str]) -> str:
        tail = _tail(self._redact(done.stderr or done.stdout), TAIL_LINES)
        head = f"{done.args[0]} exited {done.returncode}"
        return f"{head}: {tail}" if tail else head

    def _redact(self, text: str) -> str:
        values = [self.settings.env.get(n) or os.environ.get(n, "") for n in self.settings.secrets]
        for value in sorted(filter(None, values), key=len, reverse=True):
            text = text.replace(value, REDACTED)
        return text


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _tail(text: str, lines: int) -> str:
    """The last non-blank lines, at most 600 characters."""
    kept = [line.rstrip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join(kept)[-600:]
