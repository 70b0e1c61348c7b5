"""A thread-safe log of every call the fake Slack received, with waiting helpers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One request to the fake: a Web API method, a response_url post or an upload."""

    method: str  # "chat.postMessage", "response_url", "upload", ...
    params: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.time() when it arrived
    status: int = 200  # the HTTP status the fake answered
    path: str = ""
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the fake answered it successfully."""
        return self.status == 200 and self.response.get("ok", True) is not False

    @property
    def text(self) -> str:
        """The message text, plus every text found in its blocks, for loose matching."""
        return " ".join([str(self.params.get("text") or ""), *block_texts(self.blocks)])

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The Block Kit blocks sent with the call (decoded), or []."""
        blocks = self.params.get("blocks") or []
        return blocks if isinstance(blocks, list) else []


def block_texts(node: Any) -> list[str]:
    """Every "text" string inside a Block Kit structure, depth first."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(block_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(block_texts(item))
    return found


class CallLog:
    """Calls in arrival order; `wait_for` blocks until a predicate over them holds."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._changed = threading.Condition()

    def append(self, call: Call) -> None:
        """Record a call and wake every waiter."""
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def calls(self, method: str | None = None) -> list[Call]:
        """A snapshot of the calls, optionally only those to one method."""
        with self._changed:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        """Forget every call (e.g. between phases of one test)."""
        with self._changed:
            self._calls.clear()

    def wait_for(
        self, predicate: Callable[[list[Call]], T], timeout: float = 10.0, what: str = ""
    ) -> T:
        """Wait until predicate(calls) is truthy and return its value; fail with the log."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate(list(self._calls))
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {what or predicate!r}; "
                        f"calls so far:\n{self.describe()}"
                    )
                self._changed.wait(min(left, 0.1))

    def wait_for_call(
        self,
        method: str,
        match: Callable[[Call], bool] = lambda c: True,
        timeout: float = 10.0,
        what: str = "",
    ) -> Call:
        """Wait for the first successful call to `method` that matches, and return it."""
        return self.wait_for_call_any((method,), match, timeout, what or f"a {method} call")

    def wait_for_call_any(
        self,
        methods: tuple[str, ...],
        match: Callable[[Call], bool],
        timeout: float = 10.0,
        what: str = "",
    ) -> Call:
        """Wait for the first successful call to any of `methods` that matches."""

        def first(calls: list[Call]) -> Call | None:
            return next((c for c in calls if c.method in methods and c.ok and match(c)), None)

        found = self.wait_for(first, timeout, what or f"a call to one of {methods}")
        assert found is not None
        return found

    def describe(self, last: int = 40) -> str:
        """The last calls, one line each, for failure messages."""
        with self._changed:
            calls = self._calls[-last:]
        lines = [
            f"  {c.method} [{c.status}] channel={c.params.get('channel')} "
            f"thread_ts={c.params.get('thread_ts')} text={c.text[:160]!r}"
            for c in calls
        ]
        return "\n".join(lines) or "  (none)"
