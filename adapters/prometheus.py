"""Metrics `kind = "prometheus"`: per-window counts for each arm from PromQL templates.

Templates may use {{service}}, {{version}} (the arm's version), {{arm}} ("canary" or
"baseline"), {{arm_label}}, {{window}} (one window, e.g. "10s") and {{stage}} (the stage so
far). No data is never a pass: an unreachable server, an HTTP error, an empty result or NaN
gives Observations marked `unavailable`, which holds the deploy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from pydantic import Field, field_validator

from adapters.fleet_health import FleetHealth, FleetSettings
from adapters.promql import NoData, PromClient, Series, finite, within
from adapters.settings import Settings, validate_settings
from rollout.durations import Duration
from rollout.observations import (
    LATENCY_EDGES_MS,
    N_LATENCY_BUCKETS,
    Arm,
    HostHealth,
    IntArray,
    Observations,
)
from rollout.state import DeployState

PLACEHOLDERS = frozenset({"service", "version", "arm", "arm_label", "window", "stage"})
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_ARM = 'service="{{service}}",{{arm_label}}="{{version}}"'
_REQUESTS = "sum(increase(http_requests_total{ARM}[{{window}}]))"


def _q(text: str) -> str:
    """A default template: ARM stands for the arm's label selector."""
    return text.replace("ARM", _ARM)


def _template(value: str) -> str:
    unknown = sorted(set(_PLACEHOLDER.findall(value)) - PLACEHOLDERS)
    if unknown:
        known = ", ".join("{{" + p + "}}" for p in sorted(PLACEHOLDERS))
        raise ValueError(f"unknown placeholder {{{{{unknown[0]}}}}} (known: {known})")
    return value


class Queries(Settings):
    """Settings of prometheus `queries`: PromQL templates; the defaults follow the RED method's
    standard names and select a service by the label `service`.

    Errors and business fall back to 0 × requests, so a counter that has not ticked yet reads
    zero while the arm serves, and empty (no data) when it does not.
    """

    requests: str = Field(_q(_REQUESTS), description="Requests per window")
    errors: str = Field(
        _q('sum(increase(http_requests_total{ARM,code=~"5.."}[{{window}}])) or 0 * ' + _REQUESTS),
        description="Failed requests per window",
    )
    latency: str = Field(
        _q("sum by (le) (increase(http_request_duration_seconds_bucket{ARM}[{{window}}]))"),
        description="Latency histogram buckets per window, by le (seconds)",
    )
    business: str = Field(
        _q("sum(increase(business_events_total{ARM}[{{window}}])) or 0 * " + _REQUESTS),
        description="Business events (e.g. checkouts) per window",
    )
    error_types: str = Field(
        _q('sum by (error_type) (increase(http_requests_total{ARM,error_type!=""}[{{stage}}]))'),
        description="Errors by type over the stage so far (the new_error judge)",
    )

    @field_validator("*")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        return _template(value)


class PrometheusSettings(Settings):
    """Settings of `kind = "prometheus"`."""

    url: str = Field(pattern=r"^https?://", description="Prometheus base URL")
    arm_label: str = Field(
        "version", pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$", description="The label naming the version"
    )
    window: Duration = Field(timedelta(seconds=10), description="One judged window")
    timeout: Duration = Field(timedelta(seconds=5), description="Per query")
    look_timeout: Duration = Field(
        timedelta(seconds=10),
        description="All the queries of one look together; beyond it the look is no data",
    )
    empty_grace: Duration = Field(
        timedelta(seconds=30),
        description="An empty result is no data once the stage is this old (new series need "
        "a scrape or two before increase() has two samples)",
    )
    queries: Queries = Field(Queries(), description="PromQL templates (see the next table)")
    fleet: FleetSettings | None = Field(None, description="Read host health from etcd agents")


HostsSource = Callable[[DeployState, datetime], HostHealth]


class PrometheusMetrics:
    """Observations of a deploy's stage, read from Prometheus on every look."""

    def __init__(
        self,
        settings: Mapping[str, Any],
        where: str = "metrics",
        hosts: HostsSource | None = None,
    ) -> None:
        self.settings = validate_settings(PrometheusSettings, settings, where)
        self.window_s = self.settings.window.total_seconds()
        self.client = PromClient(self.settings.url, self.settings.timeout.total_seconds())
        fleet = self.settings.fleet
        self.hosts = hosts or (FleetHealth(fleet) if fleet else None)

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        """Both arms' windows since the stage began, or why there is no data."""
        hosts = HostHealth(known=False)
        try:
            hosts = self.hosts(deploy, now) if self.hosts else hosts
            with within(self.settings.look_timeout.total_seconds()):
                baseline, canary = self._arms(deploy, now)
        except NoData as gap:
            return Observations(self.window_s, Arm(), Arm(), hosts, unavailable=gap.reason)
        return Observations(self.window_s, baseline, canary, hosts)

    def _arms(self, deploy: DeployState, now: datetime) -> tuple[Arm, Arm]:
        started = deploy.stage_started_at or now
        windows = int((now - started).total_seconds() // self.window_s)
        if windows <= 0:
            return Arm(), Arm()
        exposure = deploy.exposure
        settled = (now - started) >= self.settings.empty_grace
        canary_expected = settled and (exposure.any or exposure.mirror > 0)
        canary_end = started.timestamp() + windows * self.window_s
        # At 100% the old version serves nobody: compare with the windows before the deploy.
        full = max(exposure.internal, exposure.external) >= 100
        before = (deploy.started_at or started).timestamp()
        baseline_end = before if full else canary_end
        canary = self._arm(deploy, "canary", deploy.version, canary_end, windows, canary_expected)
        if deploy.previous_version is None:  # a first release: nothing to compare against
            return Arm(), canary
        previous = deploy.previous_version
        baseline = self._arm(deploy, "baseline", previous, baseline_end, windows, settled)
        return baseline, canary

    def _arm(
        self, deploy: DeployState, arm: str, version: str, end: float, n: int, expected: bool
    ) -> Arm:
        fill = {
            "service": deploy.service,
            "version": version,
            "arm": arm,
            "arm_label": self.settings.arm_label,
            "window": _duration(self.window_s),
            "stage": _duration(n * self.window_s),
        }
        q = self.settings.queries
        start, step = end - (n - 1) * self.window_s, self.window_s
        grid = start + step * np.arange(n)

        def counts(name: str, template: str, required: bool) -> IntArray:
            query = _render(template, fill)
            series = self.client.range(query, start, end, step)
            if not series and required and expected:
                raise NoData(f"no data: the {name} query for the {arm} ({version}) came back empty")
            return _on_grid(series, grid, f"the {name} query for the {arm}")

        requests = counts("requests", q.requests, True)
        errors = counts("errors", q.errors, True)
        business = counts("business", q.business, False)
        latency = self._latency(_render(q.latency, fill), start, end, step, grid, arm)
        types = self._error_types(_render(q.error_types, fill), end, arm)
        return Arm(requests, errors, business, latency, types)

    def _latency(
        self, query: str, start: float, end: float, step: float, grid: Any, arm: str
    ) -> IntArray:
        by_le = {s.labels.get("le", "+Inf"): s for s in self.client.range(query, start, end, step)}
        hist = np.zeros((len(grid), N_LATENCY_BUCKETS), dtype=np.int64)
        below = np.zeros(len(grid), dtype=np.int64)
        for le in sorted(by_le, key=float):
            cumulative = _on_grid([by_le[le]], grid, f"the latency query for the {arm}")
            column = _bucket_of(float(le) * 1000.0)
            hist[:, column] += np.maximum(cumulative - below, 0)
            below = np.maximum(cumulative, below)
        return hist

    def _error_types(self, query: str, end: float, arm: str) -> dict[str, int]:
        types: dict[str, int] = {}
        for series in self.client.instant(query, end):
            name = series.labels.get("error_type", "")
            value = finite(series.points[0][1], f"the error types query for the {arm}")
            if name and round(value) > 0:
                types[name] = int(round(value))
        return types

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.client.close()


def _render(template: str, fill: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: fill[m.group(1)], template)


def _duration(seconds: float) -> str:
    """A PromQL duration: whole milliseconds."""
    return f"{max(round(seconds * 1000), 1)}ms"


def _on_grid(series: list[Series], grid: Any, what: str) -> IntArray:
    """Sum the series onto the window grid; a window with no point counts zero."""
    out = np.zeros(len(grid), dtype=np.float64)
    index = {round(float(t), 3): i for i, t in enumerate(grid)}
    for one in series:
        for ts, value in one.points:
            i = index.get(round(ts, 3))
            if i is not None:
                out[i] += finite(value, what)
    return np.rint(out).astype(np.int64)


def _bucket_of(le_ms: float) -> int:
    """The shared latency bucket holding values just below a Prometheus bucket's upper bound."""
    if le_ms == float("inf"):
        return N_LATENCY_BUCKETS - 1
    return int(np.searchsorted(LATENCY_EDGES_MS, le_ms, side="left"))
