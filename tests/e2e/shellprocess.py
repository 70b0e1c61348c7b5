"""Drive `commander shell` as a subprocess: write lines to its stdin, wait for its output."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from pathlib import Path

from tests.e2e.botserver import LAUNCH


class ShellProcess:
    """One `commander shell`; `send` a line, then `expect` what it prints in answer."""

    def __init__(self, *args: str, cwd: Path | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COMMANDER_"))}
        env.update({"PYTHONUNBUFFERED": "1", "COLUMNS": "100"})
        self.process = subprocess.Popen(
            [*LAUNCH, "shell", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        self._chunks: list[str] = []
        self._lock = threading.Lock()
        self.position = 0  # where the next expect() starts looking
        threading.Thread(target=self._read, daemon=True).start()

    @property
    def output(self) -> str:
        """Everything printed so far."""
        with self._lock:
            return "".join(self._chunks)

    def send(self, line: str) -> None:
        """Type a line and press enter."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def expect(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        """Wait for a regex in the output after the last match; later expects start past it."""
        compiled = re.compile(pattern, re.DOTALL)
        deadline = time.monotonic() + timeout
        while True:
            found = compiled.search(self.output, self.position)
            if found:
                self.position = found.end()
                return found
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(
                    f"no {pattern!r} after position {self.position}; output:\n{self.output}"
                )
            time.sleep(0.05)

    def finish(self, timeout: float = 20) -> int:
        """Close stdin (Ctrl-D) if still open, and wait for the exit code."""
        assert self.process.stdin is not None
        if not self.process.stdin.closed:
            self.process.stdin.close()
        return self.process.wait(timeout)

    def kill(self) -> None:
        """Make sure the process is gone (test teardown)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := self.process.stdout.read(1):
            with self._lock:
                self._chunks.append(chunk)
