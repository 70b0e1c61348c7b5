"""A loopback Socket Mode endpoint for FakeSlack: the WebSocket `apps.connections.open` hands out.

Slack's Socket Mode, as the app sees it: the app calls `apps.connections.open` with its xapp-
token and gets a `wss://` URL; it connects there, Slack sends `{"type": "hello", ...}`, then
pushes envelopes `{"envelope_id", "type", "accepts_response_payload", "payload"}` of type
`slash_commands`, `interactive` or `events_api`; the app acks each one by sending back
`{"envelope_id": ..., "payload"?: {...}}` (a slash command's reply rides in that payload).

Here the URL is plain `ws://127.0.0.1:<port>/link?...` (slack_sdk's builtin client skips TLS on
any port but 443). Every connect and every message the app sends back is appended to the fake's
CallLog, so tests wait on them like on Web API calls: method "socket_mode.connect" (params:
path, app_id) and "socket_mode.ack" (params: the ack's payload plus its "envelope_id").
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.sync.server import Server, ServerConnection, serve

from bot.shell.calllog import Call
from bot.shell.webapi import FakeSlack

APP_ID = "A0COMMAND"
# Slack sends the app's reply back only for these; events and block_actions are acked bare.
ACCEPTS_RESPONSE_PAYLOAD = {"slash_commands": True, "interactive": False, "events_api": False}


class SocketModeFake:
    """Socket Mode on loopback for `fake`; start() it before the bot calls connections.open."""

    def __init__(self, fake: FakeSlack, app_id: str = APP_ID) -> None:
        self.fake = fake
        self.app_id = app_id
        self._tickets = itertools.count(1)
        self._connections: list[ServerConnection] = []
        self._lock = threading.Lock()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> SocketModeFake:
        """Listen on a free loopback port and make `apps.connections.open` point here."""
        self._server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.fake.workspace.socket_url = self.url
        return self

    def stop(self) -> None:
        """Close every connection (1001 going away) and stop listening."""
        self.fake.workspace.socket_url = None
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> SocketModeFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the socket mode fake first"
        return int(self._server.socket.getsockname()[1])

    def url(self) -> str:
        """A fresh connection URL, as `apps.connections.open` answers it."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket={next(self._tickets)}&app_id={self.app_id}"

    # --- the app's side, as recorded ----------------------------------------------------

    def wait_connected(self, timeout: float = 10) -> Call:
        """Wait until the app has connected and been sent hello."""
        return self.fake.log.wait_for_call(
            "socket_mode.connect", timeout=timeout, what="a Socket Mode connection"
        )

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        """The payload the app acked an envelope with ({} for a bare ack)."""
        call = self.fake.log.wait_for_call(
            "socket_mode.ack",
            lambda c: c.params.get("envelope_id") == envelope_id,
            timeout,
            f"the ack of envelope {envelope_id}",
        )
        return {k: v for k, v in call.params.items() if k != "envelope_id"}

    # --- Slack's side: pushing envelopes ------------------------------------------------

    def send(self, envelope_type: str, payload: dict[str, Any]) -> str:
        """Push one envelope to the newest open connection; its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "accepts_response_payload": ACCEPTS_RESPONSE_PAYLOAD.get(envelope_type, False),
            "payload": payload,
        }
        if envelope_type == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        with self._lock:
            open_ = [c for c in self._connections if c.state is State.OPEN]
        assert open_, "no open Socket Mode connection to send to"
        open_[-1].send(json.dumps(envelope))
        return envelope_id

    def deliver(self, request: tuple[str, str]) -> str:
        """Push a request built for HTTP (tests/slackclient.py) as the envelope Slack would
        use for it over Socket Mode; its envelope_id."""
        body, content_type = request
        if "application/json" in content_type:
            payload = json.loads(body)
            assert payload.get("type") == "event_callback", f"not an event: {payload!r}"
            return self.send("events_api", payload)
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" in fields:
            return self.send("interactive", json.loads(fields["payload"]))
        assert "command" in fields, f"neither a slash command nor an interaction: {fields!r}"
        return self.send("slash_commands", fields)

    # --- the WebSocket handler (one thread per connection) --------------------------------

    def _handle(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else ""
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {
                        "host": "applink-fake",
                        "build_number": 1,
                        "approximate_connection_time": 3600,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        with self._lock:
            self._connections.append(connection)
        self._record("socket_mode.connect", {"path": path, "app_id": self.app_id}, path)
        try:
            for message in connection:
                self._received(message, path)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._connections.remove(connection)
            self._record("socket_mode.disconnect", {"path": path}, path)

    def _received(self, message: str | bytes, path: str) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            data = None
        if isinstance(data, dict) and "envelope_id" in data:
            payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
            self._record("socket_mode.ack", {**payload, "envelope_id": data["envelope_id"]}, path)
        else:
            self._record("socket_mode.message", {"_raw": message}, path)

    def _record(self, method: str, params: dict[str, Any], path: str) -> None:
        self.fake.log.append(Call(method, params, {}, time.time(), 200, path, {}))
