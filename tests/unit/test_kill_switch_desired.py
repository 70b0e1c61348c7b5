"""The kill-switch states the reconcile loop applies follow from the stored flags."""

from __future__ import annotations

from bot.killswitches import desired_kill_switches
from rollout.config import Service, TeamConfig
from rollout.events import SetKillSwitch

CONFIG = TeamConfig(
    services=(
        Service(name="checkout", rollback_safe=False, kill_switches=("new-checkout", "one-click")),
        Service(name="api"),
    )
)


def test_each_stored_configured_flag_becomes_a_set_kill_switch_for_its_service() -> None:
    stored = {"new-checkout": False, "one-click": True, "retired-flag": False}
    assert desired_kill_switches(stored, CONFIG) == [
        ("checkout", SetKillSwitch("new-checkout", off=True)),
        ("checkout", SetKillSwitch("one-click", off=False)),
    ]


def test_flags_never_flipped_are_left_as_the_file_has_them() -> None:
    assert desired_kill_switches({}, CONFIG) == []
