"""A loopback HTTP receiver for webhook deployers: answers queued replies, records requests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW = 0  # a reply that comes after the deployer gave up
HANG = -1  # a reply that waits until the receiver's `release` is set


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers with the queued (status, body) replies, then 200 {}; records every request."""

    replies: list[tuple[int, str]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)


def serve_receiver() -> Iterator[Receiver]:
    """A receiver on a free loopback port, shut down when the generator closes."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(Received(dict(self.headers), body))
            status, text = state.replies.pop(0) if state.replies else (200, "{}")
            if status == SLOW:
                time.sleep(0.5)  # longer than the deployer's timeout
                status = 200
            if status == HANG:
                state.release.wait(30)
                status = 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/deploys"
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
