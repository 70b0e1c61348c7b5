"""Which version a host serves under a split, and the health judge's view of agent reports."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.fleet import host_rank, new_hosts, switched, target_version
from adapters.fleet_health import host_health

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
HOSTS = [f"web-{i}" for i in range(200)]


MEMBERS = {h: "internal" if i < 10 else "external" for i, h in enumerate(HOSTS)}


def test_each_pool_moves_ceil_of_its_share_and_never_moves_hosts_back() -> None:
    at = {p: switched({"shares": {"internal": 100, "external": p}}, MEMBERS)
          for p in (2, 10, 50, 100)}  # fmt: skip
    assert at[2] <= at[10] <= at[50] <= at[100] == set(HOSTS)
    internal = {h for h, pool in MEMBERS.items() if pool == "internal"}
    assert [len(at[p] - internal) for p in (2, 10, 50, 100)] == [4, 19, 95, 190]
    assert internal <= at[2] and all(0 <= host_rank(h) < 100 for h in HOSTS)


def test_a_dogfood_split_moves_only_employees_hosts() -> None:
    dogfood = switched({"shares": {"internal": 100, "external": 0}}, MEMBERS)
    assert dogfood == {h for h, pool in MEMBERS.items() if pool == "internal"}


def test_whole_hosts_are_rounded_up_and_never_exceed_the_pool() -> None:
    assert [new_hosts(5, p) for p in (0, 2, 20, 21, 100)] == [0, 1, 1, 2, 5]
    assert new_hosts(50, 2) == 1  # 50 × 2% is 1.0000000000000002 in floating point


def test_with_no_version_to_serve_a_host_keeps_what_it_has() -> None:
    assert target_version({"version": "2.0", "percent": 0}, "web-1", {"web-1": "external"}) is None


def test_host_health_counts_only_hosts_that_took_the_new_version() -> None:
    start = NOW.timestamp() - 90
    reports = [
        {"version": "2.0", "state": "ready", "restarts": 1, "since": start},
        {"version": "2.0", "state": "failed", "restarts": 2, "since": start + 30},
        {"version": "2.0", "state": "fetching"},
        {"version": "1.9", "state": "failed", "restarts": 7},
    ]
    health = host_health(reports, "2.0", NOW)
    assert (health.new_hosts, health.unready, health.restarts) == (3, 2, 3)
    assert health.seconds_since_start == 90
