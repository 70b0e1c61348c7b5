"""The `[tune]` table: the bounds `commander sim tune` searches the policy within."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
)

from rollout.durations import Duration

T = TypeVar("T", float, int, timedelta)


def ordered(pair: tuple[T, T]) -> tuple[T, T]:
    """A [low, high] pair whose low is not above its high."""
    low, high = pair
    if low > high:
        raise ValueError(f"expected [low, high] with low ≤ high, got [{low}, {high}]")
    return pair


def positive(pair: tuple[T, T]) -> tuple[T, T]:
    """A pair of positive bounds (durations and counts are above zero)."""
    if min(pair) <= type(pair[0])():  # the zero of the pair's type
        raise ValueError(f"expected bounds above zero, got {list(pair)}")
    return ordered(pair)


FloatPair = Annotated[tuple[StrictFloat, StrictFloat], AfterValidator(positive)]
IntPair = Annotated[tuple[StrictInt, StrictInt], AfterValidator(positive)]
DurationPair = Annotated[tuple[Duration, Duration], AfterValidator(positive)]


class Tune(BaseModel):
    """Bounds of the search `commander sim tune` makes over judge settings and bakes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alpha: FloatPair = Field(
        (0.0005, 0.05), description="Sequential and one_sample alphas (searched on a log scale)"
    )
    min_requests: IntPair = Field(
        (200, 20_000), description="Range of sequential and one_sample min_requests"
    )
    zscore_threshold: FloatPair = Field((3.0, 10.0), description="Range of zscore thresholds")
    latency_increase_pct: FloatPair = Field(
        (10.0, 60.0), description="Range of latency max_increase_pct"
    )
    new_error_min_count: IntPair = Field((3, 50), description="Range of new_error min_count")
    quantile: FloatPair = Field(
        (0.9, 0.999), description="Range of the one_sample judge's history quantile"
    )
    evaluate_every: DurationPair = Field(
        (timedelta(seconds=2), timedelta(seconds=15)),
        description="Range of policy.evaluate_every",
    )
    bake: DurationPair = Field(
        (timedelta(minutes=1), timedelta(minutes=15)),
        description="Range of each tuned stage's bake (steps of 30 s)",
    )
    stages: tuple[str, ...] = Field(
        (), description="Traffic stages of the default plan whose bakes are tuned (none: all)"
    )
    stabilization: DurationPair | None = Field(
        None, description="Range of team.stabilization.minor (none: kept as configured)"
    )
    try_one_sample: StrictBool = Field(
        True, description="Also try adding a one_sample judge (act) when the policy has none"
    )
    population: StrictInt = Field(
        20, ge=2, le=500, description="Trials per NSGA-II generation (also the batch size)"
    )
