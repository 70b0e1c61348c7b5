"""The team config (`commander.toml`) as pydantic models, every field with a default."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from rollout.durations import Duration
from rollout.errors import InvalidAt, NotFound
from rollout.tune_bounds import Tune

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Mode = Literal["observe", "recommend", "act"]
Audience = Literal["all", "internal", "external"]


# Numbers are strict: "200" in quotes is text, not a number, wherever a number is expected.


def in_range(lo: float, hi: float) -> Callable[[float], float]:
    """A check that a number is from lo to hi, whose error states both bounds."""

    def check(value: float) -> float:
        if not lo <= value <= hi:
            raise ValueError(f"expected a number from {lo:g} to {hi:g}, got {value:g}")
        return value

    return check


Percent = Annotated[
    StrictFloat,
    AfterValidator(in_range(0, 100)),
    Field(json_schema_extra={"minimum": 0, "maximum": 100}),
]


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
            raise InvalidAt(("end",), f"end {self.end} must be after start {self.start}")
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
            raise InvalidAt(("until",), f"until {self.until} must be after start {self.start}")
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

    start: datetime = Field(description="When the override begins (local time if no offset)")
    until: datetime = Field(description="When the override ends")
    user: str = Field(description="Slack user id who commands during the range")

    @model_validator(mode="after")
    def _ordered(self) -> Override:
        if self.until <= self.start:
            raise InvalidAt(("until",), f"until {self.until} must be after start {self.start}")
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
            raise InvalidAt(("shift",), 'expected a positive duration such as "2h", got 0s')
        return self


# --- services ---------------------------------------------------------------------------


class Plugin(Model):
    """An adapter choice: a kind plus free-form settings for it."""

    kind: str = Field(
        "log",
        description=(
            "deployer: log, command, webhook or etcd; metrics: static, file, prometheus or etcd"
        ),
    )
    settings: dict[str, Any] = Field(
        default_factory=dict, description="The kind's settings (see Adapter settings below)"
    )


class Service(Model):
    """A deployable service."""

    name: str = Field(description="Service name, as typed in /deploy start")
    depends_on: tuple[str, ...] = Field(
        (), description="Services that must deploy first (back end before front end)"
    )
    deployer: Plugin = Field(Plugin(kind="log"), description="How versions are shipped")
    metrics: Plugin = Field(
        Plugin(kind="static"),
        description="Where observations come from: static, file, prometheus or etcd",
    )
    rollback_safe: StrictBool = Field(True, description="Default for its releases")
    kill_switches: tuple[str, ...] = Field(
        (), description="Flag keys in the flagd file that turn this service's changes off"
    )


class KillSwitchFile(Model):
    """The OpenFeature flagd flag-definition file that holds the kill switches."""

    path: str = Field("flags.json", description="The flagd JSON file the bot rewrites")
    off_variant: str = Field("off", description="The variant that turns a change off")
    on_variant: str = Field("on", description="The variant that turns it back on")


# --- plan -------------------------------------------------------------------------------


class ChecklistStage(Model):
    """Items a human ticks, e.g. cut the release branch."""

    kind: Literal["checklist"] = Field("checklist", description="Stage kind")
    name: str = Field(description="Stage name, unique within the plan")
    items: tuple[str, ...] = Field(min_length=1, description="Items the commander ticks")


class DeployStage(Model):
    """Ship the version to an environment, then run its smoke test."""

    kind: Literal["deploy"] = Field("deploy", description="Stage kind")
    name: str = Field(description="Stage name, unique within the plan")
    environment: str = Field("staging", description="Environment the deployer ships to")
    smoke_test: str | None = Field(
        None, description="Command or URL of the smoke test (none: no smoke test)"
    )


class TrafficStage(Model):
    """Send a share of an audience's production traffic to the new version and bake."""

    kind: Literal["traffic"] = Field("traffic", description="Stage kind")
    name: str = Field(description="Stage name, unique within the plan")
    percent: Percent = Field(description="Share of the audience's traffic on the new version")
    audience: Audience = Field(
        "all", description="all users, internal (employees) or external (customers)"
    )
    bake: Duration = Field(timedelta(minutes=10), description="How long judges watch")
    gate: Literal["commander", "auto"] = Field(
        "commander", description="Who advances: the commander confirms, or auto after the bake"
    )
    mirror_percent: Percent = Field(
        0.0, description="Dark traffic mirrored to the new version; users never see it"
    )


Stage = Annotated[ChecklistStage | DeployStage | TrafficStage, Field(discriminator="kind")]


class Plan(Model):
    """The ordered stages of a release."""

    stages: tuple[Stage, ...] = Field(min_length=1, description="The stages, in order")

    @model_validator(mode="after")
    def _unique_names(self) -> Plan:
        names = [s.name for s in self.stages]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise InvalidAt(
                    ("stages", index, "name"), f'stage names must be unique, "{name}" is repeated'
                )
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

    kind: Literal["sequential"] = Field("sequential", description="Judge kind")
    alpha: StrictFloat = Field(
        0.01, gt=0, lt=1, description="False-alarm bound, however often it looks"
    )
    metric: Literal["errors", "business"] = Field(
        "errors", description="errors (error counts) or business (the business metric's counts)"
    )
    min_requests: StrictInt = Field(
        2000, ge=1, description="Canary requests needed before it may pass"
    )


class ThresholdJudge(JudgeBase):
    """Flagger/Argo style: the canary metric must stay under a bound each interval."""

    kind: Literal["threshold"] = Field("threshold", description="Judge kind")
    metric: Literal["error_rate", "success_rate", "latency_p99_ms", "business_rate"] = Field(
        "error_rate", description="The canary metric to bound"
    )
    max: StrictFloat | None = Field(0.01, description="Upper bound (none: no upper bound)")
    min: StrictFloat | None = Field(None, description="Lower bound (none: no lower bound)")
    interval: Duration = Field(timedelta(seconds=60), description="One measurement per interval")
    failure_limit: StrictInt = Field(
        0, ge=0, description="Failed measurements tolerated; one more fails the judge"
    )
    min_requests: StrictInt = Field(
        1, ge=0, description="Requests an interval needs to count as a measurement"
    )


class MannWhitneyJudge(JudgeBase):
    """Kayenta style: Mann-Whitney U per metric over per-interval points."""

    kind: Literal["mann_whitney"] = Field("mann_whitney", description="Judge kind")
    metrics: tuple[Literal["error_rate", "latency_p99_ms", "business_rate"], ...] = Field(
        ("error_rate", "latency_p99_ms"), description="Metrics compared, each passes or fails"
    )
    confidence: StrictFloat = Field(
        0.98, gt=0.5, lt=1, description="Confidence of each Mann-Whitney U test"
    )
    tolerance: StrictFloat = Field(
        0.25, ge=0, description="Relative change tolerated before a metric fails"
    )
    min_points: StrictInt = Field(50, ge=3, description="Per-interval points needed per metric")
    pass_score: StrictFloat = Field(
        95, ge=0, le=100, description="Score (% of metrics passing) that passes"
    )
    marginal_score: StrictFloat = Field(
        75, ge=0, le=100, description="Score from which the result is marginal (hold and ask)"
    )


class ZScoreJudge(JudgeBase):
    """Slack ReleaseBot style: the canary rate against the baseline's history."""

    kind: Literal["zscore"] = Field("zscore", description="Judge kind")
    metric: Literal["error_rate", "latency_p99_ms", "business_rate"] = Field(
        "error_rate", description="The metric compared with its history"
    )
    threshold: StrictFloat = Field(3.0, gt=0, description="Fail beyond this many σ")
    min_history: StrictInt = Field(30, ge=2, description="History windows needed")


class OneSampleJudge(JudgeBase):
    """Anytime-valid test of the new version's error rate against history, no baseline needed."""

    kind: Literal["one_sample"] = Field("one_sample", description="Judge kind")
    alpha: StrictFloat = Field(
        0.01, gt=0, lt=1, description="False-alarm bound over the whole release, however often"
    )
    quantile: StrictFloat = Field(
        0.99,
        gt=0,
        lt=1,
        description="The null rate: this quantile of history's per-window error rates",
    )
    min_requests: StrictInt = Field(
        2000, ge=1, description="New-version requests needed before it may pass"
    )


class HealthJudge(JudgeBase):
    """New hosts must pass readiness before traffic, and must not restart too often.

    It reads the hosts the etcd agents report (metrics kind "etcd", or a prometheus source's
    `fleet`). With no fleet source it says "no fleet source: host health not judged" and does
    not block a gate, unless require_fleet = true, when it stays inconclusive."""

    kind: Literal["health"] = Field("health", description="Judge kind")
    max_restarts: StrictInt = Field(3, ge=0, description="Restarts of a new host tolerated")
    max_unready_fraction: StrictFloat = Field(
        0.0, ge=0, le=1, description="Share of new hosts allowed to be unready after the grace"
    )
    grace: Duration = Field(timedelta(seconds=60), description="Startup time allowed")
    require_fleet: StrictBool = Field(
        False,
        description=(
            "Wait for a fleet source (etcd agents) before passing; false: with no fleet "
            "source the judge says so and does not block a gate"
        ),
    )


class LatencyJudge(JudgeBase):
    """The canary's p99 must not exceed the baseline's by more than a percentage."""

    kind: Literal["latency"] = Field("latency", description="Judge kind")
    max_increase_pct: StrictFloat = Field(
        20.0, gt=0, description="Largest increase of the canary's quantile over the baseline's"
    )
    quantile: StrictFloat = Field(0.99, gt=0, lt=1, description="Latency quantile compared")
    min_requests: StrictInt = Field(1000, ge=1, description="Requests needed on each side")


class NewErrorJudge(JudgeBase):
    """An error type never seen on the baseline, above a minimum count."""

    kind: Literal["new_error"] = Field("new_error", description="Judge kind")
    min_count: StrictInt = Field(
        5, ge=1, description="Occurrences of an unseen error type that fail the judge"
    )


Judge = Annotated[
    SequentialJudge
    | ThresholdJudge
    | MannWhitneyJudge
    | ZScoreJudge
    | OneSampleJudge
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
        for index, label in enumerate(labels):
            if label in labels[:index]:
                raise InvalidAt(
                    ("judges", index, "name"),
                    f'judge names must be unique, "{label}" is repeated (set name = "...")',
                )
        return self


# --- the whole file ---------------------------------------------------------------------


def default_plan() -> Plan:
    """The process in docs/reference.md: branch, staging, dogfood, canary 2%, then 10..100."""
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
    speed: Annotated[StrictFloat, Field(gt=0, le=600)] = Field(
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
    flagd: KillSwitchFile = Field(KillSwitchFile(), description="Where kill switches live")
    drills: Drills = Field(Drills(), description="Simulated incident drills")
    tune: Tune = Field(Tune(), description="Bounds for `commander sim tune`")

    @model_validator(mode="after")
    def _known_dependencies(self) -> TeamConfig:
        names = [s.name for s in self.services]
        for index, service in enumerate(self.services):
            for position, name in enumerate(service.depends_on):
                if name not in names:
                    raise InvalidAt(
                        ("services", index, "depends_on", position),
                        f'no service named "{name}" (services: {", ".join(names)})',
                    )
        owners: dict[str, str] = {}
        for index, service in enumerate(self.services):
            for position, flag in enumerate(service.kill_switches):
                if flag in owners:
                    raise InvalidAt(
                        ("services", index, "kill_switches", position),
                        f"kill switch {flag} is listed by both {owners[flag]} and {service.name}",
                    )
                owners[flag] = service.name
        for key in self.plans:
            if not re.fullmatch(r"[a-z0-9_-]+", key):
                raise InvalidAt(("plans", key), 'plan names use a-z, 0-9, "-" and "_"')
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
        """The named service, or a default one for a name the config does not list (a stored
        deploy whose service was removed); names people type go through `declared`."""
        for service in self.services:
            if service.name == name:
                return service
        return Service(name=name)

    def declared(self, name: str) -> Service:
        """The declared service a person named; NotFound with the closest names otherwise.

        With no services declared (the zero-config demo) every name is a default service."""
        names = [s.name for s in self.services]
        if not names or name in names:
            return self.service(name)
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise NotFound(f'No service named "{name}".{hint} Services: {", ".join(names)}.')

    def kill_switch_owner(self, flag: str) -> Service | None:
        """The service that lists `flag` among its kill switches."""
        return next((s for s in self.services if flag in s.kill_switches), None)

    def is_admin(self, user: str) -> bool:
        """True when the Slack user is a configured admin."""
        return user in self.team.admins
