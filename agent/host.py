"""`commander agent`: runs on each host, pulls the build its service's desired state names.

It watches the desired-state key in etcd; for a new target it fetches the build into a cold
directory, drains for the configured time, switches `current` atomically, restarts the service
and runs the readiness check, reporting each step under its host key (which the `health` judge
reads). A build that fails readiness is switched back to the one it replaced.

The agent declares its pool (internal: employees' hosts, external: customers'); in each pool
ceil(hosts × the pool's share) hosts serve the new version (adapters/fleet.py). A lost etcd is
retried with exponential backoff and jitter, said once per change of state. SIGTERM stops it at
once (`Stopped` is raised from the signal handler): the disk is then as a SIGKILL leaves it,
`current` on one complete build, old or new, and a drain that was cut short never switches.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from adapters.etcd import Etcd
from adapters.fleet import Pool, desired_key, hosts_prefix, target_version
from adapters.settings import Settings
from agent.build import Builds, StepFailed, fill, run, wait_ready
from rollout.durations import Duration
from rollout.errors import WorldError

log = logging.getLogger("commander.agent")
MAX_BACKOFF_S = 30.0


class Stopped(Exception):  # noqa: N818 (a signal, not an error)
    """Raised by the SIGTERM handler: leave now."""


def backoff(failures: int, rng: random.Random) -> float:
    """Seconds to wait after `failures` in a row: 1, 2, 4 … 30, each jittered to 50–100%."""
    return min(MAX_BACKOFF_S, 2.0 ** (failures - 1)) * rng.uniform(0.5, 1.0)


class AgentSettings(Settings):
    """The agent's config file (TOML)."""

    etcd: str = Field(pattern=r"^https?://", description="etcd client URL")
    prefix: str = Field("/commander", pattern=r"^/", description="Key prefix the bot writes")
    service: str = Field(description="The service this host runs")
    environment: str = Field("production", description="The environment this host is in")
    host: str = Field(default_factory=socket.gethostname, description="Default: the hostname")
    pool: Pool = Field(
        "external", description="internal: an employees' host (dogfood); external: customers'"
    )
    root: Path = Field(description="Holds builds/ and the current symlink")
    fetch: tuple[str, ...] | None = Field(None, min_length=1, description="argv; {version} {dest}")
    source: Path | None = Field(None, description="Or copy {source}/{version}")
    drain: Duration = Field(timedelta(0), description="Wait before switching")
    drain_command: tuple[str, ...] | None = Field(None, min_length=1, description="argv")
    restart: tuple[str, ...] | None = Field(None, min_length=1, description="argv; {version}")
    readiness: tuple[str, ...] | None = Field(None, min_length=1, description="argv; exit 0")
    ready_timeout: Duration = Field(timedelta(seconds=30), description="Readiness must pass in")
    step_timeout: Duration = Field(timedelta(minutes=10), description="Per fetch/drain/restart")
    check_every: Duration = Field(timedelta(seconds=10), description="Re-check between changes")

    @model_validator(mode="after")
    def _one_source(self) -> AgentSettings:
        if (self.fetch is None) == (self.source is None):
            given = "neither" if self.fetch is None else "both"
            raise ValueError(f"set one of fetch (a command) or source (a directory), got {given}")
        return self


class Agent:
    """One host's agent; run() until stop is set."""

    def __init__(self, settings: AgentSettings, stop: threading.Event | None = None) -> None:
        self.s = settings
        self.stop = stop or threading.Event()
        self.etcd = Etcd(settings.etcd, action="agent")
        self.key = desired_key(settings.prefix, settings.service, settings.environment)
        self.report_key = hosts_prefix(settings.prefix, settings.service, settings.environment)
        self.report_key += settings.host
        self.builds = Builds(settings.root)
        self.applied = 0  # mod_revision of the desired state last converged on
        self.report: dict[str, Any] = {}
        self.trouble: str | None = None  # what went wrong last, said once
        self.attempted: str | None = None  # the target last converged on
        self.rng = random.Random()

    def run(self) -> None:
        """Converge, then watch for changes; a lost etcd is retried with backoff, never fatal."""
        self.builds.sweep()
        failures = 0
        try:
            while not self.stop.is_set():
                try:
                    self._cycle()
                    failures = 0
                except WorldError as exc:
                    failures += 1
                    self._trouble(exc)
                    self.stop.wait(backoff(failures, self.rng))
        except Stopped:
            log.info("stopped; serving %s", self.builds.serving() or "nothing")

    def _cycle(self) -> None:
        revision = self.converge_latest()
        self._recovered()
        for entry in self.etcd.watch(self.key, revision + 1, self._wait()):
            if entry.mod_revision > self.applied:
                revision = self.converge_latest()
            if self.stop.is_set():
                return
        self.check()

    def converge_latest(self) -> int:
        """Read the desired state and the pools now and serve what they say for this host
        (also when only the pools changed); return the store's revision."""
        entry, revision = self.etcd.get(self.key)
        if self.report == {}:
            self._load_report()
        if entry is not None:
            target = target_version(entry.value, self.s.host, self._members())
            # A new desired state, or the pools moved this host: a build that failed is not
            # retried on every check for the same desired state.
            if entry.mod_revision > self.applied or target != self.attempted:
                self.attempted = target
                self.converge(target)
            self.applied = max(self.applied, entry.mod_revision)
        return revision

    def converge(self, target: str | None) -> None:
        """Serve `target`, the version the desired state names for this host."""
        if target is None or (target == self.builds.serving() and self._ready_on(target)):
            return
        previous = self.builds.serving()
        try:
            if not self.builds.path(target).is_dir():
                self._say(target, "fetching")
                self.builds.fetch(target, self.s.fetch, self.s.source, self._step())
            if self.s.drain or self.s.drain_command:
                self._say(target, "draining")
                self._drain()
            if self.stop.is_set():
                raise Stopped  # a drain cut short never switches: the host stays wholly old
            self.builds.switch(target)
            since = time.time()
            self._restart(target)
        except (StepFailed, OSError) as exc:
            self._say(target, "failed", detail=str(exc)[:400])
            return
        ready, detail = wait_ready(self._argv(self.s.readiness, target), self._ready_s())
        if not ready and previous and previous != target:
            self.builds.switch(previous)  # never leave a host on a build that is not ready
            self._restart(previous)
        self._say(target, "ready" if ready else "failed", detail=detail, since=since)

    def check(self) -> None:
        """Between changes: a ready host that stopped answering is restarted and counted."""
        target = self.report.get("version")
        if self.report.get("state") != "ready" or not self.s.readiness or not target:
            return
        ready, _ = wait_ready(self._argv(self.s.readiness, target), 1.0)
        if ready:
            return
        restarts = int(self.report.get("restarts", 0)) + 1
        self._restart(target)
        ready, detail = wait_ready(self._argv(self.s.readiness, target), self._ready_s())
        self._say(target, "ready" if ready else "failed", detail=detail, restarts=restarts)

    def _ready_on(self, version: str) -> bool:
        return self.report.get("version") == version and self.report.get("state") == "ready"

    def _drain(self) -> None:
        if self.s.drain_command:
            argv = self._fill(self.s.drain_command, self.builds.serving() or "")
            run(argv, self._step(), "drain")
        self.stop.wait(self.s.drain.total_seconds())

    def _restart(self, version: str) -> None:
        if self.s.restart:
            run(self._fill(self.s.restart, version), self._step(), "restart")

    def _members(self) -> dict[str, str]:
        """Every reporting host's pool, this host's included."""
        prefix = self.report_key.removesuffix(self.s.host)
        members = {e.key.removeprefix(prefix): str(e.value.get("pool", "external"))
                   for e in self.etcd.get_prefix(prefix)}  # fmt: skip
        return {**members, self.s.host: self.s.pool}

    def _trouble(self, exc: WorldError) -> None:
        """Say a problem once: the same source failing another way is the same state."""
        state = exc.detail.split(": ")[0]  # "etcd at host:port", "etcd unreachable"
        if state != self.trouble:
            log.warning("%s; retrying with backoff (up to %g s)", exc, MAX_BACKOFF_S)
        self.trouble = state

    def _recovered(self) -> None:
        if self.trouble is not None:
            log.info("etcd answers again")
        self.trouble = None

    def _say(self, version: str, state: str, **extra: Any) -> None:
        same = self.report.get("version") == version
        self.report = {
            "host": self.s.host,
            "pool": self.s.pool,
            "version": version,
            "state": state,
            "serving": self.builds.serving(),
            "restarts": int(self.report.get("restarts", 0)) if same else 0,
            "since": self.report.get("since") if same else None,
            "detail": "",
            "at": time.time(),
            **extra,
        }
        self.etcd.put(self.report_key, self.report)

    def _load_report(self) -> None:
        """Read this host's last report, and register its pool if the report lacks it."""
        entry, _ = self.etcd.get(self.report_key)
        self.report = dict(entry.value) if entry else {"state": "new"}
        if self.report.get("pool") != self.s.pool:
            self.report = {**self.report, "host": self.s.host, "pool": self.s.pool}
            self.etcd.put(self.report_key, self.report)

    def _argv(self, argv: tuple[str, ...] | None, version: str) -> list[str] | None:
        return None if argv is None else self._fill(argv, version)

    def _fill(self, argv: tuple[str, ...], version: str) -> list[str]:
        values = {"version": version, "current": str(self.builds.current),
                  "host": self.s.host, "service": self.s.service}  # fmt: skip
        return fill(argv, values)

    def _wait(self) -> float:
        return self.s.check_every.total_seconds()

    def _step(self) -> float:
        return self.s.step_timeout.total_seconds()

    def _ready_s(self) -> float:
        return self.s.ready_timeout.total_seconds()
