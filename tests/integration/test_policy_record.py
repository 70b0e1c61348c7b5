"""`sim validate` and `sim tune` record their result for `/deploy policy`, when they can."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import build_cli
from store.db import make_engine, upgrade
from store.repository import Repository
from tests.integration.tune_fixtures import tiny_setup


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMMANDER_CONFIG", raising=False)
    return tiny_setup(tmp_path)


def invoke(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> Any:
    monkeypatch.setenv("DATABASE_URL", url)
    return CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)


def validate(monkeypatch: pytest.MonkeyPatch, url: str, tiny: tuple[Path, Path]) -> Any:
    config, scenarios = tiny
    result = invoke(
        monkeypatch, url, "sim", "validate", "--config", str(config), "--scenarios",
        str(scenarios), "--runs", "2", "--jobs", "1", "--report", "report",
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output  # 1: a scenario missed its [expect]
    return result


def migrated(tmp_path: Path) -> tuple[str, Repository]:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    return url, Repository(make_engine(url))


class TestValidateRecords:
    def test_the_summary_lands_in_the_bots_database(self, tiny, tmp_path, monkeypatch) -> None:
        url, repo = migrated(tmp_path)
        result = validate(monkeypatch, url, tiny)
        assert "recorded for /deploy policy in sqlite:///" in result.stderr
        report = repo.policy_report("validation")
        assert report is not None and report.chart is None
        summary = report.summary
        assert summary["config"] == str(tiny[0]) and summary["runs"] == 2
        assert summary["scenarios"] == 2 and summary["faulty_runs"] == 2  # one faulty × 2 seeds
        failed = [f["scenario"] for f in summary["failed"]]
        assert summary["passed"] == 2 - len(failed)
        assert (result.exit_code == 1) == bool(failed)
        assert 0 <= summary["detected"] <= 2 and summary["scores"]["seeds"] == 2

    def test_without_a_database_it_says_so_once_and_creates_none(
        self, tiny, tmp_path, monkeypatch
    ) -> None:
        missing = tmp_path / "none.db"
        result = validate(monkeypatch, f"sqlite:///{missing}", tiny)
        assert result.stderr.count("not recorded for /deploy policy") == 1
        assert "commander db upgrade" in result.stderr and "Traceback" not in result.output
        assert not missing.exists()

    def test_an_unmigrated_database_is_left_as_it_was(self, tiny, tmp_path, monkeypatch) -> None:
        empty = tmp_path / "empty.db"
        sqlite3.connect(empty).close()
        empty.write_bytes(b"")  # an empty file is a SQLite database with no tables
        result = validate(monkeypatch, f"sqlite:///{empty}", tiny)
        assert result.stderr.count("not recorded for /deploy policy") == 1
        assert "commander db upgrade" in result.stderr
        tables = sqlite3.connect(empty).execute("select name from sqlite_master").fetchall()
        assert tables == []

    @pytest.mark.parametrize("url", ["not a url", "mysql://db/commander", "sqlite://"])
    def test_a_url_the_store_cannot_use_is_one_line(self, url, tiny, monkeypatch) -> None:
        result = validate(monkeypatch, url, tiny)
        [line] = [t for t in result.stderr.splitlines() if "not recorded" in t]
        assert line.startswith("not recorded for /deploy policy: ")

    def test_a_database_behind_the_latest_migration_is_not_written(
        self, tiny, tmp_path, monkeypatch
    ) -> None:
        from alembic import command

        from store.db import alembic_config

        url = f"sqlite:///{tmp_path / 'old.db'}"
        command.upgrade(alembic_config(url), "0008")
        result = validate(monkeypatch, url, tiny)
        assert "not recorded for /deploy policy" in result.stderr
        assert "is at revision 0008; run `commander db upgrade`" in result.stderr


class TestTuneRecords:
    def test_the_front_and_its_png_land_in_the_bots_database(
        self, tiny, tmp_path, monkeypatch
    ) -> None:
        url, repo = migrated(tmp_path)
        config, scenarios = tiny
        result = invoke(
            monkeypatch, url, "sim", "tune", "--config", str(config), "--scenarios",
            str(scenarios), "--trials", "4", "--runs", "2", "--early", "1", "--test-runs", "2",
            "--jobs", "1", "--chart", "front.svg", "--json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        printed = json.loads(result.stdout)
        report = repo.policy_report("tune")
        assert report is not None and report.chart is not None
        assert report.chart.startswith(b"\x89PNG\r\n\x1a\n")  # PNG for Slack, though --chart is SVG
        assert [p["trial"] for p in report.summary["front"]] == [
            p["trial"] for p in printed["front"]
        ]
        beaten = report.summary["current_dominated_on_test_by"]
        assert beaten == printed["current_dominated_on_test_by"]
        assert report.summary["config"] == str(config)
