"""Deploy windows: hours, freezes, stabilization, in-flight deploys, hotfixes and force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time

from rollout.config import DeployHours, Freeze, Service, Team, TeamConfig
from rollout.state import DeployState
from rollout.windows import WindowCheck, can_deploy, next_window_opens

TZ = "America/Los_Angeles"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Week of the spring-forward change (Sun 2026-03-08): PST until then, PDT after.
FRI_MAR_6_NOON_PST = utc(2026, 3, 6, 20)
SAT_MAR_7_NOON_PST = utc(2026, 3, 7, 20)
MON_MAR_9_0900_PDT = utc(2026, 3, 9, 16)
TUE_MAR_10_NOON_PDT = utc(2026, 3, 10, 19)

WEEKEND_FREEZE = Freeze(
    start=datetime(2026, 3, 6, 17, 0),  # naive: team-local, Fri 17:00 PST
    until=datetime(2026, 3, 9, 9, 0),  # Mon 09:00 PDT
    reason="weekend freeze",
    set_by="U7",
)


@pytest.fixture(autouse=True)
def wall_clock_far_away():  # type: ignore[no-untyped-def]
    """Every test runs with the wall clock frozen years away: the core must use `now` only."""
    with freeze_time("2031-07-04 03:33:00+00:00"):
        yield


@pytest.fixture
def config() -> TeamConfig:
    return TeamConfig(
        team=Team(timezone=TZ, hours=(DeployHours(),), admins=("U1", "U2")),
        services=(Service(name="db"), Service(name="api", depends_on=("db",))),
    )


def deploy(service: str, version: str, **fields: Any) -> DeployState:
    fields = {"commander": "U9", "status": "running", **fields}
    return DeployState(
        id=f"{service}-{version}",
        service=service,
        version=version,
        previous_version=None,
        **fields,
    )


def codes(check: WindowCheck) -> list[str]:
    return [r.code for r in check.reasons]


# --- deploy hours -----------------------------------------------------------------------


def test_a_deploy_inside_hours_with_nothing_in_the_way_is_allowed(config: TeamConfig) -> None:
    check = can_deploy(TUE_MAR_10_NOON_PDT, "api", config, [])

    assert check.allowed
    assert check.reasons == ()
    assert not check.forced


def test_outside_hours_names_the_hours_and_when_the_next_window_opens(
    config: TeamConfig,
) -> None:
    check = can_deploy(SAT_MAR_7_NOON_PST, "api", config, [])

    assert not check.allowed
    assert [r.text for r in check.reasons] == [
        "outside deploy hours (mon-fri 09:00–17:00 America/Los_Angeles); "
        "next window opens Mon 09:00 PDT"
    ]


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (utc(2026, 3, 6, 16, 59), False),  # Fri 08:59 PST
        (utc(2026, 3, 6, 17, 0), True),  # Fri 09:00 PST
        (utc(2026, 3, 9, 15, 59), False),  # Mon 08:59 PDT
        (utc(2026, 3, 9, 16, 0), True),  # Mon 09:00 PDT
        (utc(2026, 10, 30, 16, 0), True),  # Fri 09:00 PDT
        (utc(2026, 11, 2, 16, 59), False),  # Mon 08:59 PST
        (utc(2026, 11, 2, 17, 0), True),  # Mon 09:00 PST
        (utc(2026, 11, 3, 0, 59), True),  # Mon 16:59 PST
        (utc(2026, 11, 3, 1, 0), False),  # Mon 17:00 PST
    ],
)
def test_local_deploy_hours_hold_on_both_sides_of_a_dst_change(
    config: TeamConfig, now: datetime, allowed: bool
) -> None:
    assert can_deploy(now, "api", config, []).allowed is allowed


def test_the_next_window_after_friday_evening_is_monday_nine_local_across_dst(
    config: TeamConfig,
) -> None:
    opens = next_window_opens(utc(2026, 3, 7, 2), config)  # Fri 18:00 PST

    assert opens == MON_MAR_9_0900_PDT
    assert f"{opens:%a %H:%M %Z}" == "Mon 09:00 PDT"


def test_the_next_window_is_none_while_the_window_is_open(config: TeamConfig) -> None:
    assert next_window_opens(TUE_MAR_10_NOON_PDT, config) is None


def test_a_team_without_deploy_hours_may_deploy_at_any_time() -> None:
    config = TeamConfig(team=Team(timezone=TZ, hours=()))

    assert can_deploy(SAT_MAR_7_NOON_PST, "api", config, []).allowed
    assert next_window_opens(SAT_MAR_7_NOON_PST, config) is None


def test_the_verdict_depends_on_now_and_not_the_wall_clock(config: TeamConfig) -> None:
    with freeze_time("2026-03-10 19:00:00"):  # the wall clock says Tuesday noon PDT
        check = can_deploy(SAT_MAR_7_NOON_PST, "api", config, [])

    assert codes(check) == ["outside_hours"]


def test_a_naive_now_is_refused(config: TeamConfig) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        can_deploy(datetime(2026, 3, 10, 12), "api", config, [])


# --- freezes ----------------------------------------------------------------------------


def test_a_weekend_freeze_says_until_when_by_whom_and_why(config: TeamConfig) -> None:
    check = can_deploy(SAT_MAR_7_NOON_PST, "api", config, [], [WEEKEND_FREEZE])

    assert [r for r in check.reasons if r.code == "freeze"][0].text == (
        "frozen until Mar 9 09:00 PDT by @U7: weekend freeze"
    )


def test_a_freeze_in_the_team_config_blocks_like_a_runtime_one(config: TeamConfig) -> None:
    configured = config.model_copy(
        update={"team": config.team.model_copy(update={"freezes": (WEEKEND_FREEZE,)})}
    )

    assert codes(can_deploy(SAT_MAR_7_NOON_PST, "api", configured, [])) == [
        "outside_hours",
        "freeze",
    ]


def test_a_freeze_ends_at_its_until_time(config: TeamConfig) -> None:
    assert codes(
        can_deploy(MON_MAR_9_0900_PDT - timedelta(seconds=1), "api", config, [], [WEEKEND_FREEZE])
    ) == ["outside_hours", "freeze"]
    assert can_deploy(MON_MAR_9_0900_PDT, "api", config, [], [WEEKEND_FREEZE]).allowed


def test_an_aware_freeze_keeps_its_offset(config: TeamConfig) -> None:
    freeze = Freeze(start=utc(2026, 3, 10, 18), until=utc(2026, 3, 10, 20), reason="db migration")

    check = can_deploy(TUE_MAR_10_NOON_PDT, "api", config, [], [freeze])

    assert [r.text for r in check.reasons] == ["frozen until Mar 10 13:00 PDT: db migration"]


def test_a_freeze_of_other_services_does_not_block(config: TeamConfig) -> None:
    freeze = WEEKEND_FREEZE.model_copy(update={"services": ("db",)})

    assert can_deploy(SAT_MAR_7_NOON_PST, "api", config, [], [freeze], hotfix=True).allowed


def test_a_hotfix_may_deploy_outside_hours(config: TeamConfig) -> None:
    assert can_deploy(SAT_MAR_7_NOON_PST, "api", config, [], hotfix=True).allowed


def test_a_hotfix_is_still_blocked_by_a_freeze(config: TeamConfig) -> None:
    check = can_deploy(SAT_MAR_7_NOON_PST, "api", config, [], [WEEKEND_FREEZE], hotfix=True)

    assert not check.allowed
    assert codes(check) == ["freeze"]


def test_an_admin_can_force_a_hotfix_through_a_freeze(config: TeamConfig) -> None:
    check = can_deploy(
        SAT_MAR_7_NOON_PST,
        "api",
        config,
        [],
        [WEEKEND_FREEZE],
        hotfix=True,
        force_by="U1",
        force_reason="login outage",
    )

    assert check.allowed
    assert check.forced
    assert check.force_reason == "login outage"
    assert codes(check) == ["freeze"]


# --- other deploys ----------------------------------------------------------------------


def test_a_dependency_mid_deploy_blocks_its_dependents(config: TeamConfig) -> None:
    db = deploy("db", "3.1.0", stage_index=3)  # canary in the default plan

    check = can_deploy(TUE_MAR_10_NOON_PDT, "api", config, [db])

    assert [(r.code, r.text) for r in check.reasons] == [
        ("dependency", "depends on db, which is mid-deploy (3.1.0, stage canary)")
    ]


def test_a_dependency_that_has_finished_does_not_block(config: TeamConfig) -> None:
    db = deploy("db", "3.1.0", status="completed")

    assert can_deploy(TUE_MAR_10_NOON_PDT, "api", config, [db]).allowed


def test_a_dependent_mid_deploy_does_not_block_its_dependency(config: TeamConfig) -> None:
    api = deploy("api", "2.4.1")

    assert can_deploy(TUE_MAR_10_NOON_PDT, "db", config, [api]).allowed


def test_a_service_stabilizing_after_a_release_is_blocked_until_the_period_ends(
    config: TeamConfig,
) -> None:
    api = deploy(
        "api", "2.4.0", status="stabilizing", major=True, stabilize_until=utc(2026, 12, 3, 22)
    )
    now = utc(2026, 11, 25, 18)

    check = can_deploy(now, "api", config, [api])

    assert [(r.code, r.text) for r in check.reasons] == [
        ("stabilizing", "api is stabilizing after 2.4.0 (major) until Dec 3 14:00 PST")
    ]


def test_a_stabilization_period_that_has_elapsed_does_not_block(config: TeamConfig) -> None:
    api = deploy("api", "2.4.0", status="stabilizing", stabilize_until=TUE_MAR_10_NOON_PDT)

    assert can_deploy(TUE_MAR_10_NOON_PDT, "api", config, [api]).allowed


def test_another_in_flight_deploy_of_the_same_service_blocks(config: TeamConfig) -> None:
    api = deploy("api", "2.4.1", status="held", commander="U9")

    check = can_deploy(TUE_MAR_10_NOON_PDT, "api", config, [api])

    assert [(r.code, r.text) for r in check.reasons] == [
        ("in_flight", "another deploy of api is in flight (2.4.1, started by @U9)")
    ]


def test_every_reason_against_is_returned_at_once(config: TeamConfig) -> None:
    deploys = [
        deploy("api", "2.4.0", status="stabilizing", stabilize_until=utc(2026, 3, 20)),
        deploy("api", "2.4.1"),
        deploy("db", "3.1.0", status="created"),
    ]

    check = can_deploy(SAT_MAR_7_NOON_PST, "api", config, deploys, [WEEKEND_FREEZE])

    assert sorted(codes(check)) == [
        "dependency",
        "freeze",
        "in_flight",
        "outside_hours",
        "stabilizing",
    ]


# --- force ------------------------------------------------------------------------------


def test_an_admin_with_a_reason_forces_past_blockers_and_the_reasons_are_kept(
    config: TeamConfig,
) -> None:
    deploys = [deploy("db", "3.1.0")]

    check = can_deploy(
        SAT_MAR_7_NOON_PST,
        "api",
        config,
        deploys,
        [WEEKEND_FREEZE],
        force_by="U2",
        force_reason="  security patch ",
    )

    assert check.allowed
    assert check.forced
    assert check.force_reason == "security patch"
    assert codes(check) == ["outside_hours", "freeze", "dependency"]


def test_a_non_admin_cannot_force(config: TeamConfig) -> None:
    check = can_deploy(
        SAT_MAR_7_NOON_PST, "api", config, [], force_by="U5", force_reason="security patch"
    )

    assert not check.allowed
    assert not check.forced
    assert check.reasons[-1].text == "only admins can force: @U1, @U2"


def test_force_without_a_reason_is_refused(config: TeamConfig) -> None:
    check = can_deploy(SAT_MAR_7_NOON_PST, "api", config, [], force_by="U1", force_reason=" ")

    assert not check.allowed
    assert not check.forced
    assert [(r.code, r.text) for r in check.reasons][-1] == ("no_reason", "--force needs a reason")


def test_force_cannot_start_a_second_in_flight_deploy_of_one_service(config: TeamConfig) -> None:
    check = can_deploy(
        SAT_MAR_7_NOON_PST,
        "api",
        config,
        [deploy("api", "2.4.1")],
        force_by="U1",
        force_reason="security patch",
    )

    assert check.forced
    assert not check.allowed
    assert "in_flight" in codes(check)


def test_force_when_nothing_blocks_is_an_ordinary_deploy(config: TeamConfig) -> None:
    check = can_deploy(FRI_MAR_6_NOON_PST, "api", config, [], force_by="U5", force_reason="")

    assert check.allowed
    assert not check.forced
    assert check.reasons == ()
