"""Issue 18's inputs: each is one line on stderr and exit code 2 (no traceback), or says what
it should; a read never creates a database file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.integration.test_cli_bad_input import QUICK, ROOT, commander, one_line_error

SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
UNWRITABLE = Path("/proc/1")  # a folder no one may create files in, root included


@pytest.fixture
def quick(tmp_path: Path) -> Path:
    path = tmp_path / "quick.toml"
    path.write_text(QUICK)
    return path


@pytest.fixture
def not_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 10)
    return path


def serve(**env: str) -> str:
    config = str(ROOT / "commander.toml")
    return one_line_error(commander("serve", env={**SLACK, "COMMANDER_CONFIG": config, **env}))


def test_serve_into_a_folder_that_does_not_exist() -> None:
    line = serve(DATABASE_URL="sqlite:////nonexistent/dir/c.db")
    assert "the folder /nonexistent/dir does not exist" in line


def test_a_tick_of_zero_is_refused_before_it_busy_loops(tmp_path: Path) -> None:
    line = serve(DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}", COMMANDER_TICK="0")
    assert 'COMMANDER_TICK: expected a number of seconds above 0 and at most 60, got "0"' in line


def test_shell_on_an_in_memory_database() -> None:
    line = one_line_error(commander("shell", "--database", "sqlite://"))
    assert "--database sqlite:// is an in-memory database" in line


def test_shell_on_a_file_that_is_not_sqlite(not_sqlite: Path) -> None:
    line = one_line_error(commander("shell", "--database", f"sqlite:///{not_sqlite}"))
    assert f"{not_sqlite} is not a SQLite database" in line


def test_db_upgrade_on_a_file_that_is_not_sqlite(not_sqlite: Path) -> None:
    line = one_line_error(commander("db", "upgrade", "--url", f"sqlite:///{not_sqlite}"))
    assert f"{not_sqlite} is not a SQLite database" in line
    assert not_sqlite.read_text().startswith("these are my notes")


def test_a_report_folder_that_cannot_be_written_is_refused_before_the_work() -> None:
    line = one_line_error(commander("sim", "validate", "--report", str(UNWRITABLE)))
    assert f"--report {UNWRITABLE}: cannot write there" in line


def test_a_chart_into_a_folder_that_cannot_be_written(quick: Path) -> None:
    chart = UNWRITABLE / "run.png"
    line = one_line_error(commander("sim", "run", str(quick), "--chart", str(chart)))
    assert f"--chart {UNWRITABLE}: cannot write there" in line


def test_a_dask_address_that_is_not_one() -> None:
    line = one_line_error(commander("sim", "validate", "--dask", "not a url"))
    assert "expected a scheduler address such as tcp://10.0.0.5:8786" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["sim", "validate", "--runs", "99999999999999999999"], "expected 1 to 100000"),
        (["sim", "compare", "argo", "--jobs", "100000"], "expected 1 to 256"),
    ],
)
def test_counts_have_a_maximum(args: list[str], expected: str) -> None:
    assert expected in one_line_error(commander(*args))


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("10000w", 'duration: expected a duration of at most 3650d (ten years), got "10000w"'),
        ("5d", "duration: expected at most 2d (the simulator keeps every window in memory)"),
    ],
)
def test_a_scenario_too_long_to_simulate(tmp_path: Path, duration: str, expected: str) -> None:
    scenario = tmp_path / "long.toml"
    scenario.write_text(QUICK.replace('duration = "10m"', f'duration = "{duration}"'))
    assert expected in one_line_error(commander("sim", "run", str(scenario)))


def test_dora_since_beyond_the_maximum(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    line = one_line_error(commander("dora", "--since", "100000000w", "--url", url))
    assert '--since: expected a duration of at most 3650d (ten years), got "100000000w"' in line


def test_a_read_never_creates_the_database_file(tmp_path: Path) -> None:
    missing = tmp_path / "c.db"
    for args in (["dora"], ["db", "current"]):
        line = one_line_error(commander(*args, "--url", f"sqlite:///{missing}"))
        assert "no database there yet; run `commander db upgrade` to create it" in line
    assert not missing.exists()


def test_an_unmigrated_database_says_to_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    sqlite3.connect(path).execute("CREATE TABLE unrelated (a)").connection.close()
    line = one_line_error(commander("dora", "--url", f"sqlite:///{path}"))
    assert "has no Deploy Commander tables yet: run `commander db upgrade`" in line
    assert "cannot reach" not in line


def test_dora_for_a_service_that_is_not_declared_suggests_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert commander("db", "upgrade", "--url", url).returncode == 0
    line = one_line_error(commander("dora", "--service", "apii", "--url", url))
    assert '--service: No service named "apii". Did you mean api? Services: ' in line


def test_sim_run_exits_1_when_the_expectation_is_not_met(tmp_path: Path) -> None:
    scenario = tmp_path / "fails.toml"
    scenario.write_text(QUICK.replace('outcome = "held"', 'outcome = "rolled_back"'))
    result = commander("sim", "run", str(scenario))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "NOT met" in result.stdout
    assert commander("sim", "run", str(scenario), "--json").returncode == 1


def test_sim_run_policy_team_without_decisions_is_not_silently_ignored(quick: Path) -> None:
    line = one_line_error(commander("sim", "run", str(quick), "--policy", "team"))
    assert "--policy team applies to a replayed drill: add --decisions FILE" in line


def test_agent_with_an_empty_host(tmp_path: Path) -> None:
    settings = tmp_path / "agent.toml"
    settings.write_text('service = "api"\netcd = "http://127.0.0.1:1"\n')
    line = one_line_error(commander("agent", str(settings), "--host", ""))
    assert '--host: expected a host name such as web-1, got ""' in line


def test_config_check_refuses_what_serve_refuses(tmp_path: Path) -> None:
    config = tmp_path / "team.toml"
    config.write_text('[[services]]\nname = "api"\ndeployer = { kind = "teleport" }\n')
    line = one_line_error(commander("config", "check", str(config)))
    assert 'services.api.deployer.kind: expected "log", "command", "webhook" or "etcd"' in line


BAD_CONFIG = '[[services]]\nname = "api"\ndepends_on = ["api"]\n'


@pytest.mark.parametrize("command", ["config check", "sim run", "shell", "serve"])
def test_every_command_refuses_what_config_check_refuses(
    tmp_path: Path, quick: Path, command: str
) -> None:
    config = tmp_path / "team.toml"
    config.write_text(BAD_CONFIG)
    args = {
        "config check": ["config", "check", str(config)],
        "sim run": ["sim", "run", str(quick), "--config", str(config)],
        "shell": ["shell", "--config", str(config)],
        "serve": ["serve"],
    }[command]
    env = {**SLACK, "COMMANDER_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    line = one_line_error(commander(*args, env=env))
    assert f"{config}: services[0].depends_on[0]: api depends on itself" in line
