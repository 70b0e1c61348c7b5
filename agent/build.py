"""What `commander agent` does to a host's disk: fetch a build into a cold directory, switch the
`current` symlink atomically, and run the readiness check.

    {root}/builds/{version}/   complete builds: a fetch lands in a temp dir, renamed when done
    {root}/current             symlink to builds/{version}, replaced by rename (never half-made)

A kill at any moment leaves `current` pointing at one complete build, old or new.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

Argv = Sequence[str]


def fill(argv: Argv, values: Mapping[str, str]) -> list[str]:
    """Replace {version}, {dest}, {current}, {host}, {service} in each argument."""
    out = []
    for arg in argv:
        for name, value in values.items():
            arg = arg.replace("{" + name + "}", value)
        out.append(arg)
    return out


class Builds:
    """The builds and the `current` link under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.builds = root / "builds"
        self.current = root / "current"
        self.builds.mkdir(parents=True, exist_ok=True)

    def serving(self) -> str | None:
        """The version `current` points at, if any."""
        try:
            return Path(os.readlink(self.current)).name
        except OSError:
            return None

    def path(self, version: str) -> Path:
        """Where a complete build of `version` lives."""
        return self.builds / version

    def fetch(self, version: str, fetch: Argv | None, source: Path | None, timeout: float) -> None:
        """Bring `version` into builds/ unless it is there: into a cold dir, then one rename."""
        final = self.path(version)
        if final.is_dir():
            return
        cold = self.builds / f".incoming-{version}-{os.getpid()}"
        shutil.rmtree(cold, ignore_errors=True)
        if fetch:
            cold.mkdir()
            run(fill(fetch, {"version": version, "dest": str(cold)}), timeout, "fetch")
        elif source is not None:
            shutil.copytree(source / version, cold, symlinks=True)
        os.replace(cold, final)

    def switch(self, version: str) -> None:
        """Point `current` at builds/{version} with one atomic rename."""
        link = self.root / f".current-{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(Path("builds") / version, link)
        os.replace(link, self.current)

    def sweep(self) -> None:
        """Remove what a killed agent left half-done (cold dirs and temp links)."""
        for leftover in self.builds.glob(".incoming-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        for link in self.root.glob(".current-*"):
            link.unlink(missing_ok=True)


class StepFailed(Exception):
    """A fetch, drain, restart or readiness command failed; the message is safe to show."""


def run(argv: Argv, timeout: float, step: str) -> str:
    """Run a command; its last output line, or StepFailed with the tail of stderr."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise StepFailed(f"{step} timed out after {timeout:g} s") from None
    except OSError as exc:
        raise StepFailed(f"{step}: cannot run {argv[0]}: {exc.strerror}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise StepFailed(f"{step} exited {done.returncode}: {' / '.join(tail)}"[:400])
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def wait_ready(argv: Argv | None, timeout: float, poll: float = 0.2) -> tuple[bool, str]:
    """Run the readiness check until it passes or `timeout` ends: (ready, detail)."""
    if not argv:
        return True, "no readiness check configured"
    deadline = time.monotonic() + timeout
    while True:
        try:
            return True, run(argv, max(deadline - time.monotonic(), 1.0), "readiness") or "ready"
        except StepFailed as failed:
            if time.monotonic() + poll > deadline:
                return False, str(failed)
        time.sleep(poll)
