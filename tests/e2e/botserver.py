"""Run `commander serve` as a subprocess on a free loopback port, as an operator would."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.slackclient import SlackSender

LAUNCH = [sys.executable, "-c", "from cli.main import main; main()"]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def commander(*args: str, env: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess:
    """Run one `commander` command to completion and capture its output."""
    return subprocess.run(
        [*LAUNCH, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def base_env(api_url: str, database_url: str, config_path: Path, secret: str) -> dict[str, str]:
    """The environment the bot reads at start, pointed at the fake Slack and a test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COMMANDER_"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            "COMMANDER_CONFIG": str(config_path),
            "COMMANDER_POST_INTERVAL": "0.05",
            "COMMANDER_TICK": "0.1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class BotServer:
    """One `commander serve` process; start(), then send it signed requests via `.slack`."""

    def __init__(self, env: dict[str, str], logdir: Path, name: str = "bot") -> None:
        self.env = env
        self.secret = env["SLACK_SIGNING_SECRET"]
        self.logdir = logdir
        self.name = name
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.slack = SlackSender(self.base_url, self.secret)
        self._runs = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stderr_path(self) -> Path:
        return self.logdir / f"{self.name}-{self._runs}.stderr"

    def start(self, timeout: float = 30) -> BotServer:
        """Launch and wait until GET /healthz answers 200."""
        self._runs += 1
        with open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [*LAUNCH, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=err,
                stderr=subprocess.STDOUT,
            )
        self._wait_healthy(timeout)
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(
                    f"commander serve exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.05)
        raise AssertionError(f"commander serve not healthy after {timeout}s:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL if it does not go within 10 s."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> BotServer:
        """Start again on the same port, database and config."""
        self.stop()
        return self.start()

    def output(self) -> str:
        """Everything the process wrote to stderr/stdout in its latest run."""
        path = self.stderr_path
        return path.read_text(errors="replace") if path.exists() else "(no output)"

    def close(self) -> None:
        """Stop the process and the HTTP client."""
        self.stop()
        self.slack.close()


def new_secret() -> str:
    """A random signing secret for one test."""
    return secrets.token_hex(16)
