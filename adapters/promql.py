"""A small Prometheus HTTP API client (httpx) that turns every kind of "no data" into NoData."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import httpx


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
        params = {**params, "timeout": f"{self.timeout_s:g}s"}
        try:
            response = self._http.post(path, data=params)
        except httpx.ConnectError:
            raise NoData(f"metrics source unreachable: connection refused to {self.host}") from None
        except httpx.TimeoutException:
            raise NoData(
                f"metrics source unreachable: no answer from {self.host} in {self.timeout_s:g} s"
            ) from None
        except httpx.HTTPError as exc:
            reason = f"metrics source unreachable: {type(exc).__name__} from {self.host}"
            raise NoData(reason) from None
        return _result(response, self.host)


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
