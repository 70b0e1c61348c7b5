"""The drill tables: simulated incidents, their inputs and schedules, and trainees' scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field

from store.models import BigId, StoreModel, json_column, utc


class DrillRun(StoreModel, table=True):
    """One rollback drill: who trained whom on which scenario, and how it went."""

    __tablename__ = "drill_runs"

    id: int | None = Field(default=None, primary_key=True)
    scenario: str
    trainer: str
    trainee: str
    seed: int = Field(sa_column=Column(BigInteger(), nullable=False))
    score: float | None = None
    created_at: datetime = utc()


class Drill(StoreModel, table=True):
    """One simulated incident drill: its data (scenario, seed, decisions) and how far it got."""

    __tablename__ = "drills"
    __table_args__ = (Index("ix_drills_status_started_at", "status", "started_at"),)

    id: str = Field(primary_key=True)
    deploy_id: str = Field(foreign_key="deploys.id", index=True)
    scenario: str
    seed: int = Field(sa_column=Column(BigInteger(), nullable=False))
    speed: float
    policy: str  # "advise" or "team"
    trainer: str = Field(index=True)
    commander: str = Field(index=True)
    status: str  # "running", "paused" or "ended"
    started_at: datetime = utc()
    paused_at: datetime | None = utc(nullable=True)
    paused_total_s: float = 0.0
    applied_s: float = 0.0  # simulated seconds the stored deploy state has reached
    inputs_taken: int = 0  # the id of the last drill_inputs row applied
    decisions: list[dict[str, Any]] = json_column()  # as applied, with their simulated times
    injections: list[dict[str, Any]] = json_column()
    scorecard: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(), nullable=True))
    ended_at: datetime | None = utc(nullable=True)
    end_reason: str | None = None
    # The fair clock: simulated time = clock_s + (wall - clock_at) x clock_rate (speed if None).
    reaction_scale: float = 1.0  # simulated seconds per wall second while a question is open
    clock_at: datetime | None = utc(nullable=True)
    clock_s: float = 0.0
    clock_rate: float | None = None
    asking: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(), nullable=True))
    reactions: list[dict[str, Any]] = json_column()  # each answered question, in wall seconds


class DrillSchedule(StoreModel, table=True):
    """Surprise drills for an on-call group, every week at a weekday and time (UTC)."""

    __tablename__ = "drill_schedules"

    id: str = Field(primary_key=True)
    scenario: str  # a scenario name, or "random"
    weekday: int  # 0 = Monday
    at_time: str  # "HH:MM"
    trainees: str  # a user group (S…) or one user (U…)
    trainer: str
    status: str = Field(index=True)  # "active" or "cancelled"
    turn: int = 0  # how many drills it started: the next trainee in turn
    next_at: datetime = utc()
    created_at: datetime = utc()
    last_drill_id: str | None = None


class DrillInput(StoreModel, table=True):
    """A click, typed reply, injection or end request, waiting for the worker to apply it."""

    __tablename__ = "drill_inputs"
    __table_args__ = (Index("ix_drill_inputs_drill_id_id", "drill_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    drill_id: str = Field(foreign_key="drills.id")
    kind: str  # "decision", "injection" or "end"
    payload: dict[str, Any] = json_column()
    created_at: datetime = utc()
