"""`commander sim run | validate | compare` through the real CLI and the real runner."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import build_cli, main
from rollout.errors import CommanderError

QUICK = """
name = "{name}"
duration = "20m"

[fleet]
hosts = 40
rps = 2000

[release]
stages = [
  {{ kind = "traffic", name = "canary", percent = 5, bake = "2m", gate = "auto" }},
  {{ kind = "traffic", name = "100%", percent = 100, bake = "2m", gate = "auto" }},
]

[[faults]]
kind = "error_rate"
rate = 0.05

[expect]
outcome = "{outcome}"
"""
RUN_KEYS = {
    "scenario", "seed", "outcome", "fault_onset_s", "detected_at_s", "time_to_detect_s",
    "time_to_mitigate_s", "bad_requests", "excess_bad_requests", "requests_to_new",
    "peak_exposure_all_users_pct", "peak_exposure_customers_pct", "duration_s", "decisions",
}  # fmt: skip


@pytest.fixture
def library(tmp_path, monkeypatch) -> Path:
    """A scenarios folder with one quick bad release that must be rolled back."""
    monkeypatch.chdir(tmp_path)  # no commander.toml here: the built-in defaults apply
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "quick-bad.toml").write_text(QUICK.format(name="quick-bad", outcome="rolled_back"))
    return folder


def invoke(*args: str):
    return CliRunner().invoke(build_cli(), ["sim", *args], catch_exceptions=True)


class TestRun:
    def test_json_is_one_object_with_every_key_and_null_where_nothing_happened(self, library):
        result = invoke("run", "quick-bad", "--seed", "4", "--json")
        assert result.exit_code == 0, result.output
        record = json.loads(result.stdout)
        assert set(record) >= RUN_KEYS
        assert (record["scenario"], record["seed"], record["outcome"]) == (
            "quick-bad", 4, "rolled_back"
        )  # fmt: skip
        assert record["decisions"] and set(record["decisions"][0]) == {
            "t_s", "stage", "judge", "verdict", "evidence"
        }  # fmt: skip

    def test_a_healthy_run_reports_null_detection(self, library):
        healthy = library / "healthy.toml"
        text = QUICK.format(name="healthy", outcome="promoted")
        healthy.write_text(text.replace('kind = "error_rate"\nrate = 0.05', "").replace(
            "[[faults]]", ""))  # fmt: skip
        record = json.loads(invoke("run", str(healthy), "--json").stdout)
        assert record["outcome"] == "promoted"
        assert record["fault_onset_s"] is None and record["time_to_detect_s"] is None

    def test_same_seed_same_json(self, library):
        first = invoke("run", "quick-bad", "--seed", "2", "--json").stdout
        assert invoke("run", "quick-bad", "--seed", "2", "--json").stdout == first

    def test_the_summary_and_chart_for_a_person(self, library, tmp_path):
        chart = tmp_path / "out" / "run.png"
        result = invoke("run", str(library / "quick-bad.toml"), "--chart", str(chart))
        assert result.exit_code == 0, result.output
        assert "rolled_back" in result.stdout and "time to detect" in result.stdout
        assert "Decisions" in result.stdout
        assert chart.read_bytes()[:4] == b"\x89PNG"

    def test_an_unknown_scenario_is_a_commander_error(self, library):
        result = invoke("run", "no-such-scenario")
        assert isinstance(result.exception, CommanderError)
        assert "known: quick-bad" in str(result.exception)


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["commander", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return exit_info.value.code, capsys.readouterr().err


class TestBadInput:
    """A user mistake is one red line on stderr and exit code 2."""

    def test_a_bad_scenario_path(self, library, monkeypatch, capsys):
        code, err = run_main(monkeypatch, capsys, "sim", "run", "nowhere/missing.toml")
        assert code == 2
        assert err.count("\n") == 1 and 'no scenario "nowhere/missing.toml"' in err

    def test_a_missing_config_file(self, library, monkeypatch, capsys):
        code, err = run_main(monkeypatch, capsys, "sim", "run", "quick-bad", "--config", "x.toml")
        assert code == 2 and "x.toml: file not found" in err

    def test_an_empty_scenarios_folder(self, tmp_path, monkeypatch, capsys):
        (tmp_path / "empty").mkdir()
        code, err = run_main(
            monkeypatch, capsys, "sim", "validate", "--scenarios", str(tmp_path / "empty")
        )
        assert code == 2 and "no scenarios found" in err

    def test_zero_jobs(self, library, monkeypatch, capsys):
        code, err = run_main(monkeypatch, capsys, "sim", "validate", "--jobs", "0")
        assert code == 2 and "'--jobs': expected 1 to 256, got 0" in err


class TestValidate:
    def test_exits_0_and_writes_charts_when_every_expectation_holds(self, library, tmp_path):
        result = invoke("validate", "--runs", "3", "--jobs", "1", "--report", "rep")
        assert result.exit_code == 0, result.output
        assert "quick-bad" in result.stdout and "ok" in result.stdout
        assert {p.name for p in (tmp_path / "rep").iterdir()} == {"quick-bad.png", "summary.png"}

    def test_exits_1_and_says_why_when_an_expectation_cannot_be_met(self, library):
        unmeetable = QUICK.format(name="expects-promotion", outcome="promoted")
        (library / "expects-promotion.toml").write_text(unmeetable)
        result = invoke("validate", "--runs", "3", "--jobs", "2")
        assert result.exit_code == 1, result.output
        assert "FAIL expects-promotion: pass rate 0% < 95%" in result.stdout
        assert "outcome rolled_back, expected promoted" in result.stdout


class TestCompare:
    def test_prints_one_table_with_a_row_per_policy(self, library):
        result = invoke("compare", "team", "argo", "flagger", "--runs", "2", "--jobs", "1")
        assert result.exit_code == 0, result.output
        for text in ("team", "argo", "flagger", "all faulty releases", "rolled back", "held",
                     "detected", "detect p50", "it is not a detection"):  # fmt: skip
            assert text in result.stdout

    def test_an_unknown_policy_is_a_commander_error(self, library):
        result = invoke("compare", "team", "spinnaker", "--runs", "1")
        assert isinstance(result.exception, CommanderError)
