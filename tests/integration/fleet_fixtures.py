"""A real etcd and `commander agent` processes over temp directories, for the fleet tests."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.etcd import Etcd
from adapters.fleet import hosts_prefix
from tests.servers import Server, start_etcd, wait_until

ROOT = Path(__file__).resolve().parents[2]
FILES = 12  # files per build, so a half-copied build is visible
SLOW_COPY = """import pathlib, shutil, sys, time
src, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for path in sorted(src.iterdir()):
    shutil.copy(path, dest / path.name)
    time.sleep(float(sys.argv[3]))
"""


def make_build(source: Path, version: str, ready: bool = True, files: int = FILES) -> None:
    """builds/{version}: `files` files holding the version; READY unless the build is bad."""
    build = source / version
    build.mkdir(parents=True)
    for i in range(files):
        (build / f"part{i:02d}.txt").write_text(version)
    if ready:
        (build / "READY").write_text(version)


class Agents:
    """N agent processes, one per host h0..h{n-1}, each with its own root directory."""

    def __init__(self, workdir: Path, etcd_url: str, prefix: str, source: Path) -> None:
        self.workdir, self.etcd_url, self.prefix, self.source = workdir, etcd_url, prefix, source
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.readiness = ["test", "-f", "{current}/READY"]
        self.etcd = Etcd(etcd_url)

    def config(
        self, host: str, copy_delay: float | None = 0.0, drain: str = "0s", pool: str = "external"
    ) -> Path:
        """An agent config: fetch by a (slow) copy command, or copy_delay=None to copy the
        source directory in-process."""
        root = self.workdir / "hosts" / host
        script = self.workdir / "slow_copy.py"
        script.write_text(SLOW_COPY)
        fetch = [sys.executable, str(script), f"{self.source}/{{version}}", "{dest}",
                 str(copy_delay)]  # fmt: skip
        pull = {"source": str(self.source)} if copy_delay is None else {"fetch": fetch}
        lines = {
            "etcd": self.etcd_url, "prefix": self.prefix, "service": "api", "host": host,
            "root": str(root), **pull, "drain": drain, "pool": pool,
            "readiness": self.readiness, "ready_timeout": "1s",
            "check_every": "1s",
        }  # fmt: skip
        path = self.workdir / f"{host}.toml"
        path.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in lines.items()))
        return path

    def start(
        self, host: str, copy_delay: float | None = 0.0, drain: str = "0s", pool: str = "external"
    ) -> None:
        log = (self.workdir / f"{host}.log").open("ab")
        config = self.config(host, copy_delay, drain, pool)
        argv = [sys.executable, "-c", "from cli.main import main; main()", "agent", str(config)]
        self.procs[host] = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log)

    def kill(self, host: str) -> None:
        proc = self.procs.pop(host)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()

    def reports(self) -> dict[str, dict]:
        prefix = hosts_prefix(self.prefix, "api", "production")
        try:
            entries = self.etcd.get_prefix(prefix)
        except httpx.HTTPError:
            return {}
        return {e.key.removeprefix(prefix): e.value for e in entries}

    def wait_all(self, hosts: list[str], version: str, state: str = "ready", timeout: float = 60):
        def there() -> bool:
            seen = self.reports()
            return all(
                seen.get(h, {}).get("version") == version and seen[h].get("state") == state
                for h in hosts
            )

        wait_until(
            there, timeout, f"{hosts} to report {state} on {version}; logs in {self.workdir}"
        )

    def serving(self, host: str) -> str:
        """What the host's current link shows, checked to be one complete build."""
        current = self.workdir / "hosts" / host / "current"
        parts = sorted(current.glob("part*.txt"))
        versions = {p.read_text() for p in parts}
        assert len(parts) == FILES and len(versions) == 1, f"{host}: a mixed build {versions}"
        return versions.pop()


_prefixes = itertools.count()


@pytest.fixture(scope="module")
def etcd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real etcd for the module, on a free loopback port."""
    server = start_etcd(tmp_path_factory.mktemp("etcd"))
    yield server
    server.stop()


@pytest.fixture
def prefix() -> str:
    """A key prefix of the test's own, so tests sharing one etcd never see each other's keys."""
    return f"/fleet{next(_prefixes)}"


@pytest.fixture
def agents(tmp_path: Path, etcd: Server, prefix: str) -> Iterator[Agents]:
    """Agent processes on `prefix`, with builds 1.0, 2.0, 3.0 and a bad 6.6.6-bad to fetch."""
    source = tmp_path / "source"
    for version in ("1.0", "2.0", "3.0"):
        make_build(source, version)
    make_build(source, "6.6.6-bad", ready=False)
    agents = Agents(tmp_path, etcd.url, prefix, source)
    yield agents
    agents.stop_all()
    agents.etcd.close()
