"""Rows to core dataclasses and back; the only place that knows both shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast, get_args

from rollout.events import Audit
from rollout.records import EventRecord, FreezeRecord, NoticeRecord, NoticeState, ReleaseRecord
from rollout.state import DeployState, Exposure, Phase, Status
from store import models


def deploy_values(state: DeployState) -> dict[str, Any]:
    """The deploys columns that hold a DeployState (everything but Slack, times and CAS)."""
    return {
        "id": state.id,
        "service": state.service,
        "version": state.version,
        "previous_version": state.previous_version,
        "commander": state.commander,
        "plan_name": state.plan_name,
        "status": state.status,
        "phase": state.phase,
        "stage_index": state.stage_index,
        "checklist_done": sorted(state.checklist_done),
        "exposure_internal": state.exposure.internal,
        "exposure_external": state.exposure.external,
        "exposure_mirror": state.exposure.mirror,
        "authorized_percent": state.authorized_percent,
        "bake_until": state.bake_until,
        "stabilize_until": state.stabilize_until,
        "held_phase": state.held_phase,
        "hold_reason": state.hold_reason,
        "verdicts": [list(pair) for pair in state.verdicts],
        "hotfix": state.hotfix,
        "major": state.major,
        "drill": state.drill,
        "forced_reason": state.forced_reason,
        "rollback_target": state.rollback_target,
        "started_at": state.started_at,
        "finished_at": state.finished_at,
        "stage_started_at": state.stage_started_at,
        "meta": [[key, value] for key, value in state.meta],
    }


def deploy_state(row: models.Deploy) -> DeployState:
    """The DeployState a deploys row holds."""
    return DeployState(
        id=row.id,
        service=row.service,
        version=row.version,
        previous_version=row.previous_version,
        commander=row.commander,
        plan_name=row.plan_name,
        status=_status(row.status),
        phase=_phase(row.phase),
        stage_index=row.stage_index,
        checklist_done=frozenset(row.checklist_done),
        exposure=Exposure(row.exposure_internal, row.exposure_external, row.exposure_mirror),
        authorized_percent=row.authorized_percent,
        bake_until=row.bake_until,
        stabilize_until=row.stabilize_until,
        held_phase=_phase(row.held_phase),
        hold_reason=row.hold_reason,
        verdicts=tuple((judge, outcome) for judge, outcome in row.verdicts),
        hotfix=row.hotfix,
        major=row.major,
        drill=row.drill,
        forced_reason=row.forced_reason,
        rollback_target=row.rollback_target,
        started_at=row.started_at,
        finished_at=row.finished_at,
        stage_started_at=row.stage_started_at,
        meta=tuple((key, _frozen(value)) for key, value in row.meta),
    )


def _frozen(value: Any) -> Any:
    """JSON gives lists back; the frozen state holds tuples."""
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


def event_values(deploy_id: str, audit: Audit, now: datetime) -> dict[str, Any]:
    """The deploy_events columns for one audit entry."""
    return {
        "deploy_id": deploy_id,
        "at": now,
        "actor": audit.actor,
        "kind": audit.kind,
        "from_status": audit.from_status,
        "to_status": audit.to_status,
        "stage": audit.stage,
        "reason": audit.reason,
        "evidence": dict(audit.evidence),
    }


def event_record(row: models.DeployEvent) -> EventRecord:
    """An audit entry as a record."""
    return EventRecord(
        at=row.at,
        actor=row.actor,
        kind=row.kind,
        from_status=row.from_status,
        to_status=row.to_status,
        stage=row.stage,
        reason=row.reason,
        evidence=row.evidence,
    )


def release_record(row: models.Release) -> ReleaseRecord:
    """A release as a record."""
    return ReleaseRecord(
        service=row.service,
        version=row.version,
        deployed_at=row.deployed_at,
        outcome=row.outcome,
        rollback_safe=row.rollback_safe,
        commander=row.commander,
        deploy_id=row.deploy_id,
    )


def freeze_record(row: models.Freeze) -> FreezeRecord:
    """A freeze as a record."""
    assert row.id is not None
    return FreezeRecord(
        id=row.id,
        service=row.service,
        start=row.starts_at,
        until=row.until,
        reason=row.reason,
        set_by=row.set_by,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
    )


def notice_record(row: models.MaintenanceNotice) -> NoticeRecord:
    """A maintenance notice as a record."""
    assert row.id is not None
    return NoticeRecord(
        id=row.id,
        channel=row.channel,
        text=row.text,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_by=row.created_by,
        state=_notice_state(row.state),
        posted_ts=row.posted_ts,
        ended_ts=row.ended_ts,
    )


def _status(value: str) -> Status:
    """A status column's value, checked (the column holds a plain string)."""
    return cast(Status, _checked(Status, value))


def _phase(value: str | None) -> Phase | None:
    """A phase column's value, checked."""
    return None if value is None else cast(Phase, _checked(Phase, value))


def _notice_state(value: str) -> NoticeState:
    """A notice's state column, checked."""
    return cast(NoticeState, _checked(NoticeState, value))


def _checked(kind: object, value: str) -> str:
    if value not in get_args(kind):
        raise ValueError(f"unexpected value {value!r} in the store: not one of {get_args(kind)}")
    return value
