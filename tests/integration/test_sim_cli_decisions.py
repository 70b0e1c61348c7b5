"""`commander sim run --decisions FILE --injections FILE --json`: a drill replayed from files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import build_cli, main
from rollout.config import TeamConfig
from rollout.decisions import Decision, dumps
from sim import injections as injections_format
from sim.drill import parse_injection, scorecard
from sim.scenario import load_scenario

QUICK = """
name = "drill-quick"
duration = "15m"

[fleet]
hosts = 60
rps = 2000

[release]
stages = [
  { kind = "traffic", name = "canary", percent = 10, bake = "5m", gate = "auto" },
  { kind = "traffic", name = "100%", percent = 100, bake = "2m", gate = "auto" },
]
"""
DECISIONS = [
    Decision(at_s=50.0, kind="hold", user="UTRAINEE1", reason="looking"),
    Decision(at_s=80.0, kind="resume", user="UTRAINEE1"),
    Decision(at_s=210.0, kind="rollback", user="UTRAINEE1", reason="errors"),
]
INJECTIONS = [parse_injection("error_rate", {"rate": 0.04, "audience": "external"}, 120.0)]


@pytest.fixture
def drill(tmp_path, monkeypatch) -> Path:
    """A scenario, the trainee's decisions and the trainer's injections, as files."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "drill-quick.toml").write_text(QUICK)
    (tmp_path / "decisions.json").write_text(dumps(DECISIONS))
    (tmp_path / "injections.json").write_text(injections_format.dumps(INJECTIONS))
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(build_cli(), ["sim", *args], catch_exceptions=True)


@pytest.mark.parametrize("policy", ["advise", "team"])
def test_the_replayed_figures_equal_the_scorecards(drill, policy) -> None:
    result = invoke(
        "run", "drill-quick", "--seed", "3", "--decisions", "decisions.json",
        "--injections", "injections.json", "--policy", policy, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    scenario = load_scenario(drill / "scenarios" / "drill-quick.toml")
    card = scorecard(scenario, TeamConfig(), 3, policy, DECISIONS, INJECTIONS)
    assert record["trainee"] == card.trainee.to_json()
    assert record["fault_onset_s"] == card.fault_onset_s
    assert (record["outcome"], record["bad_requests"], record["time_to_mitigate_s"]) == (
        card.trainee.outcome, card.trainee.bad_requests, card.trainee.time_to_mitigate_s
    )  # fmt: skip


def test_the_same_files_give_the_same_output(drill) -> None:
    args = ("run", "drill-quick", "--seed", "1", "--decisions", "decisions.json", "--json")
    assert invoke(*args).stdout == invoke(*args).stdout


def test_a_replay_for_a_person_shows_the_commanders_figures(drill) -> None:
    result = invoke("run", "drill-quick", "--decisions", "decisions.json")
    assert result.exit_code == 0, result.output
    assert "the commander's figures" in result.stdout


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["commander", "sim", "run", "drill-quick", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return exit_info.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[", "bad.json: not valid JSON"),
        ('{"at_s": 1}', "bad.json: expected a JSON list of decisions, got dict"),
        ('[{"at_s": 1, "kind": "panic", "user": "U1"}]', "bad.json: [0]: kind:"),
        ('[{"at_s": -1, "kind": "hold", "user": "U1"}]', "bad.json: [0]: at_s:"),
        (
            '[{"at_s": 9, "kind": "hold", "user": "U1"}, {"at_s": 1, "kind": "hold", "user": "U"}]',
            "time order",
        ),
    ],
)
def test_a_bad_decisions_file_is_one_line_and_exit_2(drill, monkeypatch, capsys, content, expected):
    (drill / "bad.json").write_text(content)
    code, err = run_main(monkeypatch, capsys, "--decisions", "bad.json")
    assert code == 2 and err.count("\n") == 1 and expected in err


def test_a_missing_decisions_file_is_named(drill, monkeypatch, capsys) -> None:
    code, err = run_main(monkeypatch, capsys, "--decisions", "nowhere.json")
    assert code == 2 and err.count("\n") == 1 and "nowhere.json: file not found" in err


def test_a_bad_injections_file_names_the_index_and_kinds(drill, monkeypatch, capsys) -> None:
    (drill / "bad.json").write_text('[{"at_s": 5, "kind": "meteor"}]')
    code, err = run_main(monkeypatch, capsys, "--injections", "bad.json")
    assert code == 2 and err.count("\n") == 1
    assert 'bad.json: [0]: no fault kind "meteor" (kinds: error_rate' in err


def test_an_unknown_policy_is_refused(drill, monkeypatch, capsys) -> None:
    code, err = run_main(monkeypatch, capsys, "--decisions", "decisions.json", "--policy", "yolo")
    assert code == 2 and 'expected advise or team, got "yolo"' in err
