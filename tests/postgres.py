"""A throwaway PostgreSQL cluster for the suites that need one, as tests/servers.py starts
Prometheus and etcd: Debian's initdb and pg_ctl, a temp data dir, a free loopback port.

TEST_DATABASE_URL, when set, names a server to use instead (CI sets it). Without it and
without the binaries, the PostgreSQL tests skip outside CI, saying why, and fail in CI.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import free_port

INSTALL = "apt-get install -y postgresql, or set TEST_DATABASE_URL to a server"


def pg_binary(name: str) -> str | None:
    """initdb or pg_ctl: on the PATH, else the newest /usr/lib/postgresql/*/bin."""
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version)
    return shutil.which(name) or (versions[-1] if versions else None)


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def unavailable(reason: str) -> None:
    """Skip outside CI with the reason; in CI, fail: the PostgreSQL suites must run there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI must run the PostgreSQL tests: {INSTALL}")
    pytest.skip(f"{reason} (outside CI the PostgreSQL tests are optional): {INSTALL}")


@contextmanager
def postgres_server() -> Iterator[str]:
    """A server URL: TEST_DATABASE_URL, else a new cluster stopped and deleted on exit."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        unavailable("TEST_DATABASE_URL is not set and PostgreSQL's initdb/pg_ctl are not installed")
    assert initdb and pg_ctl
    become = _postgres_user()
    with tempfile.TemporaryDirectory(prefix="commander-pg-") as folder:
        work = Path(folder)
        if become is not None:
            os.chown(work, *become)
        run = _runner(become)
        run([initdb, "-D", str(work / "data"), "-U", "postgres", "--auth=trust", "--no-sync"])
        port = free_port()
        options = f"-h 127.0.0.1 -p {port} -k {work} -F"
        run(
            [
                pg_ctl,
                "-D",
                str(work / "data"),
                "-l",
                str(work / "log"),
                "-w",
                "-o",
                options,
                "start",
            ]
        )
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run([pg_ctl, "-D", str(work / "data"), "-m", "immediate", "-w", "stop"])


def _postgres_user() -> tuple[int, int] | None:
    """initdb refuses to run as root: as root, run it as the `postgres` user."""
    if os.geteuid() != 0:
        return None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        unavailable("initdb cannot run as root and there is no postgres user to run it as")
        raise
    return user.pw_uid, user.pw_gid


def _runner(become: tuple[int, int] | None) -> Callable[[list[str]], None]:
    def as_postgres() -> None:
        assert become is not None
        os.setgid(become[1])
        os.setuid(become[0])

    def run(argv: list[str]) -> None:
        done = subprocess.run(
            argv,
            preexec_fn=as_postgres if become else None,  # noqa: PLW1509 (before exec only)
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise AssertionError(f"{Path(argv[0]).name} failed:\n{done.stdout}{done.stderr}")

    return run
