"""Delivery figures from histories built under freezegun: each deploy is recorded at the frozen
clock's time, and the clock moves as a team's week would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from rollout.dora import DeployRecord, describe, figures

MONTH = timedelta(days=30)


class History:
    """Records deploys at the frozen clock's now, the way the audit trail would."""

    def __init__(self, clock) -> None:  # type: ignore[no-untyped-def]
        self.clock = clock
        self.records: list[DeployRecord] = []

    def now(self) -> datetime:
        return datetime.now(UTC)

    def release(
        self,
        service: str,
        version: str,
        *,
        bake: timedelta = timedelta(hours=1),
        commit_age: timedelta | None = None,
        rolled_back_after: timedelta | None = None,
        hotfix: bool = False,
        drill: bool = False,
        status: str | None = None,
    ) -> None:
        started = self.now()
        commit = started - commit_age if commit_age is not None else None
        self.clock.tick(rolled_back_after or bake)
        rolled_back = self.now() if rolled_back_after is not None else None
        self.records.append(
            DeployRecord(
                service=service,
                version=version,
                status=status or ("rolled_back" if rolled_back else "completed"),
                started_at=started,
                in_production_at=None if rolled_back else self.now(),
                rolled_back_at=rolled_back,
                commit_time=commit,
                hotfix=hotfix,
                drill=drill,
            )
        )
        self.clock.tick(timedelta(days=1))


def test_a_month_of_api_releases_gives_every_figure() -> None:
    with freeze_time("2026-11-01 09:00:00", tz_offset=0) as clock:
        h = History(clock)
        h.release("api", "1.0", commit_age=timedelta(hours=3))  # lead 3h + 1h bake = 4h
        h.release(
            "api", "1.1", commit_age=timedelta(hours=1), rolled_back_after=timedelta(minutes=20)
        )
        h.release("api", "1.2", commit_age=timedelta(hours=5))  # lead 6h
        h.release("api", "1.3")  # no commit time: no lead time
        h.release("api", "1.3.1", hotfix=True, bake=timedelta(minutes=30))  # fixes 1.3 forward
        h.release("api", "9.9", drill=True, rolled_back_after=timedelta(minutes=1))
        now = h.now()
    f = figures(h.records, now, MONTH, "api")

    assert f.deployments == 5  # the drill is not counted
    assert f.lead_times == 2 and f.lead_time == timedelta(hours=5)  # median of 4h and 6h
    assert f.failed == 2  # 1.1 rolled back, 1.3 fixed forward by a hotfix
    assert f.change_fail_rate == 2 / 5
    # 1.1: 20 min to its rollback; 1.3: 1h bake + 1 day + 30 min to the hotfix in production
    assert f.recovered == 2
    assert f.recovery_time == (timedelta(minutes=20) + timedelta(days=1, hours=1, minutes=30)) / 2
    assert f.rework == 1 and f.rework_rate == 1 / 5
    assert describe(f)["change fail rate"] == "40% (2 of 5)"


def test_a_service_with_no_failures_has_a_zero_fail_rate_and_says_so_for_recovery() -> None:
    with freeze_time("2026-11-01 09:00:00", tz_offset=0) as clock:
        h = History(clock)
        for minor in range(4):
            h.release("web", f"2.{minor}")
        now = h.now()
    f = figures(h.records, now, MONTH, "web")

    assert f.deployments == 4 and f.failed == 0 and f.change_fail_rate == 0
    assert f.recovery_time is None
    words = describe(f)
    assert words["failed deployment recovery time"] == "no failures"
    assert words["change lead time"] == "no commit times given"
    assert words["change fail rate"] == "0% (0 of 4)"


def test_a_service_with_no_deploys_says_no_deploys_rather_than_zero_or_nan() -> None:
    with freeze_time("2026-11-01 09:00:00", tz_offset=0) as clock:
        h = History(clock)
        h.release("api", "1.0")
        now = h.now()
    f = figures(h.records, now, MONTH, "ledger")

    assert f.deployments == 0
    assert f.change_fail_rate is None and f.rework_rate is None and f.lead_time is None
    assert set(describe(f).values()) == {"no deploys"}


def test_only_deploys_started_in_the_window_count_and_aborted_ones_never_do() -> None:
    with freeze_time("2026-10-01 09:00:00", tz_offset=0) as clock:
        h = History(clock)
        h.release("api", "0.9")  # 31 days before the last one: outside a 30-day window
        clock.tick(timedelta(days=30))
        h.release("api", "1.0", status="aborted")
        h.release("api", "1.1")
        now = h.now()
    f = figures(h.records, now, MONTH)

    assert f.deployments == 1
    assert f.per_day == 1 / 30
    assert describe(f)["deployment frequency"] == "1 in 30 days (0.033/day)"


def test_a_release_fixed_forward_by_a_hotfix_counts_as_failed_and_recovered() -> None:
    with freeze_time("2026-11-01 09:00:00", tz_offset=0) as clock:
        h = History(clock)
        h.release("api", "1.0")
        h.release("api", "1.1", hotfix=True, status="stabilizing")
        now = h.now()
    f = figures(h.records, now, MONTH)
    assert f.failed == 1 and f.recovered == 1
