"""A test exporter (prometheus_client) serving baseline and canary series at rates a test sets.

Counters grow by rate × elapsed time on every scrape, so Prometheus sees smooth rates:
http_requests_total{service, version, code, error_type}, business_events_total{service,
version} and the histogram http_request_duration_seconds{service, version}.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

from tests.servers import free_port

BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
KNOWN_ERROR = "Timeout"


@dataclass(frozen=True)
class Rates:
    """One version's traffic: requests per second and the shares of errors and conversions."""

    rps: float = 200.0
    error_rate: float = 0.01
    business_rate: float = 0.05
    latency_s: float = 0.04
    new_errors: dict[str, float] = field(default_factory=dict)  # error type -> share


@dataclass
class _Totals:
    ok: float = 0.0
    errors: dict[str, float] = field(default_factory=dict)
    business: float = 0.0
    buckets: list[float] = field(default_factory=lambda: [0.0] * (len(BUCKETS_S) + 1))
    seconds: float = 0.0


class Exporter:
    """Serves /metrics on a free loopback port; set(version, Rates) changes a version's rates."""

    def __init__(self, service: str = "api") -> None:
        self.service = service
        self.port = free_port()
        self._rates: dict[str, Rates] = {}
        self._totals: dict[str, _Totals] = {}
        self._lock = threading.Lock()
        self._last = time.monotonic()
        registry = CollectorRegistry()
        registry.register(self)
        self._server, self._thread = start_http_server(self.port, "127.0.0.1", registry)

    @property
    def target(self) -> str:
        """host:port for Prometheus's scrape config."""
        return f"127.0.0.1:{self.port}"

    def set(self, version: str, rates: Rates) -> None:
        """From now on, `version` serves traffic at these rates."""
        with self._lock:
            self._advance()
            self._rates[version] = rates
            self._totals.setdefault(version, _Totals())

    def change(self, version: str, **changes: Any) -> None:
        """Change some of a version's rates."""
        self.set(version, replace(self._rates.get(version, Rates()), **changes))

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def _advance(self) -> None:
        now = time.monotonic()
        dt, self._last = now - self._last, now
        for version, rates in self._rates.items():
            totals, n = self._totals[version], rates.rps * dt
            errors = {KNOWN_ERROR: n * rates.error_rate} | {
                kind: n * share for kind, share in rates.new_errors.items()
            }
            for kind, count in errors.items():
                totals.errors[kind] = totals.errors.get(kind, 0.0) + count
            totals.ok += n - sum(errors.values())
            totals.business += n * rates.business_rate
            slot = next((i for i, le in enumerate(BUCKETS_S) if rates.latency_s <= le), -1)
            totals.buckets[slot] += n
            totals.seconds += n * rates.latency_s

    def collect(self) -> Iterator[Metric]:
        """The counters as they stand now (called on every scrape)."""
        with self._lock:
            self._advance()
            totals = {v: replace(t, errors=dict(t.errors)) for v, t in self._totals.items()}
        labels = ["service", "version", "code", "error_type"]
        requests = CounterMetricFamily("http_requests", "Requests served.", labels=labels)
        business = CounterMetricFamily(
            "business_events", "Checkouts completed.", labels=["service", "version"]
        )
        latency = HistogramMetricFamily(
            "http_request_duration_seconds", "Latency.", labels=["service", "version"]
        )
        for version, t in totals.items():
            requests.add_metric([self.service, version, "200", ""], t.ok)
            for kind, count in t.errors.items():
                requests.add_metric([self.service, version, "500", kind], count)
            business.add_metric([self.service, version], t.business)
            cumulative, running = [], 0.0
            for le, count in zip([*map(str, BUCKETS_S), "+Inf"], t.buckets, strict=True):
                running += count
                cumulative.append((le, running))
            latency.add_metric([self.service, version], cumulative, t.seconds)
        yield from (requests, business, latency)
