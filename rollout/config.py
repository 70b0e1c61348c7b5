"""The team config (`commander.toml`) as pydantic models, every field with a default."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from rollout.durations import Duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Mode = Literal["observe", "recommend", "act"]
Audience = Literal["all", "internal", "external"]


def _percent(value: float) -> float:
    if not 0 <= value <= 100:
        raise ValueError(f"expected a number from 0 to 100, got {value:g}")
    return value


Percent = Annotated[float, AfterValidator(_percent)]


class Model(BaseModel):
    """Base for config models: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- team -------------------------------------------------------------------------------


class DeployHours(Model):
    """A weekday range with a daily time window, in the team's timezone."""

    days: str = Field("mon-fri", description='Weekdays, e.g. "mon-fri" or "mon,wed,fri"')
    start: time = Field(time(9, 0), description="Local opening time, e.g. 09:00")
    end: time = Field(time(17, 0), description="Local closing time, e.g. 17:00")

    @field_validator("days")
    @classmethod
    def _known_days(cls, value: str) -> str:
        weekday_set(value)
        return value.lower()

    @model_validator(mode="after")
    def _ordered(self) -> DeployHours:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


def weekday_set(spec: str) -> frozenset[int]:
    """Expand "mon-fri" or "mon,wed" into weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in spec.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f'expected weekdays like "mon-fri" or "mon,wed,fri", got "{spec}"')
        lo, hi = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        days.update(range(lo, hi + 1) if lo <= hi else [*range(lo, 7), *range(0, hi + 1)])
    return frozenset(days)


class Freeze(Model):
    """A period with no deploys, for all services or some."""

    start: datetime = Field(description="When the freeze begins (local time if no offset)")
    until: datetime = Field(description="When the freeze ends")
    reason: str = Field(description="Why, shown in every refusal")
    services: tuple[str, ...] = Field(("all",), description='Affected services, or "all"')
    set_by: str | None = Field(None, description="Slack user id of who set it")

    @model_validator(mode="after")
    def _ordered(self) -> Freeze:
        if self.until <= self.start:
            raise ValueError("until must be after start")
        return self

    def covers(self, service: str) -> bool:
        """True when this freeze applies to the service."""
        return "all" in self.services or service in self.services


class Stabilization(Model):
    """How long a release is watched after 100% before the service may deploy again."""

    major: Duration = Field(timedelta(days=14), description="After a release marked major")
    minor: Duration = Field(timedelta(minutes=15), description="After any other release")


class Team(Model):
    """Who the team is, when it may deploy, and where the bot talks."""

    name: str = Field("example", description="Team name, shown in cards")
    timezone: str = Field("America/Los_Angeles", description="IANA timezone for deploy hours")
    hours: tuple[DeployHours, ...] = Field((DeployHours(),), description="Deploy windows")
    freezes: tuple[Freeze, ...] = Field((), description="Planned freezes")
    stabilization: Stabilization = Field(Stabilization(), description="Post-release watch")
    admins: tuple[str, ...] = Field((), description="Slack user ids allowed to force/override")
    deploy_channel: str = Field("#deploys", description="Channel for deploy cards and threads")
    announcements_channel: str = Field("#announcements", description="Maintenance notices")

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'expected an IANA timezone such as "Europe/Berlin", got "{value}"'
            ) from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The team's timezone."""
        return ZoneInfo(self.timezone)


# --- rotation ---------------------------------------------------------------------------


class Override(Model):
    """A time range during which one user commands instead of the roster."""

    start: datetime
    until: datetime
    user: str = Field(description="Slack user id")

    @model_validator(mode="after")
    def _ordered(self) -> Override:
        if self.until <= self.start:
            raise ValueError("until must be after start")
        return self


class Rotation(Model):
    """The deploy-commander roster and its shifts."""

    roster: tuple[str, ...] = Field((), description="Slack user ids, in rotation order")
    usergroup: str | None = Field(None, description="A Slack user group id instead of a roster")
    shift: Duration = Field(timedelta(hours=2), description="Shift length (Slack used 2h)")
    epoch: datetime = Field(
        datetime(2024, 1, 1, 9, 0), description="When the first shift began (local time)"
    )
    overrides: tuple[Override, ...] = Field((), description="Time ranges handed to one user")

    @model_validator(mode="after")
    def _someone(self) -> Rotation:
        if self.shift <= timedelta(0):
            raise ValueError("shift must be positive")
        return self


# --- services ---------------------------------------------------------------------------


class Plugin(Model):
    """An adapter choice: a kind plus free-form settings for it."""

    kind: str = "log"
    settings: dict[str, Any] = Field(default_factory=dict)


class Service(Model):
    """A deployable service."""

    name: str
    depends_on: tuple[str, ...] = Field((), description="Services that must deploy first")
    deployer: Plugin = Field(Plugin(kind="log"), description="How versions are shipped")
    metrics: Plugin = Field(Plugin(kind="static"), description="Where observations come from")
    rollback_safe: bool = Field(True, description="Default for its releases")


# --- plan -------------------------------------------------------------------------------


class ChecklistStage(Model):
    """Items a human ticks, e.g. cut the release branch."""

    kind: Literal["checklist"] = "checklist"
    name: str
    items: tuple[str, ...] = Field(min_length=1)


class DeployStage(Model):
    """Ship the version to an environment, then run its smoke test."""

    kind: Literal["deploy"] = "deploy"
    name: str
    environment: str = "staging"
    smoke_test: str | None = Field(None, description="Command or URL of the smoke test")


class TrafficStage(Model):
    """Send a share of an audience's production traffic to the new version and bake."""

    kind: Literal["traffic"] = "traffic"
    name: str
    percent: Percent
    audience: Audience = "all"
    bake: Duration = Field(timedelta(minutes=10), description="How long judges watch")
    gate: Literal["commander", "auto"] = Field("commander", description="Who advances")
    mirror_percent: Percent = Field(
        0.0, description="Dark traffic mirrored to the new version; users never see it"
    )


Stage = Annotated[ChecklistStage | DeployStage | TrafficStage, Field(discriminator="kind")]


class Plan(Model):
    """The ordered stages of a release."""

    stages: tuple[Stage, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Plan:
        names = [s.name for s in self.stages]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"stage names must be unique, repeated: {', '.join(dupes)}")
        return self


# --- policy -----------------------------------------------------------------------------


class JudgeBase(Model):
    """Shared judge fields: a name and a mode on the trust ladder."""

    name: str | None = Field(None, description="Defaults to the kind")
    mode: Mode = Field("act", description="observe | recommend (hold and ask) | act (roll back)")

    @property
    def label(self) -> str:
        """The name shown to people."""
        return self.name or str(getattr(self, "kind"))  # noqa: B009 (kind lives on subclasses)


class SequentialJudge(JudgeBase):
    """Anytime-valid e-value test of canary vs baseline counts."""

    kind: Literal["sequential"] = "sequential"
    alpha: Annotated[float, Field(gt=0, lt=1)] = 0.01
    metric: Literal["errors", "business"] = "errors"
    min_requests: Annotated[int, Field(ge=1)] = 2000


class ThresholdJudge(JudgeBase):
    """Flagger/Argo style: the canary metric must stay under a bound each interval."""

    kind: Literal["threshold"] = "threshold"
    metric: Literal["error_rate", "success_rate", "latency_p99_ms", "business_rate"] = "error_rate"
    max: float | None = 0.01
    min: float | None = None
    interval: Duration = timedelta(seconds=60)
    failure_limit: Annotated[int, Field(ge=0)] = 0
    min_requests: Annotated[int, Field(ge=0)] = 1


class MannWhitneyJudge(JudgeBase):
    """Kayenta style: Mann-Whitney U per metric over per-interval points."""

    kind: Literal["mann_whitney"] = "mann_whitney"
    metrics: tuple[Literal["error_rate", "latency_p99_ms", "business_rate"], ...] = (
        "error_rate",
        "latency_p99_ms",
    )
    confidence: Annotated[float, Field(gt=0.5, lt=1)] = 0.98
    tolerance: Annotated[float, Field(ge=0)] = 0.25
    min_points: Annotated[int, Field(ge=3)] = 50
    pass_score: Annotated[float, Field(ge=0, le=100)] = 95
    marginal_score: Annotated[float, Field(ge=0, le=100)] = 75


class ZScoreJudge(JudgeBase):
    """Slack ReleaseBot style: the canary rate against the baseline's history."""

    kind: Literal["zscore"] = "zscore"
    metric: Literal["error_rate", "latency_p99_ms", "business_rate"] = "error_rate"
    threshold: Annotated[float, Field(gt=0)] = 3.0
    min_history: Annotated[int, Field(ge=2)] = 30


class HealthJudge(JudgeBase):
    """New hosts must pass readiness before traffic, and must not restart too often."""

    kind: Literal["health"] = "health"
    max_restarts: Annotated[int, Field(ge=0)] = 3
    max_unready_fraction: Annotated[float, Field(ge=0, le=1)] = 0.0
    grace: Duration = Field(timedelta(seconds=60), description="Startup time allowed")


class LatencyJudge(JudgeBase):
    """The canary's p99 must not exceed the baseline's by more than a percentage."""

    kind: Literal["latency"] = "latency"
    max_increase_pct: Annotated[float, Field(gt=0)] = 20.0
    quantile: Annotated[float, Field(gt=0, lt=1)] = 0.99
    min_requests: Annotated[int, Field(ge=1)] = 1000


class NewErrorJudge(JudgeBase):
    """An error type never seen on the baseline, above a minimum count."""

    kind: Literal["new_error"] = "new_error"
    min_count: Annotated[int, Field(ge=1)] = 5


Judge = Annotated[
    SequentialJudge
    | ThresholdJudge
    | MannWhitneyJudge
    | ZScoreJudge
    | HealthJudge
    | LatencyJudge
    | NewErrorJudge,
    Field(discriminator="kind"),
]


class Policy(Model):
    """The judges that watch every traffic stage."""

    judges: tuple[Judge, ...] = Field((SequentialJudge(),), description="Judges, in order")
    evaluate_every: Duration = Field(
        timedelta(seconds=5), description="How often the judges look at fresh data"
    )

    @model_validator(mode="after")
    def _unique_labels(self) -> Policy:
        labels = [j.label for j in self.judges]
        dupes = sorted({n for n in labels if labels.count(n) > 1})
        if dupes:
            raise ValueError(f"judge names must be unique (set name=...), repeated: {dupes}")
        return self


# --- the whole file ---------------------------------------------------------------------


def default_plan() -> Plan:
    """The process in REFERENCE.md: branch, staging, dogfood, canary 2%, then 10..100."""
    return Plan(
        stages=(
            ChecklistStage(name="release-branch", items=("Cut the release branch", "Tag it")),
            DeployStage(name="staging", environment="staging", smoke_test="smoke"),
            TrafficStage(name="dogfood", percent=100, audience="internal"),
            TrafficStage(name="canary", percent=2),
            *(TrafficStage(name=f"{p}%", percent=p) for p in (10, 25, 50, 75, 100)),
        )
    )


class Drills(Model):
    """Simulated incident drills: who runs them, where, and how fast simulated time goes."""

    trainers: tuple[str, ...] = Field(
        (), description="Slack user ids (U…) or user group ids (S…) allowed to run drills"
    )
    channel: str = Field("#deploy-drills", description="Channel where drill threads open")
    speed: Annotated[float, Field(gt=0, le=600)] = Field(
        10.0, description="Simulated seconds per wall-clock second"
    )

    @field_validator("trainers")
    @classmethod
    def _slack_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [t for t in value if not re.fullmatch(r"[UWS][A-Z0-9]{2,}", t)]
        if bad:
            raise ValueError(f"expected Slack user (U…) or user group (S…) ids, got {bad}")
        return value


class TeamConfig(Model):
    """Everything in commander.toml."""

    team: Team = Field(Team(), description="Hours, freezes, admins, channels")
    rotation: Rotation = Field(Rotation(), description="Deploy commander rotation")
    services: tuple[Service, ...] = Field((), description="Deployable services")
    plan: Plan = Field(default_factory=default_plan, description="The default release plan")
    plans: dict[str, Plan] = Field(default_factory=dict, description="Extra named plans")
    policy: Policy = Field(Policy(), description="Judges and their modes")
    drills: Drills = Field(Drills(), description="Simulated incident drills")

    @model_validator(mode="after")
    def _known_dependencies(self) -> TeamConfig:
        names = {s.name for s in self.services}
        for service in self.services:
            unknown = [d for d in service.depends_on if d not in names]
            if unknown:
                raise ValueError(f"service {service.name} depends on unknown {unknown}")
        for key in self.plans:
            if not re.fullmatch(r"[a-z0-9_-]+", key):
                raise ValueError(f'plan names use a-z, 0-9, "-" and "_", got "{key}"')
        return self

    def plan_named(self, name: str = "default") -> Plan:
        """The default plan or a named extra one."""
        if name == "default" and "default" not in self.plans:
            return self.plan
        if name not in self.plans:
            known = ", ".join(["default", *self.plans])
            raise KeyError(f'no plan named "{name}" (known: {known})')
        return self.plans[name]

    def service(self, name: str) -> Service:
        """The named service, or a default one for a service the config does not list."""
        for service in self.services:
            if service.name == name:
                return service
        return Service(name=name)

    def is_admin(self, user: str) -> bool:
        """True when the Slack user is a configured admin."""
        return user in self.team.admins
