"""`commander config check` as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cli.main import build_cli

ROOT = Path(__file__).resolve().parents[2]


def commander(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_prints_the_plan_windows_rotation_and_policy() -> None:
    result = CliRunner().invoke(
        build_cli(), ["config", "check", str(ROOT / "commander.toml")], terminal_width=160
    )
    assert result.exit_code == 0, result.output
    for heading in (
        "is valid",
        "Deploy hours",
        "Plan",
        "canary",
        "Rotation",
        "Policy",
        "sequential",
        "U0ADMIN01",
    ):
        assert heading in result.output


def test_a_bad_config_is_one_line_on_stderr_and_exit_code_2(tmp_path: Path) -> None:
    bad = tmp_path / "team.toml"
    bad.write_text('[[plan.stages]]\nkind = "traffic"\nname = "x"\npercent = 150\n')
    result = commander("config", "check", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "team.toml: plan.stages[0].percent: expected a number from 0 to 100, got 150" in lines[0]


def test_a_missing_config_says_how_to_point_at_one(tmp_path: Path) -> None:
    result = commander("config", "check", cwd=tmp_path)
    assert result.returncode == 2
    assert "commander.toml: file not found (pass a path, or set COMMANDER_CONFIG)" in result.stderr


def test_help_lists_the_command_groups() -> None:
    result = commander("--help")
    assert result.returncode == 0
    for group in ("config", "sim", "db", "serve"):
        assert group in result.stdout


def test_check_shows_who_may_run_drills_and_where() -> None:
    result = CliRunner().invoke(
        build_cli(), ["config", "check", str(ROOT / "commander.toml")], terminal_width=160
    )
    assert result.exit_code == 0, result.output
    drills = result.output.split("Drills", 1)[1].splitlines()[0]
    assert "#deploy-drills" in drills and "U0ADMIN01" in drills
