"""Round trip: every DeployState field survives add/get and save/get on each backend."""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_fixtures import *  # noqa: F403
from store_fixtures import T0, deploy_state

from rollout.state import DeployState, Exposure

# PostgreSQL text cannot hold NUL; everything else Unicode is fair game.
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
optional_texts = st.none() | texts
moments = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=9))]),
)
optional_moments = st.none() | moments
percents = st.floats(min_value=0, max_value=100, allow_nan=False)
phases = st.none() | st.sampled_from(["checklist", "deploying", "baking", "awaiting_confirm"])
statuses = st.sampled_from(
    ["created", "running", "held", "stabilizing", "completed", "rolled_back", "aborted"]
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | texts
    | st.floats(allow_nan=False, allow_infinity=False)
)
meta_values = st.recursive(json_scalars, lambda inner: st.tuples(inner, inner), max_leaves=4)
ids = itertools.count()

FIELDS = dict(
    id=st.builds(lambda: f"rt-{next(ids)}"),
    service=texts,
    version=texts,
    previous_version=optional_texts,
    commander=texts,
    plan_name=texts,
    status=statuses,
    phase=phases,
    stage_index=st.integers(0, 50),
    checklist_done=st.frozensets(st.integers(0, 20)),
    exposure=st.builds(Exposure, percents, percents, percents),
    authorized_percent=percents,
    bake_until=optional_moments,
    stabilize_until=optional_moments,
    held_phase=phases,
    hold_reason=optional_texts,
    verdicts=st.lists(st.tuples(texts, st.sampled_from(["pass", "fail", "inconclusive"]))).map(
        tuple
    ),
    hotfix=st.booleans(),
    major=st.booleans(),
    drill=st.booleans(),
    forced_reason=optional_texts,
    rollback_target=optional_texts,
    started_at=optional_moments,
    finished_at=optional_moments,
    stage_started_at=optional_moments,
    meta=st.lists(st.tuples(texts, meta_values), max_size=4).map(tuple),
)
states = st.builds(DeployState, **FIELDS)
ROUND_TRIP = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_the_strategy_sets_every_field():
    """Guards the round trip below against a DeployState field added later and never stored."""
    built = {field.name for field in dataclasses.fields(DeployState)}
    assert built == set(FIELDS)


def own_service(state: DeployState) -> DeployState:
    """Examples share one database, which admits one in-flight deploy per service."""
    return state.evolve(service=f"{state.service}#{uuid.uuid4().hex}")


@ROUND_TRIP
@given(state=states)
def test_any_state_survives_add_and_get(repo, state):
    state = own_service(state)
    repo.add(state, T0)
    assert repo.get(state.id) == state


@ROUND_TRIP
@given(state=states)
def test_any_state_survives_save_and_get(repo, state):
    state = own_service(state)
    repo.add(deploy_state(state.id, service=state.service), T0)
    repo.save(state, 1, [], T0)
    assert repo.get(state.id) == state


def test_read_times_are_utc_whatever_zone_they_were_written_in(repo):
    tokyo = timezone(timedelta(hours=9))
    repo.add(deploy_state(bake_until=T0.astimezone(tokyo)), T0)
    assert repo.get("d-1").bake_until.tzinfo == UTC
