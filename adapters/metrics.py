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
from pydantic import Field

from adapters.settings import Settings, validate_settings
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


class StaticSettings(Settings):
    """Settings of metrics `kind = "static"`: counts generated from these rates (for trying
    the bot out and for tests); a canary rate left out equals the baseline's."""

    requests_per_s: float = Field(10_000.0, gt=0, description="Requests per second, all hosts")
    error_rate: float = Field(0.001, ge=0, le=1, description="Share of requests that fail")
    canary_error_rate: float | None = Field(None, ge=0, le=1, description="The canary's")
    latency_ms: float = Field(100.0, gt=0, description="Every request's latency")
    canary_latency_ms: float | None = Field(None, gt=0, description="The canary's")
    business_rate: float = Field(0.05, ge=0, le=1, description="Business events per request")
    canary_business_rate: float | None = Field(None, ge=0, le=1, description="The canary's")
    canary_error_types: dict[str, float] = Field(
        default_factory=dict, description="Error types only the canary shows: type -> share"
    )
    window_s: float = Field(1.0, gt=0, description="Seconds per judged window")
    history_windows: int = Field(30, ge=0, description="Baseline windows of history")
    hosts: int = Field(4, ge=0, description="New hosts the health judge sees")
    unready: int = Field(0, ge=0, description="Of which unready")
    restarts: int = Field(0, ge=0, description="Their restarts")


class StaticMetrics:
    """Observations generated from rates: the same inputs always give the same counts."""

    def __init__(self, settings: dict[str, Any] | None = None, where: str = "metrics") -> None:
        s = validate_settings(StaticSettings, settings or {}, where)
        self.rps, self.error_rate = s.requests_per_s, s.error_rate
        self.canary_error_rate = _or(s.canary_error_rate, s.error_rate)
        self.latency = s.latency_ms
        self.canary_latency = _or(s.canary_latency_ms, s.latency_ms)
        self.business = s.business_rate
        self.canary_business = _or(s.canary_business_rate, s.business_rate)
        self.canary_error_types = dict(s.canary_error_types)
        self.window_s, self.history_windows = s.window_s, s.history_windows
        self.hosts = HostHealth(s.hosts, s.unready, s.restarts)

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


class FileSettings(Settings):
    """Settings of metrics `kind = "file"`: counts read from a file on every look.

    The file (JSON, or TOML by its suffix) has `baseline`, `canary` and optionally `history`
    arms, each a list of windows (or one window) of requests, errors, business, latency_ms,
    error_types; plus optional `window_s` and `hosts` {new_hosts, unready, restarts}."""

    path: Path = Field(description="The JSON or TOML file of counts")


class FileMetrics:
    """Counts read from a file on every look (see FileSettings)."""

    def __init__(self, settings: dict[str, Any], where: str = "metrics") -> None:
        self.path = validate_settings(FileSettings, settings, where).path

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


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _windows(value: Any) -> list[dict[str, Any]]:
    return [dict(w) for w in value] if isinstance(value, list) else [dict(value)]


def build_metrics(plugin: Plugin, where: str = "metrics") -> Metrics:
    """The metrics source a service's config names (`where` is its key path, for errors)."""
    if plugin.kind == "static":
        return StaticMetrics(plugin.settings, where)
    if plugin.kind == "file":
        return FileMetrics(plugin.settings, where)
    if plugin.kind == "prometheus":
        from adapters.prometheus import PrometheusMetrics

        return PrometheusMetrics(plugin.settings, where)
    if plugin.kind == "etcd":
        from adapters.fleet_health import FleetHealthMetrics

        return FleetHealthMetrics(plugin.settings, where)
    kinds = '"static", "file", "prometheus" or "etcd"'
    raise ConfigError(f'{where}.kind: expected {kinds}, got "{plugin.kind}"')
