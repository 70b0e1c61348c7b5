"""Real servers for the integration and e2e suites: Prometheus and etcd from Debian's packages,
each started on free loopback ports with a temp data dir, and stopped afterwards.

A missing binary skips the test outside CI (with the reason) and fails it in CI (CI=true), where
.ci/run installs the packages first.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

INSTALL = "apt-get install -y prometheus etcd-server (.ci/run does this)"

T = TypeVar("T")


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def binary(name: str) -> str:
    """The path of a server binary; skip outside CI when it is missing, fail in CI."""
    found = shutil.which(name) or next(
        (p for p in (f"/usr/bin/{name}", f"/usr/sbin/{name}") if os.path.exists(p)), None
    )
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is not installed, and CI must run this test: {INSTALL}")
    pytest.skip(f"{name} is not installed (outside CI this test is optional): {INSTALL}")


def wait_until(check: Callable[[], T], timeout: float, what: str, poll: float = 0.05) -> T:
    """Poll until check() gives something truthy, and return it; or fail naming what never
    happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


class Server:
    """A server subprocess with its log file; stop() is idempotent."""

    def __init__(self, argv: list[str], log: Path, url: str, ready_path: str, name: str) -> None:
        self.name = name
        self.url = url
        ready_url = url + ready_path
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(argv, stdout=self._out, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: self._ready(ready_url), 30, f"{name} to answer {ready_url}")
        except AssertionError:
            self.stop()
            raise AssertionError(f"{name} did not start:\n{self.output()}") from None

    def _ready(self, url: str) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited {self.proc.returncode}:\n{self.output()}")
        return _answers(url)

    def output(self) -> str:
        """The last 3,000 characters the server wrote."""
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        """Terminate the server and wait for it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


def start_prometheus(workdir: Path, targets: list[str], scrape_s: float = 1.0) -> Server:
    """Prometheus scraping `targets` (host:port) every `scrape_s` seconds."""
    prometheus = binary("prometheus")
    port = free_port()
    config = workdir / "prometheus.yml"
    config.write_text(
        "global:\n"
        f"  scrape_interval: {scrape_s:g}s\n"
        f"  evaluation_interval: {scrape_s:g}s\n"
        "scrape_configs:\n"
        "  - job_name: app\n"
        "    static_configs:\n"
        f"      - targets: [{', '.join(repr(t) for t in targets)}]\n"
    )
    data = workdir / "prometheus-data"
    data.mkdir(exist_ok=True)
    argv = [
        prometheus,
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    url = f"http://127.0.0.1:{port}"
    return Server(argv, workdir / "prometheus.log", url, "/-/ready", "prometheus")


def start_etcd(workdir: Path) -> Server:
    """A single-member etcd with its client API on a free loopback port."""
    etcd = binary("etcd")
    client, peer = free_port(), free_port()
    data = workdir / "etcd-data"
    argv = [
        etcd,
        "--name=test",
        f"--data-dir={data}",
        f"--listen-client-urls=http://127.0.0.1:{client}",
        f"--advertise-client-urls=http://127.0.0.1:{client}",
        f"--listen-peer-urls=http://127.0.0.1:{peer}",
        f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
        f"--initial-cluster=test=http://127.0.0.1:{peer}",
    ]
    url = f"http://127.0.0.1:{client}"
    return Server(argv, workdir / "etcd.log", url, "/health", "etcd")
