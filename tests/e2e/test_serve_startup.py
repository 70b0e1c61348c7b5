"""`commander serve` says where it listens, and fails in one line when it cannot start."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.e2e.botserver import LAUNCH, base_env, commander, free_port, new_secret
from tests.e2e.teamconfig import team_config
from tests.slackfake import FakeSlack
from tests.slackfake.socket_mode import SocketModeFake


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "commander.toml"
    path.write_text(team_config())
    return path


def first_line(process: subprocess.Popen[str]) -> str:
    """The first line the server prints on stdout (it blocks until there is one)."""
    assert process.stdout is not None
    return process.stdout.readline().strip()


def test_http_mode_prints_where_it_listens(
    fake_slack: FakeSlack, config: Path, sqlite_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = base_env(fake_slack.api_url, sqlite_url, config, new_secret())
    process = subprocess.Popen(
        [*LAUNCH, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert first_line(process) == f"listening on http://127.0.0.1:{port}/slack/events"
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # the socket it named accepts connections
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_socket_mode_says_it_connected(
    fake_slack: FakeSlack, config: Path, sqlite_url: str
) -> None:
    with SocketModeFake(fake_slack):
        env = {
            **base_env(fake_slack.api_url, sqlite_url, config, new_secret()),
            "SLACK_APP_TOKEN": "xapp-test",
        }
        process = subprocess.Popen(
            [*LAUNCH, "serve", "--socket"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert first_line(process) == "connected to Slack in Socket Mode"
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_socket_mode_without_slack_is_one_line_and_exit_2(config: Path, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    env = {
        **base_env(closed, f"sqlite:///{tmp_path / 'c.db'}", config, new_secret()),
        "SLACK_APP_TOKEN": "xapp-test",
    }
    result = commander("serve", "--socket", env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot reach Slack at {closed}: ")
    assert "Connection refused" in lines[0]


def test_a_port_in_use_is_one_line_and_exit_2(config: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = base_env("http://127.0.0.1:9/api/", f"sqlite:///{tmp_path / 'c.db'}", config, "s")
        result = commander("serve", "--port", str(port), env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


def test_an_in_memory_database_is_refused_before_serving(config: Path) -> None:
    env = base_env("http://127.0.0.1:9/api/", "sqlite://", config, "s")
    result = commander("serve", "--port", "0", env=env)
    assert result.returncode == 2
    assert "in-memory database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_binary_team_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "commander.toml"
    config.write_bytes(bytes(range(256)))
    env = base_env("http://127.0.0.1:9/api/", f"sqlite:///{tmp_path / 'c.db'}", config, "s")
    result = commander("serve", "--port", "0", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {config}: not a text file (not UTF-8 at byte 128); expected TOML text"
    ]
