"""`commander agent` refuses a bad config with one line and exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def agent(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", "from cli.main import main; main()", "agent", *args]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_a_missing_config_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = agent(str(tmp_path / "agent.toml"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'agent.toml'}: cannot read it: No such file or directory"
    )


def test_a_config_without_a_way_to_fetch_names_the_problem(tmp_path: Path) -> None:
    config = tmp_path / "agent.toml"
    config.write_text('etcd = "http://127.0.0.1:2379"\nservice = "api"\nroot = "/srv/api"\n')
    result = agent(str(config))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith(
        "(top level): set one of fetch (a command) or source (a directory), got neither"
    )


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "agent.toml"
    config.write_text(
        'etcd = "http://127.0.0.1:2379"\nservice = "api"\nroot = "/srv/api"\n'
        'source = "/mnt/builds"\nreadyness = ["true"]\n'
    )
    result = agent(str(config))
    assert result.returncode == 2
    assert f"{config}: readyness: unknown key" in result.stderr
