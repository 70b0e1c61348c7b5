"""The kill-switch states the reconcile loop applies follow from the stored flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.deploys import Deploys
from bot.killswitches import desired_kill_switches
from bot.reconcile import Reconciler
from rollout.config import Service, TeamConfig
from rollout.errors import WorldError
from rollout.events import SetKillSwitch
from tests.fakes import FakeClock, InMemoryRepository

NOW = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)

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


class FlakyFlagFile:
    """A world whose flag writes fail `failures` times, then land; it records each write."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.writes: list[tuple[str, str, bool]] = []

    def set_kill_switch(self, service: str, flag: str, off: bool) -> None:
        if self.failures:
            self.failures -= 1
            raise WorldError("set_kill_switch", "flag file is read-only")
        self.writes.append((service, flag, off))


def reconciler_over(world: FlakyFlagFile) -> tuple[Reconciler, InMemoryRepository]:
    repo = InMemoryRepository()
    deploys = Deploys(CONFIG, repo, FakeClock())
    return Reconciler(deploys, world), repo  # type: ignore[arg-type]


def test_the_reconcile_loop_writes_a_stored_flip_once_and_again_after_a_change() -> None:
    world = FlakyFlagFile()
    reconciler, repo = reconciler_over(world)
    repo.set_flag("new-checkout", False, by="U1", now=NOW)
    reconciler.run_once(NOW)
    reconciler.run_once(NOW)
    assert world.writes == [("checkout", "new-checkout", True)]
    repo.set_flag("new-checkout", True, by="U1", now=NOW)
    reconciler.run_once(NOW)
    assert world.writes[-1] == ("checkout", "new-checkout", False)


def test_a_failed_flag_write_is_retried_after_its_backoff() -> None:
    world = FlakyFlagFile(failures=1)
    reconciler, repo = reconciler_over(world)
    repo.set_flag("one-click", False, by="U1", now=NOW)
    reconciler.run_once(NOW)
    reconciler.run_once(NOW + timedelta(seconds=0.25))  # the next pass: still backing off
    assert world.writes == [] and world.failures == 0
    reconciler.run_once(NOW + timedelta(seconds=1))
    assert world.writes == [("checkout", "one-click", True)]
