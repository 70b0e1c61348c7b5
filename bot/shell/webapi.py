"""FakeSlack: an HTTP server on loopback that answers the Web API like Slack and records it.

Paths: `/api/<method>` for Web API calls (form or JSON bodies), `/response/<n>` for the
response_url of slash commands and interactions, `/upload/<file_id>` for the raw bytes of
`files_upload_v2`, and `GET /files/<file_id>` to read an upload back.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bot.shell import limits
from bot.shell.calllog import Call, CallLog
from bot.shell.workspace import Message, Workspace, channel_id

JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")


@dataclass(frozen=True)
class Failure:
    """An injected failure: answer with `status` (and Retry-After for 429) instead."""

    status: int
    retry_after: int | None = None


class Gate:
    """Holds calls to one method until released: `arrived` is set once a call is waiting."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.released = threading.Event()

    def release(self) -> None:
        """Let every held call (and every later one) through."""
        self.released.set()


class FakeSlack:
    """A fake Slack Web API; start() it, point SLACK_API_URL at `api_url`, read `log`."""

    def __init__(self, users: dict[str, dict[str, Any]] | None = None) -> None:
        self.log = CallLog()
        self.workspace = Workspace(users)
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._storms: dict[str, int] = {}
        self._gates: dict[str, Gate] = {}
        self._responses = itertools.count(1)
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.strict = True  # refuse what Slack refuses (bot.shell.limits), as Slack would

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.workspace.base_url = self.base_url
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and cancel scheduled deliveries."""
        for gate in list(self._gates.values()):
            gate.release()
        for timer in self._timers:
            timer.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """e.g. "http://127.0.0.1:54321/"."""
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def api_url(self) -> str:
        """The value for SLACK_API_URL (ends with "/", as slack_sdk requires)."""
        return self.base_url + "api/"

    def response_url(self) -> str:
        """A fresh response_url that posts back to this fake."""
        return f"{self.base_url}response/{next(self._responses)}"

    # --- failure injection --------------------------------------------------------------

    def fail_next(
        self, method: str, times: int = 1, status: int = 429, retry_after: int | None = 1
    ) -> None:
        """Make the next `times` calls to `method` answer `status` (429 adds Retry-After)."""
        with self._lock:
            for _ in range(times):
                self._failures[method].append(
                    Failure(status, retry_after if status == 429 else None)
                )

    def storm(self, *methods: str, status: int = 503) -> None:
        """Answer every call to `methods` with `status` until calm() (a 5xx storm)."""
        with self._lock:
            self._storms.update({method: status for method in methods})

    def calm(self) -> None:
        """End every storm."""
        with self._lock:
            self._storms.clear()

    def hold(self, method: str) -> Gate:
        """Make calls to `method` wait, answered only once the returned gate is released."""
        gate = Gate()
        with self._lock:
            self._gates[method] = gate
        return gate

    def _take_failure(self, method: str) -> Failure | None:
        with self._lock:
            if method in self._storms:
                return Failure(self._storms[method])
            queue = self._failures.get(method)
            return queue.popleft() if queue else None

    def _wait_at_gate(self, method: str) -> None:
        with self._lock:
            gate = self._gates.get(method)
        if gate is not None:
            gate.arrived.set()
            gate.released.wait(30)

    # --- reading what happened ----------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, optionally to one method."""
        return self.log.calls(method)

    def messages(self, channel: str) -> list[Message]:
        """Messages as they now stand in a channel (posted, updated, or delivered scheduled)."""
        cid = channel_id(channel)
        return [m for m in list(self.workspace.messages) if m.channel == cid]

    def upload(self, file_id: str) -> bytes | None:
        """The bytes uploaded for a file id, if any."""
        return self.workspace.uploads.get(file_id)

    # --- request handling (called by the handler threads) -------------------------------

    def handle_api(
        self, method: str, params: dict[str, Any], headers: dict[str, str], path: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Answer one Web API call and record it."""
        self._wait_at_gate(method)
        failure = self._take_failure(method)
        if failure is not None:
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            body: dict[str, Any] = {
                "ok": False,
                "error": "ratelimited" if failure.status == 429 else "fatal",
            }
            self.log.append(Call(method, params, headers, time.time(), failure.status, path, body))
            return failure.status, extra, body
        refused = limits.refusal(method, params) if self.strict else None
        if refused is not None:  # Slack answers 200 with ok: false and says what is wrong
            body = {"ok": False, "error": refused[0], "response_metadata": {"messages": refused[1]}}
            self.log.append(Call(method, params, headers, time.time(), 200, path, body))
            return 200, {}, body
        body = self.workspace.answer(method, params)
        if method == "chat.scheduleMessage" and body.get("ok"):
            self._deliver_later(params, body["post_at"])
        self.log.append(Call(method, params, headers, time.time(), 200, path, body))
        return 200, {}, body

    def record(
        self,
        method: str,
        params: dict[str, Any],
        headers: dict[str, str],
        path: str,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Record a non-API request (response_url post, upload)."""
        body = body or {"ok": True}
        status = 200 if body.get("ok") else 400
        self.log.append(Call(method, params, headers, time.time(), status, path, body))

    def _deliver_later(self, params: dict[str, Any], post_at: int) -> None:
        """Post a scheduled message when it falls due, as Slack would."""

        def deliver() -> None:
            m = self.workspace.post(
                params.get("channel", ""),
                params.get("text", ""),
                params.get("blocks"),
                params.get("thread_ts"),
                True,
            )
            self.record("scheduled.delivered", {**params, "channel": m.channel, "ts": m.ts}, {}, "")

        timer = threading.Timer(max(0.0, post_at - time.time()), deliver)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """Params from a JSON or form body; JSON-valued form fields (blocks, …) are decoded."""
    if not raw:
        return {}
    if "application/json" in content_type:
        loaded = json.loads(raw)
        return loaded if isinstance(loaded, dict) else {"_body": loaded}
    if "application/x-www-form-urlencoded" not in content_type and content_type:
        return {"_raw": raw}
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(raw.decode(), True).items()}
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str):
            # a malformed field stays as sent, so a test can assert on it
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet: the CallLog is the record
            return

        def do_GET(self) -> None:
            if self.path.startswith("/files/"):
                data = fake.upload(self.path.rsplit("/", 1)[-1])
                if data is not None:
                    return self._send(200, data, "application/octet-stream")
            if self.path.startswith("/api/"):
                return self._api()
            self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            if self.path.startswith("/api/"):
                return self._api()
            raw = self._body()
            headers = dict(self.headers.items())
            if self.path.startswith("/upload/"):
                file_id = self.path.rsplit("/", 1)[-1]
                fake.workspace.uploads[file_id] = raw
                fake.record("upload", {"file_id": file_id, "size": len(raw)}, headers, self.path)
                return self._send(200, f"OK - {len(raw)}".encode(), "text/plain")
            if self.path.startswith("/response/"):
                params = parse_body(raw, self.headers.get("Content-Type", "application/json"))
                refused = limits.refusal("response_url", params) if fake.strict else None
                body = {"ok": False, "error": refused[0]} if refused else {"ok": True}
                fake.record("response_url", params, headers, self.path, body)
                if refused:
                    return self._send(400, refused[0].encode(), "text/plain")
                return self._send(200, b"ok", "text/plain")
            self._send(404, b"not found", "text/plain")

        def _api(self) -> None:
            method = self.path.split("?", 1)[0][len("/api/") :].strip("/")
            params = parse_body(self._body(), self.headers.get("Content-Type", ""))
            if "?" in self.path:
                params.update({k: v[-1] for k, v in parse_qs(self.path.split("?", 1)[1]).items()})
            status, extra, body = fake.handle_api(
                method, params, dict(self.headers.items()), self.path
            )
            self._send(status, json.dumps(body).encode(), "application/json", extra)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(
            self, status: int, data: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
