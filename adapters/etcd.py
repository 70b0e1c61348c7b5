"""A small etcd v3 client over the JSON gateway (/v3/kv/range, /v3/kv/txn, /v3/watch) with httpx.

Plain httpx rather than etcd3gw: the bot already depends on httpx, which gives per-call
timeouts and a streamed watch, and the four calls below are all the deployer and the agent use.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from rollout.errors import WorldError


def _b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> str:
    return base64.b64decode(text).decode()


def prefix_end(prefix: str) -> str:
    """The range end that selects every key starting with `prefix`."""
    raw = bytearray(prefix.encode())
    raw[-1] += 1
    return bytes(raw).decode()


@dataclass(frozen=True)
class Entry:
    """One key's value (JSON-decoded) and its modification revision."""

    key: str
    value: dict[str, Any]
    mod_revision: int


class Etcd:
    """Reads, guarded writes and watches; failures raise WorldError with a safe detail."""

    def __init__(self, url: str, timeout_s: float = 5.0, action: str = "etcd") -> None:
        self.url = url.rstrip("/")
        self.host = httpx.URL(self.url).netloc.decode()
        self.action = action
        self._http = httpx.Client(base_url=self.url, timeout=timeout_s)

    def get(self, key: str) -> tuple[Entry | None, int]:
        """The key's entry (None if absent) and the store's current revision."""
        answer = self._call("/v3/kv/range", {"key": _b64(key)})
        entries = _entries(answer)
        return (entries[0] if entries else None), int(answer["header"]["revision"])

    def get_prefix(self, prefix: str) -> list[Entry]:
        """Every entry under a prefix."""
        body = {"key": _b64(prefix), "range_end": _b64(prefix_end(prefix))}
        return _entries(self._call("/v3/kv/range", body))

    def put_if_unchanged(self, key: str, value: dict[str, Any], mod_revision: int) -> bool:
        """One transaction: write only if the key's mod_revision is still `mod_revision` (0:
        the key must not exist). False when someone else wrote first."""
        txn = {
            "compare": [
                {"key": _b64(key), "target": "MOD", "result": "EQUAL",
                 "mod_revision": str(mod_revision)},
            ],
            "success": [{"request_put": {"key": _b64(key), "value": _b64(json.dumps(value))}}],
        }  # fmt: skip
        return bool(self._call("/v3/kv/txn", txn).get("succeeded", False))

    def put(self, key: str, value: dict[str, Any]) -> None:
        """An unguarded write (agents report under their own host key)."""
        self._call("/v3/kv/put", {"key": _b64(key), "value": _b64(json.dumps(value))})

    def watch(self, key: str, start_revision: int, wait_s: float) -> Iterator[Entry]:
        """Changes to `key` from `start_revision`, until `wait_s` passes with none."""
        body = {"create_request": {"key": _b64(key), "start_revision": str(start_revision)}}
        timeout = httpx.Timeout(5.0, read=wait_s)
        try:
            with self._http.stream("POST", "/v3/watch", json=body, timeout=timeout) as stream:
                for line in stream.iter_lines():
                    result = json.loads(line).get("result", {}) if line.strip() else {}
                    for event in result.get("events", []):
                        if event.get("type", "PUT") == "PUT":
                            yield _entry(event["kv"])
        except httpx.ReadTimeout:
            return
        except httpx.HTTPError as exc:
            raise WorldError(self.action, f"etcd at {self.host}: {type(exc).__name__}") from None

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(path, json=body)
        except httpx.ConnectError:
            detail = f"etcd unreachable: connection refused to {self.host}"
            raise WorldError(self.action, detail) from None
        except httpx.HTTPError as exc:
            raise WorldError(self.action, f"etcd at {self.host}: {type(exc).__name__}") from None
        if response.status_code >= 400:
            detail = f"etcd at {self.host}: HTTP {response.status_code}: {response.text[:200]}"
            raise WorldError(self.action, detail)
        answer: dict[str, Any] = response.json()
        return answer


def _entries(answer: dict[str, Any]) -> list[Entry]:
    return [_entry(kv) for kv in answer.get("kvs", [])]


def _entry(kv: dict[str, Any]) -> Entry:
    raw = _unb64(kv["value"]) if kv.get("value") else ""
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        value = {"raw": raw}
    return Entry(_unb64(kv["key"]), value if isinstance(value, dict) else {"raw": value},
                 int(kv.get("mod_revision", 0)))  # fmt: skip
