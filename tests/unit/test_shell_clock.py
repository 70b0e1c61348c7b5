"""The shell's clock reads the wall clock and only ever skips forward."""

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from bot.shell.clock import SkippingClock


@freeze_time("2026-03-02 17:00:00")
def test_skips_add_up_on_top_of_the_wall_clock() -> None:
    clock = SkippingClock()
    assert clock.now() == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    clock.skip(timedelta(minutes=10))
    assert clock.skip(timedelta(seconds=30)) == datetime(2026, 3, 2, 17, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize("by", [timedelta(0), timedelta(minutes=-5)])
def test_time_never_goes_back(by: timedelta) -> None:
    clock = SkippingClock()
    with pytest.raises(ValueError, match="positive duration"):
        clock.skip(by)
