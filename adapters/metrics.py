"""Metrics sources: `static` (rates from settings, counts generated deterministically) and
`file` (counts read from a JSON or TOML file on every look, so a test can rewrite it)."""

from __future__ import annotations

import json
import math
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from rollout.config import Plugin
from rollout.errors import ConfigError
from rollout.observations import (
    LATENCY_EDGES_MS,
    N_LATENCY_BUCKETS,
    Arm,
    HostHealth,
    Observations,
)
from rollout.ports import Metrics
from rollout.state import DeployState


def _latency_row(requests: int, latency_ms: float) -> np.ndarray:
    """A histogram row with every request in the bucket of `latency_ms`."""
    row = np.zeros(N_LATENCY_BUCKETS, dtype=np.int64)
    row[int(np.searchsorted(LATENCY_EDGES_MS, latency_ms, side="right"))] = requests
    return row


def arm_from_counts(windows: list[dict[str, Any]]) -> Arm:
    """An Arm from per-window dicts of requests, errors, business, latency_ms, error_types."""
    requests = np.array([int(w.get("requests", 0)) for w in windows], dtype=np.int64)
    errors = np.array([int(w.get("errors", 0)) for w in windows], dtype=np.int64)
    business = np.array([int(w.get("business", 0)) for w in windows], dtype=np.int64)
    hist = np.array(
        [_latency_row(int(w.get("requests", 0)), float(w.get("latency_ms", 100))) for w in windows],
        dtype=np.int64,
    ).reshape(len(windows), N_LATENCY_BUCKETS)
    types: dict[str, int] = {}
    for window in windows:
        for name, count in dict(window.get("error_types", {})).items():
            types[str(name)] = types.get(str(name), 0) + int(count)
    return Arm(requests, errors, business, hist, types)


class StaticMetrics:
    """Observations generated from rates: the same inputs always give the same counts.

    Settings (all optional): requests_per_s (total, 10000), error_rate (0.001),
    canary_error_rate (= error_rate), latency_ms (100), canary_latency_ms (= latency_ms),
    business_rate (0.05), canary_business_rate, canary_error_types ({}), window_s (1),
    history_windows (30), hosts (4), unready (0), restarts (0).
    """

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        s = settings or {}
        self.rps = float(s.get("requests_per_s", 10_000))
        self.error_rate = float(s.get("error_rate", 0.001))
        self.canary_error_rate = float(s.get("canary_error_rate", self.error_rate))
        self.latency = float(s.get("latency_ms", 100))
        self.canary_latency = float(s.get("canary_latency_ms", self.latency))
        self.business = float(s.get("business_rate", 0.05))
        self.canary_business = float(s.get("canary_business_rate", self.business))
        self.canary_error_types = {
            str(k): float(v) for k, v in s.get("canary_error_types", {}).items()
        }
        self.window_s = float(s.get("window_s", 1.0))
        self.history_windows = int(s.get("history_windows", 30))
        self.hosts = HostHealth(
            int(s.get("hosts", 4)), int(s.get("unready", 0)), int(s.get("restarts", 0))
        )
        if self.window_s <= 0:
            raise ConfigError("metrics.settings.window_s: expected a positive number of seconds")

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        """Counts for every window since the stage began."""
        elapsed = max((now - (deploy.stage_started_at or now)).total_seconds(), 0.0)
        full, part = divmod(elapsed, self.window_s)
        lengths = [self.window_s] * int(full) + ([part] if part > 0 else [])
        share = (
            max(deploy.exposure.external, deploy.exposure.internal, deploy.exposure.mirror) / 100
        )
        canary = [self._window(self.rps * share * w, "canary") for w in lengths]
        # At 100% the old version serves nobody; compare against its pre-deploy rate instead.
        old_share = 1 - share if share < 1 else 1.0
        baseline = [self._window(self.rps * old_share * w, "baseline") for w in lengths]
        history = [self._window(self.rps * self.window_s, "baseline")] * self.history_windows
        hosts = HostHealth(self.hosts.new_hosts, self.hosts.unready, self.hosts.restarts, elapsed)
        return Observations(
            window_s=self.window_s,
            baseline=arm_from_counts(baseline),
            canary=arm_from_counts(canary),
            hosts=hosts,
            history=arm_from_counts(history),
        )

    def _window(self, requests: float, arm: str) -> dict[str, Any]:
        n = int(round(requests))
        canary = arm == "canary"
        types = self.canary_error_types if canary else {}
        return {
            "requests": n,
            "errors": int(round(n * (self.canary_error_rate if canary else self.error_rate))),
            "business": int(round(n * (self.canary_business if canary else self.business))),
            "latency_ms": self.canary_latency if canary else self.latency,
            "error_types": {k: int(math.floor(n * rate)) for k, rate in types.items()},
        }


class FileMetrics:
    """Counts read from a file on every look.

    The file (JSON, or TOML by its suffix) has `baseline`, `canary` and optionally `history`
    arms, each a list of windows (or one window) of requests, errors, business, latency_ms,
    error_types; plus optional `window_s` and `hosts` {new_hosts, unready, restarts}.
    """

    def __init__(self, settings: dict[str, Any]) -> None:
        if "path" not in settings:
            raise ConfigError('metrics.settings.path: the "file" source needs a path')
        self.path = Path(str(settings["path"]))

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        """The file's counts as Observations."""
        data = self._read()
        hosts = dict(data.get("hosts", {}))
        elapsed = max((now - (deploy.stage_started_at or now)).total_seconds(), 0.0)
        return Observations(
            window_s=float(data.get("window_s", 1.0)),
            baseline=arm_from_counts(_windows(data.get("baseline", []))),
            canary=arm_from_counts(_windows(data.get("canary", []))),
            hosts=HostHealth(
                int(hosts.get("new_hosts", 0)),
                int(hosts.get("unready", 0)),
                int(hosts.get("restarts", 0)),
                float(hosts.get("seconds_since_start", elapsed)),
            ),
            history=arm_from_counts(_windows(data.get("history", []))),
        )

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
            if self.path.suffix == ".toml":
                return tomllib.loads(text)
            return dict(json.loads(text))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.path}: cannot read metrics ({exc})") from None


def _windows(value: Any) -> list[dict[str, Any]]:
    return [dict(w) for w in value] if isinstance(value, list) else [dict(value)]


def build_metrics(plugin: Plugin, where: str = "metrics") -> Metrics:
    """The metrics source a service's config names (`where` is its key path, for errors)."""
    if plugin.kind == "static":
        return StaticMetrics(plugin.settings)
    if plugin.kind == "file":
        return FileMetrics(plugin.settings)
    if plugin.kind == "prometheus":
        from adapters.prometheus import PrometheusMetrics

        return PrometheusMetrics(plugin.settings, where)
    if plugin.kind == "etcd":
        from adapters.fleet_health import FleetHealthMetrics

        return FleetHealthMetrics(plugin.settings, where)
    kinds = '"static", "file", "prometheus" or "etcd"'
    raise ConfigError(f'{where}.kind: expected {kinds}, got "{plugin.kind}"')
