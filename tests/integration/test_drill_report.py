"""The trainer's view: each trainee's drills over time as a chart (Slack and CLI), and the
App Home's readiness list of who has not drilled in 30 days."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from store_fixtures import *  # noqa: F403

from bot.blocks.home import home_view
from bot.drills.report import DrillReports
from bot.drills.service import DrillRefused, DrillService
from bot.grammar.drill import DrillReport
from rollout.config import TeamConfig
from rollout.state import DeployState
from store.drills import DrillRecord

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
TRAINER, ONCALL = "UTRAINER", "S0ONCALL"
PNG = b"\x89PNG\r\n\x1a\n"


class Clock:
    def now(self) -> datetime:
        return NOW


class Poster:
    """Records the post and the upload a report makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def post(self, channel: str, text: str, blocks: Any = None, thread_ts: Any = None) -> Any:
        self.calls.append(("post", (channel, text)))
        return "C1", "111.1"

    def upload(self, channel: str, thread_ts: Any, name: str, content: bytes, title: str) -> Any:
        self.calls.append(("upload", (channel, thread_ts, content)))
        return channel, "F1"


def card(detect: float | None, mitigate: float | None, bad: int) -> dict[str, Any]:
    best = {"who": "best response", "outcome": "rolled_back", "time_to_detect_s": 30.0,
            "time_to_mitigate_s": 48.0, "bad_requests": 400}  # fmt: skip
    outcome = "rolled_back" if mitigate else "promoted"
    mine = {"who": "you", "outcome": outcome, "time_to_detect_s": detect,
            "time_to_mitigate_s": mitigate, "bad_requests": bad}  # fmt: skip
    return {"scenario": "error-spike-canary", "seed": 1, "fault_onset_s": 60.0, "trainee": mine,
            "peers": [best], "decisions": [], "verdict": "v"}  # fmt: skip


def ended_drill(repo, n: int, trainee: str, days_ago: float, scorecard: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    at = NOW - timedelta(days=days_ago)
    record = DrillRecord(
        id=f"drill-{n}", deploy_id=f"dep-{n}", scenario="error-spike-canary", seed=n, speed=10.0,
        policy="advise", trainer=TRAINER, commander=trainee, status="running", started_at=at,
    )  # fmt: skip
    deploy = DeployState(f"dep-{n}", "api", "2", "1", trainee, drill=True)
    repo.add_drill(record, deploy, "#deploy-drills")
    repo.set_drill(record.id, status="ended", scorecard=scorecard, ended_at=at)


@pytest.fixture
def reports(repo) -> DrillReports:  # type: ignore[no-untyped-def]
    base = TeamConfig()
    config = base.model_copy(update={
        "drills": base.drills.model_copy(update={"trainers": (TRAINER,)}),
        "rotation": base.rotation.model_copy(update={"roster": ("UALICE", "UBOB", "UDAN")}),
    })  # fmt: skip
    members = {ONCALL: ("UALICE", "UCAROL")}
    service = DrillService(config, repo, Path("scenarios"), lambda g: members.get(g, ()), Clock())
    ended_drill(repo, 1, "UALICE", 50, card(90.0, 110.0, 5000))
    ended_drill(repo, 2, "UALICE", 3, card(35.0, 52.0, 600))
    ended_drill(repo, 3, "UBOB", 45, card(None, None, 90_000))
    ended_drill(repo, 4, "UCAROL", 10, card(31.0, 49.0, 420))
    return DrillReports(service, Poster())


def test_a_group_report_posts_each_trainees_gaps_and_uploads_the_chart_in_its_thread(
    reports: DrillReports,
) -> None:
    reply = reports.post(DrillReport(ONCALL), TRAINER, "C1")
    assert "3 drills" in reply and "thread" in reply
    poster = reports.slack
    assert isinstance(poster, Poster)
    (kind, (channel, text)), (upload, (where, thread, png)) = poster.calls
    assert (kind, channel, upload, where, thread) == ("post", "C1", "upload", "C1", "111.1")
    assert "@UALICE: 2 drills" in text and "detect +5 s, mitigate +4 s" in text
    assert "@UCAROL: 1 drills" in text and "UBOB" not in text  # bob is not in the group
    assert png.startswith(PNG)
    records = reports.records(None)
    assert [r.detect_gap_s for r in records if r.trainee == "UBOB"] == [None]  # a miss


def test_only_trainers_get_reports(reports: DrillReports) -> None:
    with pytest.raises(DrillRefused, match="Only trainers"):
        reports.post(DrillReport(None), "UALICE", "C1")


def test_readiness_lists_who_has_not_drilled_in_30_days_stalest_first(
    reports: DrillReports,
) -> None:
    stale = reports.readiness(NOW)
    assert stale == [("UDAN", None), ("UBOB", NOW - timedelta(days=45))]  # alice, carol: recent
    view = home_view([], [], None, TeamConfig(), NOW, stale=stale)
    text = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert "@UDAN: never drilled" in text and "@UBOB: last drill 45 days ago" in text


def test_the_cli_writes_the_chart_and_prints_each_trainee(
    reports: DrillReports, database_url: str, tmp_path: Path
) -> None:
    chart = tmp_path / "trainer.png"
    argv = [sys.executable, "-c", "from cli.main import main; main()", "drill", "report",
            "--chart", str(chart), "--url", database_url]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "@UBOB: 1 drills" in done.stdout and "detect missed" in done.stdout
    assert chart.read_bytes().startswith(PNG)
    missing = subprocess.run(
        [*argv, "--trainee", "UNOBODY"], capture_output=True, text=True, timeout=120, check=False
    )
    assert missing.returncode == 2 and "no scored drills for UNOBODY" in missing.stderr
    assert "Traceback" not in missing.stderr
