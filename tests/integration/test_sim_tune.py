"""`commander sim tune` end to end on a tiny library: front, test seeds, --write, resume."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.inputs import load_config
from cli.main import build_cli, main
from rollout.errors import CommanderError
from sim.library import load_library
from sim.sweep import Sweep, run_sweep
from sim.tune import study as study_module
from sim.tune.front import dominates
from sim.tune.objectives import scores
from sim.tune.result import finish
from sim.tune.study import Search, run_search
from tests.integration.tune_fixtures import tiny_setup

TRAIN = (1_000_000, 1_000_001)


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    return tiny_setup(tmp_path)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(build_cli(), list(args), catch_exceptions=True)


def tune_json(config: Path, scenarios: Path, *extra: str) -> dict[str, Any]:
    result = invoke(
        "sim", "tune", "--config", str(config), "--scenarios", str(scenarios),
        "--trials", "6", "--runs", "2", "--early", "1", "--test-runs", "2", "--jobs", "1",
        "--chart", "front.png", "--json", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


class TestTuneCommand:
    def test_the_front_is_feasible_and_non_dominated_on_training_seeds(self, tiny) -> None:
        out = tune_json(*tiny)
        front = out["front"]
        assert front and Path(out["chart"]).stat().st_size > 10_000
        values = [
            tuple(p["train"][k] for k in ("damage", "false_alarms", "release_s")) for p in front
        ]
        assert all(not p["train"]["violations"] for p in front)
        assert not any(dominates(a, b) for a in values for b in values)
        current = tuple(out["current"]["train"][k] for k in ("damage", "false_alarms", "release_s"))
        beaten = [p["trial"] for p, v in zip(front, values, strict=True) if dominates(v, current)]
        assert out["current_dominated_by"] == beaten
        # release time: the healthy release's two 2-minute bakes, auto gates, until stabilization
        assert out["current"]["train"]["release_s"] == pytest.approx(240, abs=15)

    def test_the_test_seeds_are_validates_seeds_and_disjoint_from_training(self, tiny) -> None:
        out = tune_json(*tiny)
        assert out["test_seeds"] == [0, 1]
        assert not set(out["train_seeds"]) & set(out["test_seeds"])
        assert all(p["test"]["seeds"] == 2 and p["train"]["seeds"] == 2 for p in out["front"])

    def test_write_passes_config_check_and_validate_reproduces_the_test_figures(self, tiny) -> None:
        config, scenarios = tiny
        out = tune_json(config, scenarios, "--write", "tuned.toml", "--pick", "fast")
        assert invoke("config", "check", "tuned.toml").exit_code == 0
        fast = min(out["front"], key=lambda p: (p["test"]["release_s"], p["test"]["damage"]))
        validate = invoke(
            "sim", "validate", "--config", "tuned.toml", "--scenarios", str(scenarios),
            "--runs", "2", "--jobs", "1", "--report", "report",
        )  # fmt: skip
        assert validate.exit_code == (1 if fast["test"]["violations"] else 0), validate.output
        team = load_config(Path("tuned.toml"))
        library = tuple(load_library(scenarios, team))
        results = run_sweep(Sweep((team,), library, (0, 1)))
        again = scores(library, [results[(0, i)] for i in range(len(library))])
        assert again.to_json() == fast["test"]

    def test_a_bad_pick_is_one_line_and_exit_2_before_any_trial(self, tiny, capsys) -> None:
        config, scenarios = tiny
        argv = ["commander", "sim", "tune", "--config", str(config), "--pick", "greedy"]
        with pytest.MonkeyPatch.context() as patch, pytest.raises(SystemExit) as exit_:
            patch.setattr(sys, "argv", argv)
            main()
        assert exit_.value.code == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert (
            len(lines) == 1
            and 'expected damage, balanced, fast or a trial number, got "greedy"' in lines[0]
        )

    def test_a_study_file_that_is_no_database_is_one_line_and_exit_2(self, tiny, capsys) -> None:
        config, _ = tiny
        Path("notes.db").write_text("not sqlite")
        argv = ["commander", "sim", "tune", "--config", str(config), "--study", "notes.db"]
        with pytest.MonkeyPatch.context() as patch, pytest.raises(SystemExit) as exit_:
            patch.setattr(sys, "argv", argv)
            main()
        assert exit_.value.code == 2
        lines = capsys.readouterr().err.strip().splitlines()
        where = Path("notes.db").resolve()
        assert lines == [f"error: --study {where}: cannot use it: file is not a database"]


def search(tiny: tuple[Path, Path], storage: str | None) -> Search:
    team = load_config(tiny[0])
    library = tuple(load_library(tiny[1], team))
    return Search(team, library, trials=6, train_seeds=TRAIN, early=1, seed=3, storage=storage)


def front_json(chosen: Search, storage_study: Any) -> list[dict[str, Any]]:
    return list(finish(chosen, storage_study, (0,)).to_json()["front"])


class TestResumeAndDeterminism:
    def test_an_interrupted_tune_resumes_to_the_same_front(self, tiny, monkeypatch) -> None:
        whole = search(tiny, None)
        expected = front_json(whole, run_search(whole))
        resumable = search(tiny, f"sqlite:///{tiny[0].parent / 'study.db'}")
        real, calls = study_module.measure, []

        def interrupted(*args: Any) -> Any:
            calls.append(1)
            if len(calls) == 3:  # the second batch's first rung: its trials were asked
                raise KeyboardInterrupt
            return real(*args)

        monkeypatch.setattr(study_module, "measure", interrupted)
        with pytest.raises(KeyboardInterrupt):
            run_search(resumable)
        monkeypatch.setattr(study_module, "measure", real)
        stored = study_module.open_study(resumable)
        assert {t.state.name for t in stored.trials} == {"COMPLETE", "RUNNING"}
        assert front_json(resumable, run_search(resumable)) == expected

    def test_the_same_seed_gives_the_same_front_and_another_seed_another(self, tiny) -> None:
        first, again = search(tiny, None), search(tiny, None)
        expected = front_json(first, run_search(first))
        assert front_json(again, run_search(again)) == expected
        other = Search(**{**first.__dict__, "seed": 4})
        assert front_json(other, run_search(other)) != expected

    def test_a_study_made_with_other_settings_is_refused(self, tiny) -> None:
        storage = f"sqlite:///{tiny[0].parent / 'other.db'}"
        run_search(Search(**{**search(tiny, storage).__dict__, "trials": 3}))
        changed = Search(**{**search(tiny, storage).__dict__, "seed": 9})
        with pytest.raises(CommanderError, match="other settings"):
            run_search(changed)
