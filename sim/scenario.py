"""A rehearsal scenario: the fleet, the release, its faults and what the policy should do.

A TOML file parses into one `Scenario`, which holds every default; its
`model_dump(mode="json")` is the resolved scenario recorded with each result.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

from rollout.config import Audience, Percent, Stage, in_range
from rollout.durations import Duration, format_duration
from rollout.errors import ConfigError, InvalidAt
from rollout.parsing import STAGE_AND_JUDGE_KINDS, parse_toml

Probability = Annotated[
    StrictFloat,
    AfterValidator(in_range(0, 1)),
    Field(json_schema_extra={"minimum": 0, "maximum": 1}),
]
MAX_HOSTS = 200_000  # bench/sim.py measures the cost curve up to here
MAX_DURATION = timedelta(days=2)  # every window of a run is kept in memory
ONSET = "Delay after the new version's first start"


class Model(BaseModel):
    """Base for scenario models: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LatencyQuantiles(Model):
    """Two quantiles of request latency; a lognormal is fitted through them."""

    p50: StrictFloat = Field(80.0, gt=0, description="Median latency, milliseconds")
    p99: StrictFloat = Field(400.0, gt=0, description="99th percentile latency, milliseconds")

    @model_validator(mode="after")
    def _ordered(self) -> LatencyQuantiles:
        if self.p99 < self.p50:
            raise InvalidAt(("p99",), f"p99 ({self.p99:g}) must be at least p50 ({self.p50:g})")
        return self


class Fleet(Model):
    """The production fleet, its traffic and how a version reaches its hosts."""

    hosts: StrictInt = Field(200, ge=1, le=MAX_HOSTS, description="Production hosts")
    rps: StrictFloat = Field(10_000.0, gt=0, description="Requests per second, all hosts")
    internal_share: Probability = Field(0.05, description="Share of requests from employees")
    baseline_error_rate: Probability = Field(
        0.001, description="Share of requests that fail on the old version"
    )
    business_rate: Probability = Field(
        0.02, description="Business events (e.g. sign-ups) per request on the old version"
    )
    latency_ms: LatencyQuantiles = Field(
        LatencyQuantiles(), description="Latency of the old version: p50 and p99"
    )
    deploy: Literal["push", "pull"] = Field(
        "pull", description="push: copied out k hosts at a time; pull: hosts fetch on a signal"
    )
    push_parallelism: StrictInt = Field(20, ge=1, description="Push: hosts copied at once")
    copy_seconds: Duration = Field(timedelta(seconds=10), description="Time to copy one build")
    signal_delay: Duration = Field(
        timedelta(seconds=5), description="Pull: time for hosts to see the new key"
    )
    pull_jitter: Duration = Field(
        timedelta(seconds=2), description="Pull: each host lands up to this much later"
    )
    atomic: StrictBool = Field(
        True, description="Drain each host before switching (false: in-flight requests fail)"
    )
    drain_seconds: Duration = Field(timedelta(seconds=1), description="Atomic: time to drain")
    startup_seconds: Duration = Field(
        timedelta(seconds=5), description="Time a new process takes to become ready"
    )
    strategy: Literal["blue_green", "in_place"] = Field(
        "in_place",
        description="in_place: hosts are replaced; blue_green: a new fleet beside the old",
    )
    router: Literal["weighted", "none"] = Field(
        "weighted",
        description=(
            "weighted: a router sends each audience exactly the stage's percent, however many "
            "hosts run the new version (needed for dogfood stages and mirrored traffic); "
            "none (in place only): every serving host takes an equal share of all requests, "
            "so exposure = new hosts / serving hosts, with ceil(hosts × percent) new hosts"
        ),
    )
    history: Duration = Field(
        timedelta(hours=1), description="Warm-up before the deploy, the judges' history"
    )
    internal_hosts: StrictInt = Field(
        0,
        ge=0,
        description=(
            "router = none: hosts in the employees' pool, which serve only employees (the "
            "rest serve customers), as pull-fleet agents with pool = internal; each pool "
            "switches ceil(its hosts × its audience's percent). 0: one pool for everyone"
        ),
    )

    @model_validator(mode="after")
    def _routed_blue_green(self) -> Fleet:
        if self.strategy == "blue_green" and self.router == "none":
            raise ValueError("blue_green moves a router between fleets: it needs router = weighted")
        if self.internal_hosts and (self.router != "none" or self.internal_hosts >= self.hosts):
            raise ValueError(
                "internal_hosts needs router = none and fewer internal hosts than hosts"
            )
        return self


class Release(Model):
    """Which plan the release follows, and the simulated staging environment."""

    plan: str = Field("default", description="A plan of the team config: default or [plans.NAME]")
    stages: tuple[Stage, ...] = Field((), description="Inline stages instead of a named plan")
    version: str = Field("v2", description="The new version's label")
    previous_version: str = Field("v1", description="The version it replaces")
    smoke_seconds: Duration = Field(timedelta(minutes=2), description="Staging deploy and smoke")


class ErrorRateFault(Model):
    """The new version fails an extra share of requests."""

    kind: Literal["error_rate"] = Field("error_rate", description="Fault kind")
    rate: Probability = Field(0.02, description="Extra share of requests that fail")
    onset: Duration = Field(timedelta(0), description=ONSET)
    audience: Audience = Field(
        "all", description="Whose requests fail: all, internal (employees) or external"
    )
    from_percent: Percent = Field(
        0.0, description="Appears once this share of customers is on the new version, then stays"
    )


class BadSecretFault(Model):
    """New hosts cannot reach the database: readiness fails, every served request fails."""

    kind: Literal["bad_secret"] = Field("bad_secret", description="Fault kind")


class CrashLoopFault(Model):
    """New hosts crash after running `run_time`, then restart on CrashLoopBackOff."""

    kind: Literal["crash_loop"] = Field("crash_loop", description="Fault kind")
    run_time: Duration = Field(
        timedelta(0), description="How long a process runs before it crashes"
    )


class LatencyFault(Model):
    """The new version is slower: latency × multiplier + add_ms."""

    kind: Literal["latency"] = Field("latency", description="Fault kind")
    multiplier: StrictFloat = Field(1.0, gt=0, description="Latency is multiplied by this")
    add_ms: StrictFloat = Field(0.0, ge=0, description="Then this many milliseconds are added")
    onset: Duration = Field(timedelta(0), description=ONSET)


class NewErrorFault(Model):
    """The new version throws an error type nobody has seen before."""

    kind: Literal["new_error"] = Field("new_error", description="Fault kind")
    rate: Probability = Field(0.002, description="Share of requests that throw it")
    error_type: str = Field("NullPointerException", description="The new error type's name")
    onset: Duration = Field(timedelta(0), description=ONSET)


class BusinessDropFault(Model):
    """The business metric (sign-ups per request) falls by a fraction on the new version."""

    kind: Literal["business_drop"] = Field("business_drop", description="Fault kind")
    fraction: Probability = Field(0.3, description="Share of business events lost")
    onset: Duration = Field(timedelta(0), description=ONSET)


class MigrationFault(Model):
    """An irreversible schema migration: errors on the new version stay after a rollback."""

    kind: Literal["migration"] = Field("migration", description="Fault kind")
    rate: Probability = Field(0.01, description="Share of requests that fail, on every version")
    onset: Duration = Field(timedelta(0), description=ONSET)


class NoisyBaselineFault(Model):
    """Bait for false alarms: bursts of extra errors hit old and new versions equally."""

    kind: Literal["noisy_baseline"] = Field("noisy_baseline", description="Fault kind")
    burst_error_rate: Probability = Field(0.01, description="Extra failing share during a burst")
    burst_probability: Probability = Field(
        0.1, description="Chance that a burst starts in each burst-long window"
    )
    burst_seconds: Duration = Field(timedelta(seconds=20), description="Length of a burst")


Fault = Annotated[
    ErrorRateFault
    | BadSecretFault
    | CrashLoopFault
    | LatencyFault
    | NewErrorFault
    | BusinessDropFault
    | MigrationFault
    | NoisyBaselineFault,
    Field(discriminator="kind"),
]
_FAULT_KINDS = frozenset(
    cls.model_fields["kind"].default
    for cls in get_args(get_args(Fault)[0])  # Fault is Annotated[Union[...], Field(...)]
)


class Expect(Model):
    """What a correct policy does with this scenario."""

    outcome: Literal["rolled_back", "promoted", "held", "aborted"] = Field(
        "promoted", description="How the release must end"
    )
    within: Duration | None = Field(None, description="Time to detect at most this")
    max_bad_requests: Annotated[StrictInt, Field(ge=0)] | None = Field(
        None, description="At most this many failed requests in all"
    )
    max_excess_bad_requests: Annotated[StrictFloat, Field(ge=0)] | None = Field(
        None, description="At most this many failed requests above the baseline error rate"
    )
    min_pass_rate: Probability = Field(
        0.95, description="Share of seeds that must meet the expectation"
    )


class CommanderModel(Model):
    """The rehearsal's deploy commander.

    Every gate, checklist item and question is answered after a reaction time drawn from
    a lognormal with the given median and 95th percentile. `on_hold` says what the
    commander does when the policy holds or asks because judges did not pass:

    * investigate: if a judge failed while users reach the new version, follow its
      recommendation and roll back; otherwise nobody is at risk, so keep the deploy held
      while investigating, and the rehearsal ends as `held`;
    * hold: always keep it held (the rehearsal ends as `held`);
    * rollback: always roll back;
    * resume: ignore the judges and carry on.

    During the stabilization period at 100% there is nothing to hold: a judge that
    recommends rolling back makes `investigate` and `rollback` mark the release faulty,
    while `hold` and `resume` leave it watched until the period ends.
    """

    user: str = Field("U0SIMCMDR", description="The simulated commander's Slack user id")
    reaction_median: Duration = Field(
        timedelta(seconds=30), description="Median time to answer a gate or question"
    )
    reaction_p95: Duration = Field(
        timedelta(minutes=2), description="95th percentile time to answer"
    )
    on_hold: Literal["investigate", "hold", "rollback", "resume"] = Field(
        "investigate", description="What the commander does when the policy holds or asks"
    )
    mark_healthy_after: Duration | None = Field(
        None,
        description="Mark a stabilizing release healthy this long into the period (then a "
        "reaction later) if every gating judge passes; unset waits for the period to end",
    )

    @model_validator(mode="after")
    def _ordered(self) -> CommanderModel:
        if self.reaction_p95 < self.reaction_median:
            raise InvalidAt(("reaction_p95",), "reaction_p95 must be at least reaction_median")
        return self


class Scenario(Model):
    """One rehearsal: everything the runner needs apart from the team config and a seed."""

    name: str = Field(description="Scenario name, shown in tables and charts")
    description: str = Field("", description="What the scenario rehearses")
    duration: Duration = Field(timedelta(hours=3), description="Simulated time limit, at most 2d")
    tick: Duration = Field(timedelta(seconds=0.5), description="Simulation step, from 10ms to 60s")
    fleet: Fleet = Field(Fleet(), description="The production fleet")
    release: Release = Field(Release(), description="The release and its plan")
    faults: tuple[Fault, ...] = Field((), description="What is wrong with the new version")
    expect: Expect = Field(Expect(), description="What a correct policy does")
    commander: CommanderModel = Field(
        CommanderModel(), description="How the simulated commander behaves"
    )
    seed: StrictInt | None = Field(
        None, description="Mixed into every run's seed; equal values share random numbers"
    )

    @model_validator(mode="after")
    def _sane_tick(self) -> Scenario:
        tick = self.tick.total_seconds()
        if not 0.01 <= tick <= 60:
            raise InvalidAt(("tick",), f"expected a tick from 10ms to 60s, got {tick:g}s")
        if self.duration.total_seconds() <= 0:
            raise InvalidAt(("duration",), "expected a positive duration, got 0s")
        if self.duration > MAX_DURATION:
            raise InvalidAt(
                ("duration",),
                f"expected at most {format_duration(MAX_DURATION)} (the simulator keeps every "
                f"window in memory), got {format_duration(self.duration)}",
            )
        return self


def ticks_per(seconds: float, tick: float) -> int:
    """How many whole ticks make `seconds` (at least one)."""
    return max(1, math.floor(seconds / tick + 1e-9))


def parse_scenario(text: str | bytes, source: str) -> Scenario:
    """Parse scenario TOML text; errors name the source, the key path and the expectation."""
    tags = _FAULT_KINDS | STAGE_AND_JUDGE_KINDS
    return parse_toml(text, source, Scenario, tags=tags, reference="commander sim reference")


def load_scenario(path: Path) -> Scenario:
    """Parse one scenario file; errors name the file, the key path and the expectation."""
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, expected a scenario file (*.toml)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_scenario(data, str(path))


def load_scenarios(directory: Path) -> list[Scenario]:
    """Every *.toml scenario in a folder, sorted by file name."""
    return [load_scenario(path) for path in sorted(directory.glob("*.toml"))]
