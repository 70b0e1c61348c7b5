"""`/deploy policy`: the team policy's last validation, and its place on the last tuned front.

`commander sim validate` and `commander sim tune` record them (cli/policy_record.py). The
summary is posted where it was asked for and the front's chart uploaded into its thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackClientError

from bot.blocks.replies import when
from rollout.records import PolicyReportRecord

VALIDATE = "DATABASE_URL=<the bot's database> commander sim validate --config commander.toml"
TUNE = "DATABASE_URL=<the bot's database> commander sim tune --config commander.toml"
CHART = "policy-front.png"


class ReportReader(Protocol):
    """Where the reports are (rollout.repository.PolicyReports)."""

    def policy_report(self, kind: str) -> PolicyReportRecord | None: ...


class Poster(Protocol):
    """The two Slack calls the report makes (bot.slack_client.SlackPoster)."""

    def post(
        self, channel: str, text: str, blocks: Any = None, thread_ts: str | None = None
    ) -> tuple[str, str]: ...

    def upload(
        self, channel: str, thread_ts: str | None, filename: str, content: bytes, title: str
    ) -> tuple[str, str]: ...


class PolicyReports:
    """Answers `/deploy policy`."""

    def __init__(self, repo: ReportReader, slack: Poster, tz: ZoneInfo) -> None:
        self.repo = repo
        self.slack = slack
        self.tz = tz

    def answer(self, channel: str) -> str:
        """The summary; with a tune recorded, also posted in `channel` with the chart below."""
        validation = self.repo.policy_report("validation")
        tune = self.repo.policy_report("tune")
        text = policy_text(validation, tune, self.tz)
        if tune is None or tune.chart is None:
            return text
        try:
            where, ts = self.slack.post(channel, text)
            title = f"Pareto front after {tune.summary.get('trials', '?')} trials"
            self.slack.upload(where, ts, CHART, tune.chart, title)
        except (SlackClientError, OSError) as exc:
            return f"{text}\n(The front's chart could not be posted here: {_reason(exc)}.)"
        return "Policy report posted in this channel; the front's chart is in its thread."


def policy_text(
    validation: PolicyReportRecord | None, tune: PolicyReportRecord | None, tz: ZoneInfo
) -> str:
    """Both reports in plain words, or how to produce the missing ones."""
    lines = ["*Team policy*"]
    if validation is None:
        lines.append(f"No validation recorded yet: run `{VALIDATE}`.")
    else:
        lines += validation_lines(validation, tz)
    if tune is None:
        lines.append(f"No tune recorded yet: run `{TUNE}`.")
    else:
        lines += tune_lines(tune, tz)
    return "\n".join(lines)


def validation_lines(report: PolicyReportRecord, tz: ZoneInfo) -> list[str]:
    """Pass/fail per scenario, detection and damage, and when it was measured."""
    s = report.summary
    scenarios, passed = int(s["scenarios"]), int(s["passed"])
    head = (
        f"Last validation: {when(report.recorded_at, tz)}, {s['config']}, {scenarios} scenarios"
        f" × {s['runs']} seeds: {passed} of {scenarios} pass."
    )
    failed = [f"{f['scenario']} ({'; '.join(f['problems'])})" for f in s["failed"]]
    lines = [head + (f" Failing: {', '.join(failed)}." if failed else "")]
    detect = s["detect_p50_s"]
    scores = s["scores"]
    lines.append(
        f"Faulty runs: {s['detected']:,} of {s['faulty_runs']:,} detected"
        + (f", median {detect:.0f} s to detect" if detect is not None else "")
        + f"; damage {scores['damage']:,.0f} excess bad requests per faulty run."
        f" Healthy releases: {scores['false_alarms']:.1%} false alarms,"
        f" {scores['release_s'] / 60:.1f} min to finish the plan."
    )
    return lines


def tune_lines(report: PolicyReportRecord, tz: ZoneInfo) -> list[str]:
    """The front's size, and whether the current policy is on it, on unseen test seeds."""
    s = report.summary
    front = list(s["front"])
    head = (
        f"Last tune: {when(report.recorded_at, tz)}, {s['config']}, {s['trials']} trials,"
        f" front of {len(front)} points, on {len(s['test_seeds'])} unseen test seeds per scenario:"
    )
    return [
        f"{head} the policy {placement(s['current'], front, s['current_dominated_on_test_by'])}."
    ]


def placement(current: Mapping[str, Any], front: Sequence[Mapping[str, Any]], by: list[int]) -> str:
    """e.g. "is dominated by #31 (damage 9,145 vs 9,929; …)", or that it is on the front."""
    if not front:
        return "has no tuned point to compare with: no trial met every scenario's [expect]"
    if not by:
        return "is on the front: no tuned point beats it on every objective"
    beaters = [p for p in front if p["trial"] in by]
    best = min(beaters, key=lambda p: (p["test"]["damage"], p["trial"]))
    more = len(beaters) - 1
    return f"is dominated by #{best['trial']} ({versus(best['test'], current['test'])})" + (
        f" and {more} more point{'s' if more > 1 else ''}" if more else ""
    )


def versus(point: Mapping[str, Any], current: Mapping[str, Any]) -> str:
    """The point's figures against the current policy's."""
    return (
        f"damage {point['damage']:,.0f} vs {current['damage']:,.0f};"
        f" false alarms {point['false_alarms']:.1%} vs {current['false_alarms']:.1%};"
        f" release {point['release_s'] / 60:.1f} vs {current['release_s'] / 60:.1f} min"
    )


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    data = getattr(response, "data", None)
    return str(data.get("error")) if isinstance(data, dict) else type(exc).__name__
