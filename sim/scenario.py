"""A rehearsal scenario: the fleet, the release, its faults and what the policy should do.

A TOML file parses into one `Scenario`, which holds every default; its
`model_dump(mode="json")` is the resolved scenario recorded with each result.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rollout.config import Audience, Percent, Stage
from rollout.durations import Duration
from rollout.errors import ConfigError
from rollout.parsing import STAGE_AND_JUDGE_KINDS, parse_toml

Probability = Annotated[float, Field(ge=0, le=1)]


class Model(BaseModel):
    """Base for scenario models: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LatencyQuantiles(Model):
    """Two quantiles of request latency; a lognormal is fitted through them."""

    p50: Annotated[float, Field(gt=0)] = 80.0
    p99: Annotated[float, Field(gt=0)] = 400.0

    @model_validator(mode="after")
    def _ordered(self) -> LatencyQuantiles:
        if self.p99 < self.p50:
            raise ValueError(f"p99 ({self.p99:g}) must be at least p50 ({self.p50:g})")
        return self


class Fleet(Model):
    """The production fleet, its traffic and how a version reaches its hosts."""

    hosts: Annotated[int, Field(ge=1, le=20_000)] = 200
    rps: Annotated[float, Field(gt=0)] = 10_000.0
    internal_share: Probability = 0.05
    baseline_error_rate: Probability = 0.001
    business_rate: Probability = 0.02
    latency_ms: LatencyQuantiles = LatencyQuantiles()
    deploy: Literal["push", "pull"] = "pull"
    push_parallelism: Annotated[int, Field(ge=1)] = 20
    copy_seconds: Duration = timedelta(seconds=10)
    signal_delay: Duration = timedelta(seconds=5)
    pull_jitter: Duration = Field(
        timedelta(seconds=2), description="Pull: each host lands up to this much later"
    )
    atomic: bool = True
    drain_seconds: Duration = timedelta(seconds=1)
    startup_seconds: Duration = timedelta(seconds=5)
    strategy: Literal["blue_green", "in_place"] = "in_place"
    history: Duration = Field(
        timedelta(hours=1), description="Warm-up before the deploy, the judges' history"
    )


class Release(Model):
    """Which plan the release follows, and the simulated staging environment."""

    plan: str = "default"
    stages: tuple[Stage, ...] = Field((), description="Inline stages instead of a named plan")
    version: str = "v2"
    previous_version: str = "v1"
    smoke_seconds: Duration = Field(timedelta(minutes=2), description="Staging deploy and smoke")


class ErrorRateFault(Model):
    """The new version fails an extra share of requests."""

    kind: Literal["error_rate"] = "error_rate"
    rate: Probability = 0.02
    onset: Duration = Field(timedelta(0), description="Delay after the new version's first start")
    audience: Audience = "all"
    from_percent: Percent = Field(
        0.0, description="Appears once this share of customers is on the new version, then stays"
    )


class BadSecretFault(Model):
    """New hosts cannot reach the database: readiness fails, every served request fails."""

    kind: Literal["bad_secret"] = "bad_secret"


class CrashLoopFault(Model):
    """New hosts crash after running `run_time`, then restart on CrashLoopBackOff."""

    kind: Literal["crash_loop"] = "crash_loop"
    run_time: Duration = timedelta(0)


class LatencyFault(Model):
    """The new version is slower: latency × multiplier + add_ms."""

    kind: Literal["latency"] = "latency"
    multiplier: Annotated[float, Field(gt=0)] = 1.0
    add_ms: Annotated[float, Field(ge=0)] = 0.0
    onset: Duration = timedelta(0)


class NewErrorFault(Model):
    """The new version throws an error type nobody has seen before."""

    kind: Literal["new_error"] = "new_error"
    rate: Probability = 0.002
    error_type: str = "NullPointerException"
    onset: Duration = timedelta(0)


class BusinessDropFault(Model):
    """The business metric (sign-ups per request) falls by a fraction on the new version."""

    kind: Literal["business_drop"] = "business_drop"
    fraction: Probability = 0.3
    onset: Duration = timedelta(0)


class MigrationFault(Model):
    """An irreversible schema migration: errors on the new version stay after a rollback."""

    kind: Literal["migration"] = "migration"
    rate: Probability = 0.01
    onset: Duration = timedelta(0)


class NoisyBaselineFault(Model):
    """Bait for false alarms: bursts of extra errors hit old and new versions equally."""

    kind: Literal["noisy_baseline"] = "noisy_baseline"
    burst_error_rate: Probability = 0.01
    burst_probability: Probability = 0.1
    burst_seconds: Duration = timedelta(seconds=20)


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

    outcome: Literal["rolled_back", "promoted", "held", "aborted"] = "promoted"
    within: Duration | None = Field(None, description="Time to detect at most this")
    max_bad_requests: Annotated[int, Field(ge=0)] | None = None
    max_excess_bad_requests: Annotated[float, Field(ge=0)] | None = None
    min_pass_rate: Probability = 0.95


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
    """

    user: str = "U0SIMCMDR"
    reaction_median: Duration = timedelta(seconds=30)
    reaction_p95: Duration = timedelta(minutes=2)
    on_hold: Literal["investigate", "hold", "rollback", "resume"] = "investigate"

    @model_validator(mode="after")
    def _ordered(self) -> CommanderModel:
        if self.reaction_p95 < self.reaction_median:
            raise ValueError("reaction_p95 must be at least reaction_median")
        return self


class Scenario(Model):
    """One rehearsal: everything the runner needs apart from the team config and a seed."""

    name: str
    description: str = ""
    duration: Duration = Field(timedelta(hours=3), description="Simulated time limit")
    tick: Duration = timedelta(seconds=0.5)
    fleet: Fleet = Fleet()
    release: Release = Release()
    faults: tuple[Fault, ...] = ()
    expect: Expect = Expect()
    commander: CommanderModel = CommanderModel()
    seed: int | None = Field(
        None, description="Mixed into every run's seed; equal values share random numbers"
    )

    @model_validator(mode="after")
    def _sane_tick(self) -> Scenario:
        tick = self.tick.total_seconds()
        if not 0.01 <= tick <= 60:
            raise ValueError(f"tick must be from 10ms to 60s, got {tick:g}s")
        if self.duration.total_seconds() <= 0:
            raise ValueError("duration must be positive")
        return self


def ticks_per(seconds: float, tick: float) -> int:
    """How many whole ticks make `seconds` (at least one)."""
    return max(1, math.floor(seconds / tick + 1e-9))


def parse_scenario(text: str, source: str) -> Scenario:
    """Parse scenario TOML text; errors name the source, the key path and the expectation."""
    return parse_toml(text, source, Scenario, tags=_FAULT_KINDS | STAGE_AND_JUDGE_KINDS)


def load_scenario(path: Path) -> Scenario:
    """Parse one scenario file; errors name the file, the key path and the expectation."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_scenario(text, str(path))


def load_scenarios(directory: Path) -> list[Scenario]:
    """Every *.toml scenario in a folder, sorted by file name."""
    return [load_scenario(path) for path in sorted(directory.glob("*.toml"))]
