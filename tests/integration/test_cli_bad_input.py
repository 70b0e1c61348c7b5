"""Every bad input to `commander`: one line on stderr naming what, where and what was expected,
exit code 2, never a traceback. Each test runs the real entry point in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = [sys.executable, "-c", "from cli.main import main; main()"]
QUICK = """name = "quick"
duration = "10m"

[fleet]
hosts = 20
rps = 500
history = "5m"

[release]
stages = [{ kind = "traffic", name = "all", percent = 100, bake = "1m", gate = "auto" }]

[expect]
outcome = "held"  # too little traffic in 1m for the judges to pass it: sim run exits 0
"""


def commander(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LAUNCH, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single error line, after checking the exit code and that nothing else was printed."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def binary(tmp_path: Path) -> Path:
    path = tmp_path / "blob.toml"
    path.write_bytes(bytes(range(256)) * 4)
    return path


@pytest.fixture
def quick(tmp_path: Path) -> Path:
    path = tmp_path / "quick.toml"
    path.write_text(QUICK)
    return path


class TestTracebacksBefore:
    def test_a_binary_scenario(self, binary: Path) -> None:
        line = one_line_error(commander("sim", "run", str(binary)))
        assert f"{binary}: not a text file" in line and "expected TOML" in line

    def test_a_binary_config(self, binary: Path, quick: Path) -> None:
        line = one_line_error(commander("sim", "run", str(quick), "--config", str(binary)))
        assert f"{binary}: not a text file" in line

    def test_a_negative_seed(self, quick: Path) -> None:
        line = one_line_error(commander("sim", "run", str(quick), "--seed", "-5"))
        assert "--seed" in line and "-5" in line and "commander sim run --help" in line

    def test_a_chart_format_that_cannot_be_written_lists_the_ones_that_can(
        self, quick: Path, tmp_path: Path
    ) -> None:
        line = one_line_error(
            commander("sim", "run", str(quick), "--chart", str(tmp_path / "x.txt"))
        )
        assert 'cannot write ".txt" charts' in line
        assert all(kind in line for kind in ("png", "svg", "pdf"))
        assert not (tmp_path / "x.txt").exists()

    def test_a_report_folder_that_is_a_file(self, tmp_path: Path) -> None:
        taken = tmp_path / "report"
        taken.write_text("not a folder")
        line = one_line_error(commander("sim", "validate", "--report", str(taken), "--runs", "1"))
        assert f"--report {taken}: is a file, expected a folder" in line

    def test_a_database_driver_that_is_not_installed(self) -> None:
        url = "mysql+mysqldb://me:secret@127.0.0.1/commander"
        line = one_line_error(commander("db", "upgrade", env={"DATABASE_URL": url}))
        assert "mysql+mysqldb driver is not installed" in line and "postgresql://" in line
        assert "secret" not in line

    def test_an_unknown_database(self) -> None:
        line = one_line_error(commander("db", "current", "--url", "oracle2://x/y"))
        assert "unknown database 'oracle2'" in line


class TestMisleadingBefore:
    @pytest.mark.parametrize("command", [["config", "check"], ["sim", "run", "quick", "--config"]])
    def test_a_directory_given_as_the_config_is_called_a_directory(
        self, command: list[str], tmp_path: Path
    ) -> None:
        line = one_line_error(commander(*command, str(tmp_path)))
        assert f"{tmp_path}: is a directory, expected the team config file" in line

    def test_a_chart_into_a_folder_lands_there_and_the_real_path_is_printed(
        self, quick: Path, tmp_path: Path
    ) -> None:
        folder = tmp_path / "charts"
        folder.mkdir()
        result = commander("sim", "run", str(quick), "--seed", "3", "--chart", str(folder))
        assert result.returncode == 0, result.stderr
        written = folder / "quick-seed3.png"
        assert written.is_file() and f"chart written to {written}" in result.stdout

    def test_a_chart_name_without_an_extension_says_it_added_png(
        self, quick: Path, tmp_path: Path
    ) -> None:
        result = commander("sim", "run", str(quick), "--chart", str(tmp_path / "run"))
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "run.png").is_file() and not (tmp_path / "run").exists()
        assert f"chart written to {tmp_path / 'run.png'}" in result.stdout

    def test_a_depends_on_typo_names_only_the_key_path_and_the_choices(
        self, tmp_path: Path
    ) -> None:
        config = tmp_path / "team.toml"
        config.write_text(
            (ROOT / "commander.toml")
            .read_text()
            .replace('depends_on = ["api"]', 'depends_on = ["apj"]')
        )
        line = one_line_error(commander("config", "check", str(config)))
        assert line == (
            f'error: {config}: services[2].depends_on[0]: no service named "apj" '
            "(services: db-proxy, api, web)"
        )

    def test_an_in_memory_database_is_refused_instead_of_reporting_revision_none(self) -> None:
        line = one_line_error(commander("db", "upgrade", env={"DATABASE_URL": "sqlite://"}))
        assert "in-memory database" in line and "sqlite:///commander.db" in line

    def test_a_scenario_naming_a_plan_the_config_lacks_names_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "lost.toml"
        path.write_text('name = "lost"\n[release]\nplan = "nope"\n')
        line = one_line_error(commander("sim", "run", str(path), "--config", "commander.toml"))
        assert line.startswith(f'error: {path}: release.plan: no plan named "nope"')

    def test_a_scenario_key_error_names_the_file(self, tmp_path: Path) -> None:
        folder = tmp_path / "library"
        folder.mkdir()
        (folder / "typo.toml").write_text('name = "typo"\n[fleet]\nhosts = 0\n')
        line = one_line_error(commander("sim", "validate", "--scenarios", str(folder)))
        assert line.startswith(f"error: {folder / 'typo.toml'}: fleet.hosts: expected a number")

    def test_an_unknown_key_names_the_keys_of_its_table(self, tmp_path: Path) -> None:
        path = tmp_path / "typo.toml"
        path.write_text('name = "typo"\n[[faults]]\nkind = "latency"\nmultiplyer = 2.0\n')
        line = one_line_error(commander("sim", "run", str(path)))
        assert line == (
            f'error: {path}: faults[0].multiplyer: unknown key (did you mean "multiplier"? '
            "keys here: kind, multiplier, add_ms, onset)"
        )

    def test_a_bare_number_duration_asks_for_a_unit(self, tmp_path: Path) -> None:
        config = tmp_path / "team.toml"
        config.write_text("[rotation]\nshift = 2\n")
        line = one_line_error(commander("config", "check", str(config)))
        assert line == (
            f'error: {config}: rotation.shift: expected a duration with a unit, such as "2s" or '
            '"2m" (units: ms, s, m, h, d, w), got 2'
        )

    @pytest.mark.parametrize(
        ("table", "expected"),
        [
            ('[fleet]\nhosts = "200"', 'fleet.hosts: expected a whole number, got "200"'),
            ('[fleet]\nrps = "500"', 'fleet.rps: expected a number, got "500"'),
            (
                '[[faults]]\nkind = "error_rate"\nrate = "one percent"',
                'faults[0].rate: expected a number, got "one percent"',
            ),
            ('[fleet]\natomic = "yes"', 'fleet.atomic: expected true or false, got "yes"'),
        ],
    )
    def test_numbers_in_quotes_are_rejected_alike(
        self, table: str, expected: str, tmp_path: Path
    ) -> None:
        path = tmp_path / "strict.toml"
        path.write_text(f'name = "strict"\n{table}\n')
        line = one_line_error(commander("sim", "run", str(path)))
        assert line.startswith(f"error: {path}: {expected}")


class TestHelp:
    def test_validate_help_shows_expect_in_brackets(self) -> None:
        result = commander("sim", "validate", "--help", env={"COLUMNS": "200"})
        assert result.returncode == 0
        assert "misses its [expect]" in result.stdout

    def test_no_help_text_loses_its_square_brackets(self) -> None:
        """Rich reads [word] as markup; every bracketed text we wrote must reach the screen."""
        from typer.main import get_command

        from cli.main import build_cli

        def walk(command, path):  # type: ignore[no-untyped-def]
            yield path, command
            for name, sub in getattr(command, "commands", {}).items():
                yield from walk(sub, [*path, name])

        for path, command in walk(get_command(build_cli()), []):
            texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
            wanted = [m for text in texts for m in re.findall(r"\\?\[[a-z][^\]]*\]", text)]
            if not wanted:
                continue
            shown = commander(*path, "--help", env={"COLUMNS": "250"}).stdout
            for text in wanted:
                assert text.lstrip("\\") in shown, (path, text)


class TestPipes:
    @pytest.mark.parametrize(
        "args",
        [["config", "check", "commander.toml"], ["--help"], ["sim", "reference"]],
        ids=["rich-tables", "help", "plain-echo"],
    )
    def test_a_reader_that_closes_early_is_not_an_error(self, args: list[str]) -> None:
        """As in `commander ... | head -1`: the pipe's read end is closed before we write."""
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = subprocess.run(
                [*LAUNCH, *args],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=write_end,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
            )
        finally:
            os.close(write_end)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""

    def test_head_gets_its_line_and_we_exit_0(self) -> None:
        """The real thing, with two processes and no shell: commander | head -1."""
        producer = subprocess.Popen(
            [*LAUNCH, "sim", "schema"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert producer.stdout is not None
        head = subprocess.run(
            ["head", "-1"], stdin=producer.stdout, capture_output=True, text=True, timeout=60
        )
        producer.stdout.close()
        _, err = producer.communicate(timeout=60)
        assert head.stdout == "{\n"
        assert producer.returncode == 0 and err == b""
