"""Policy reports: the latest `sim validate` and `sim tune` summaries, one row per kind."""

from __future__ import annotations

from typing import Literal, cast

from sqlalchemy.engine import Engine
from sqlmodel import Session

from rollout.records import PolicyReportRecord
from store.models import PolicyReport

KINDS = ("validation", "tune")


class PolicyReportStore:
    """Keeps the latest report of each kind."""

    _engine: Engine

    def record_policy_report(self, report: PolicyReportRecord) -> None:
        """Keep `report` as the latest of its kind, replacing the one before."""
        with Session(self._engine) as session:
            row = session.get(PolicyReport, report.kind) or PolicyReport(kind=report.kind)
            row.recorded_at = report.recorded_at
            row.summary = dict(report.summary)
            row.chart = report.chart
            session.add(row)
            session.commit()

    def policy_report(self, kind: str) -> PolicyReportRecord | None:
        """The latest report of a kind ("validation" or "tune"), or None."""
        with Session(self._engine) as session:
            row = session.get(PolicyReport, kind)
            if row is None:
                return None
            if row.kind not in KINDS:
                raise ValueError(f"unexpected policy report kind {row.kind!r} in the store")
            return PolicyReportRecord(
                kind=cast(Literal["validation", "tune"], row.kind),
                recorded_at=row.recorded_at,
                summary=dict(row.summary),
                chart=row.chart,
            )
