"""The commander rotation: roster shifts, overrides, handoffs and the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from rollout.config import Override, Rotation
from rollout.errors import CommanderError
from rollout.rotation import NoCommander, Shift, commander_at, next_shift, shifts_between

LA = ZoneInfo("America/Los_Angeles")
TWO_HOURS = timedelta(hours=2)


@pytest.fixture(autouse=True)
def wall_clock_far_away():  # type: ignore[no-untyped-def]
    """Every test runs with the wall clock frozen years away: the core must use `now` only."""
    with freeze_time("2031-07-04 03:33:00+00:00"):
        yield


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Epoch Mon 2026-01-05 09:00 PST (17:00 UTC): U1 09-11, U2 11-13, U3 13-15, U1 15-17 ...
ROTATION = Rotation(roster=("U1", "U2", "U3"), shift=TWO_HOURS, epoch=datetime(2026, 1, 5, 9))
MON_0930 = utc(2026, 1, 5, 17, 30)
MON_1100 = utc(2026, 1, 5, 19)
MON_1300 = utc(2026, 1, 5, 21)


def with_overrides(*overrides: Override) -> Rotation:
    return ROTATION.model_copy(update={"overrides": overrides})


def local_starts(shifts: list[Shift]) -> list[str]:
    return [f"{s.start.astimezone(LA):%H:%M %Z}" for s in shifts]


# --- roster -----------------------------------------------------------------------------


def test_roster_shifts_are_consecutive_blocks_cycling_through_the_roster() -> None:
    shifts = shifts_between(MON_0930, utc(2026, 1, 6, 1), ROTATION, LA)

    assert [(s.user, s.source) for s in shifts] == [
        ("U1", "roster"),
        ("U2", "roster"),
        ("U3", "roster"),
        ("U1", "roster"),
    ]
    assert shifts[0] == Shift("U1", utc(2026, 1, 5, 17), MON_1100, "roster")


def test_times_before_the_epoch_continue_the_cycle_backwards() -> None:
    assert commander_at(utc(2026, 1, 5, 16), ROTATION, LA).user == "U3"


def test_a_roster_argument_replaces_the_configured_roster() -> None:
    """The roster may come from a Slack user group instead of the config."""
    assert commander_at(MON_1100, ROTATION, LA, roster=["U8", "U9"]).user == "U9"


def test_a_two_hour_rotation_stays_two_elapsed_hours_across_spring_forward() -> None:
    rotation = ROTATION.model_copy(update={"epoch": datetime(2026, 3, 7, 23)})  # Sat 23:00 PST

    shifts = shifts_between(utc(2026, 3, 8, 7), utc(2026, 3, 8, 13), rotation, LA)

    assert [s.end - s.start for s in shifts] == [TWO_HOURS] * 3
    assert local_starts(shifts) == ["23:00 PST", "01:00 PST", "04:00 PDT"]


def test_a_two_hour_rotation_stays_two_elapsed_hours_across_fall_back() -> None:
    rotation = ROTATION.model_copy(update={"epoch": datetime(2026, 10, 31, 23)})  # Sat 23:00 PDT

    shifts = shifts_between(utc(2026, 11, 1, 6), utc(2026, 11, 1, 12), rotation, LA)

    assert [s.end - s.start for s in shifts] == [TWO_HOURS] * 3
    assert local_starts(shifts) == ["23:00 PDT", "01:00 PDT", "02:00 PST"]
    assert [s.user for s in shifts] == ["U1", "U2", "U3"]


def test_next_shift_is_the_one_after_the_current_shift() -> None:
    assert next_shift(MON_0930, ROTATION, LA) == Shift("U2", MON_1100, MON_1300, "roster")


def test_an_empty_roster_with_no_override_raises_no_commander() -> None:
    empty = Rotation(roster=(), epoch=datetime(2026, 1, 5, 9))

    with pytest.raises(NoCommander, match=r"no roster and no override covers Mon Jan 05 09:30 PST"):
        commander_at(MON_0930, empty, LA)
    assert issubclass(NoCommander, CommanderError)


# --- overrides --------------------------------------------------------------------------


def test_an_override_wins_over_the_roster_while_it_lasts() -> None:
    rotation = with_overrides(
        Override(start=datetime(2026, 1, 5, 9, 15), until=datetime(2026, 1, 5, 12), user="U7")
    )

    assert commander_at(MON_0930, rotation, LA) == Shift(
        "U7", utc(2026, 1, 5, 17, 15), utc(2026, 1, 5, 20), "override"
    )


def test_the_roster_resumes_from_the_moment_an_override_ends() -> None:
    rotation = with_overrides(Override(start=MON_0930, until=utc(2026, 1, 5, 20), user="U7"))

    assert commander_at(utc(2026, 1, 5, 20, 30), rotation, LA) == Shift(
        "U2", utc(2026, 1, 5, 20), MON_1300, "roster"
    )


def test_a_roster_shift_ends_when_an_override_begins() -> None:
    rotation = with_overrides(Override(start=utc(2026, 1, 5, 18), until=MON_1300, user="U7"))

    assert commander_at(MON_0930, rotation, LA).end == utc(2026, 1, 5, 18)
    assert next_shift(MON_0930, rotation, LA).user == "U7"


def test_the_later_of_two_overlapping_overrides_wins() -> None:
    rotation = with_overrides(
        Override(start=MON_0930, until=MON_1300, user="U7"),
        Override(start=utc(2026, 1, 5, 18), until=utc(2026, 1, 5, 19), user="U8"),
    )

    assert commander_at(utc(2026, 1, 5, 18, 30), rotation, LA).user == "U8"
    assert commander_at(MON_1100, rotation, LA) == Shift("U7", MON_1100, MON_1300, "override")


def test_an_override_covers_an_empty_roster() -> None:
    rotation = Rotation(overrides=(Override(start=MON_0930, until=MON_1300, user="U7"),))

    assert commander_at(MON_1100, rotation, LA).user == "U7"


# --- handoffs ---------------------------------------------------------------------------


def test_a_handoff_gives_the_rest_of_the_shift_to_the_new_user() -> None:
    handoffs = [(utc(2026, 1, 5, 18), "U5")]

    assert commander_at(MON_0930, ROTATION, LA, handoffs).user == "U1"
    assert commander_at(utc(2026, 1, 5, 18, 30), ROTATION, LA, handoffs) == Shift(
        "U5", utc(2026, 1, 5, 18), MON_1100, "handoff"
    )


def test_a_handoff_does_not_outlive_the_shift_it_was_made_in() -> None:
    handoffs = [(utc(2026, 1, 5, 18), "U5")]

    assert commander_at(MON_1100, ROTATION, LA, handoffs) == Shift(
        "U2", MON_1100, MON_1300, "roster"
    )


def test_the_latest_of_several_handoffs_wins() -> None:
    handoffs = [(utc(2026, 1, 5, 18, 15), "U6"), (utc(2026, 1, 5, 18), "U5")]

    assert commander_at(utc(2026, 1, 5, 18, 30), ROTATION, LA, handoffs).user == "U6"


def test_an_override_that_begins_after_a_handoff_wins() -> None:
    rotation = with_overrides(Override(start=utc(2026, 1, 5, 18), until=MON_1300, user="U7"))
    handoffs = [(MON_0930, "U5")]

    assert commander_at(utc(2026, 1, 5, 18, 30), rotation, LA, handoffs).user == "U7"


def test_a_handoff_made_during_an_override_wins_until_the_override_ends() -> None:
    rotation = with_overrides(Override(start=MON_0930, until=MON_1300, user="U7"))
    handoffs = [(utc(2026, 1, 5, 19, 30), "U5")]

    assert commander_at(utc(2026, 1, 5, 20), rotation, LA, handoffs) == Shift(
        "U5", utc(2026, 1, 5, 19, 30), MON_1300, "handoff"
    )
    assert commander_at(MON_1300, rotation, LA, handoffs).source == "roster"


def test_naive_handoff_and_override_times_are_in_the_team_timezone() -> None:
    rotation = with_overrides(
        Override(start=datetime(2026, 1, 5, 11), until=datetime(2026, 1, 5, 13), user="U7")
    )
    handoffs = [(datetime(2026, 1, 5, 12), "U5")]

    assert commander_at(utc(2026, 1, 5, 20, 30), rotation, LA, handoffs) == Shift(
        "U5", utc(2026, 1, 5, 20), MON_1300, "handoff"
    )
