"""A small Prometheus HTTP API client (httpx) that turns every kind of "no data" into NoData."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx

_deadline: ContextVar[tuple[float, float] | None] = ContextVar("promql_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Queries inside share one deadline: a look that runs out of time is no data."""
    token = _deadline.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


class NoData(Exception):
    """The source gave nothing usable; `reason` is safe to show in the deploy thread."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Series:
    """One result series: its labels and (unix time, value) points."""

    labels: dict[str, str]
    points: list[tuple[float, float]]


class PromClient:
    """Instant and range queries against /api/v1/query and /api/v1/query_range."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url.rstrip("/")
        self.host = httpx.URL(self.url).netloc.decode()
        self.timeout_s = timeout_s
        self._http = httpx.Client(base_url=self.url, timeout=timeout_s)

    def range(self, query: str, start: float, end: float, step: float) -> list[Series]:
        """A range query: one point per step from start to end."""
        params = {"query": query, "start": start, "end": end, "step": step}
        data = self._get("/api/v1/query_range", params)
        return [_series(item["metric"], item.get("values", [])) for item in data]

    def instant(self, query: str, at: float) -> list[Series]:
        """An instant query at `at`."""
        data = self._get("/api/v1/query", {"query": query, "time": at})
        return [_series(item["metric"], [item["value"]]) for item in data]

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _get(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = self._time_left()
        params = {**params, "timeout": f"{timeout:g}s"}
        try:
            response = self._http.post(path, data=params, timeout=timeout)
        except httpx.ConnectError:
            raise NoData(f"metrics source unreachable: connection refused to {self.host}") from None
        except httpx.TimeoutException:
            if timeout < self.timeout_s:  # cut short by the look's deadline
                raise NoData(self._too_slow()) from None
            raise NoData(
                f"metrics source unreachable: no answer from {self.host} in {timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            reason = f"metrics source unreachable: {type(exc).__name__} from {self.host}"
            raise NoData(reason) from None
        return _result(response, self.host)

    def _time_left(self) -> float:
        """This query's timeout: the per-query timeout, or less when the look's deadline nears."""
        deadline = _deadline.get()
        if deadline is None:
            return self.timeout_s
        left = deadline[0] - time.monotonic()
        if left <= 0.05:
            raise NoData(self._too_slow())
        return min(self.timeout_s, round(left, 3))

    def _too_slow(self) -> str:
        deadline = _deadline.get()
        seconds = deadline[1] if deadline else self.timeout_s
        return f"metrics source too slow: {self.host} gave no full answer in {seconds:g} s"


def _result(response: httpx.Response, host: str) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400 or body.get("status") != "success":
        error = str(body.get("error") or response.reason_phrase)[:200]
        raise NoData(f"metrics source error: HTTP {response.status_code} from {host}: {error}")
    data = body.get("data", {})
    if data.get("resultType") not in ("vector", "matrix"):
        raise NoData(f"metrics source error: expected a vector or matrix, got {data!r}"[:200])
    result: list[dict[str, Any]] = data.get("result", [])
    return result


def _series(labels: dict[str, str], values: list[list[Any]]) -> Series:
    points = [(float(ts), float(value)) for ts, value in values]
    return Series(dict(labels), points)


def finite(value: float, what: str) -> float:
    """The value, or NoData when Prometheus said NaN or ±Inf."""
    if not math.isfinite(value):
        raise NoData(f"no data: {what} returned {value}")
    return value
