"""Which version a host serves under a split, and the health judge's view of agent reports."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.fleet import host_rank, target_version
from adapters.fleet_health import host_health

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
HOSTS = [f"web-{i}" for i in range(200)]


def test_a_split_moves_about_its_share_of_hosts_and_never_moves_them_back() -> None:
    desired = {"version": "2.0", "previous_version": "1.9"}
    at = {p: {h for h in HOSTS if target_version({**desired, "percent": p}, h) == "2.0"}
          for p in (10, 50, 100)}  # fmt: skip
    assert at[10] <= at[50] <= at[100] == set(HOSTS)
    assert 5 <= len(at[10]) <= 40 and 70 <= len(at[50]) <= 130
    assert all(0 <= host_rank(h) < 100 for h in HOSTS)


def test_with_no_version_to_serve_a_host_keeps_what_it_has() -> None:
    assert target_version({"version": "2.0", "percent": 0}, "web-1") is None


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
