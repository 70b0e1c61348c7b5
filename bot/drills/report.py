"""The trainer's view: each trainee's drills over time as a chart, and the team's readiness.

`/deploy drill report [@user|@group]` posts a summary in the channel it was typed in and
uploads the chart (sim/trainer_chart.py) into that post's thread; `commander drill report
--chart FILE` writes the same chart. The App Home lists who has not drilled in 30 days.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bot.drills.service import DrillService
from bot.grammar.drill import DrillReport
from sim.trainer_chart import TraineeDrill, trainee_drill
from store.drills import DrillRecord

READY_WITHIN = timedelta(days=30)
REPORT_LIMIT = 1000  # drills read for one report


class Poster(Protocol):
    """The two Slack calls a report makes (bot.slack_client.SlackPoster)."""

    def post(
        self, channel: str, text: str, blocks: Any = None, thread_ts: str | None = None
    ) -> tuple[str, str]: ...

    def upload(
        self, channel: str, thread_ts: str | None, filename: str, content: bytes, title: str
    ) -> tuple[str, str]: ...


def trainee_records(drills: Iterable[DrillRecord]) -> list[TraineeDrill]:
    """The chart's records: every ended, scored drill, by its commander (the trainee)."""
    found = []
    for d in drills:
        if d.scorecard is None or d.ended_at is None:
            continue
        record = trainee_drill(d.commander, d.ended_at, d.scorecard)
        if record is not None:
            found.append(record)
    return found


def summary_lines(records: Sequence[TraineeDrill]) -> list[str]:
    """Per trainee: drills, and the latest detect/mitigate gaps to the best response."""
    by: dict[str, list[TraineeDrill]] = {}
    for r in sorted(records, key=lambda r: r.ended_at):
        by.setdefault(r.trainee, []).append(r)
    lines = []
    for trainee, done in by.items():
        last = done[-1]
        lines.append(
            f"@{trainee}: {len(done)} drills, latest {last.ended_at:%Y-%m-%d} ({last.scenario}):"
            f" detect {_gap(last.detect_gap_s)}, mitigate {_gap(last.mitigate_gap_s)},"
            f" {last.excess_bad_requests:+,} bad requests against the best response"
        )
    return lines


def _gap(value: float | None) -> str:
    return "missed" if value is None else f"{value:+.0f} s"


def chart_png(records: Sequence[TraineeDrill]) -> bytes:
    """The trainer's chart as PNG bytes."""
    from sim.charts import save
    from sim.trainer_chart import trainer_figure

    names = {r.trainee: f"@{r.trainee}" for r in records}
    with tempfile.TemporaryDirectory() as folder:
        path = save(trainer_figure(records, names), Path(folder) / "report.png")
        return path.read_bytes()


class DrillReports:
    """Reports for trainers, and the App Home's readiness list."""

    def __init__(self, service: DrillService, slack: Poster) -> None:
        self.service = service
        self.slack = slack

    def records(self, who: str | None) -> list[TraineeDrill]:
        """Ended drills of one user, a group's members, or everyone."""
        drills = self.service.repo.drill_history(None, REPORT_LIMIT)
        if who is not None:
            people = set(self.service.members(who)) if who.startswith("S") else {who}
            drills = [d for d in drills if d.commander in people]
        return trainee_records(drills)

    def post(self, cmd: DrillReport, user: str, channel: str) -> str:
        """Post the report where it was asked for, the chart in its thread (trainers only)."""
        self.service.require_trainer(user, "report on")
        records = self.records(cmd.who)
        whose = f" for @{cmd.who}" if cmd.who else ""
        if not records:
            return f"No scored drills yet{whose}."
        text = f"DRILL report{whose}: {len(records)} drills\n" + "\n".join(summary_lines(records))
        where, ts = self.slack.post(channel, text)
        self.slack.upload(where, ts, "drill-report.png", chart_png(records), "Drills over time")
        return f"Drill report posted{whose}: {len(records)} drills; the chart is in its thread."

    def readiness(self, now: datetime) -> list[tuple[str, datetime | None]]:
        """The team members whose last drill ended over 30 days ago (or never), stalest first."""
        last: dict[str, datetime | None] = {user: None for user in self.team()}
        for d in self.service.repo.drill_history(None, REPORT_LIMIT):
            if d.ended_at is not None and last.get(d.commander) is None:  # newest first
                last[d.commander] = d.ended_at
        stale = [(u, at) for u, at in last.items() if at is None or now - at > READY_WITHIN]
        return sorted(stale, key=lambda item: (item[1] is not None, item[1] or now, item[0]))

    def team(self) -> list[str]:
        """Who should drill: the rotation (roster or user group) and every scheduled group."""
        rotation = self.service.config.rotation
        people = list(rotation.roster)
        if rotation.usergroup:
            people += self.service.members(rotation.usergroup)
        for schedule in self.service.repo.schedules():
            group = schedule.trainees
            people += self.service.members(group) if group.startswith("S") else [group]
        return list(dict.fromkeys(people))
