"""The etcd layout a pull-based fleet shares, and how a host picks the version it serves.

{prefix}/{service}/{environment}/desired        the deployer's desired state (JSON)
{prefix}/{service}/{environment}/hosts/{host}   each agent's report (JSON), with its pool

Each agent declares a pool: `internal` (employees' hosts) or `external` (customers'). The
desired state carries a share per pool; in each pool, ceil(hosts × share) hosts serve the new
version: the hosts ranked first by a stable hash of their names.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any, Literal

Pool = Literal["internal", "external"]
POOLS: tuple[Pool, ...] = ("internal", "external")


def desired_key(prefix: str, service: str, environment: str) -> str:
    """Where the deployer writes a service's desired state for an environment."""
    return f"{prefix.rstrip('/')}/{service}/{environment}/desired"


def hosts_prefix(prefix: str, service: str, environment: str) -> str:
    """The prefix under which every agent of the service's environment reports."""
    return f"{prefix.rstrip('/')}/{service}/{environment}/hosts/"


def host_rank(host: str) -> float:
    """A stable place for the host in [0, 100): hosts ranked first switch first."""
    digest = hashlib.sha256(host.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


def shares(desired: Mapping[str, Any]) -> dict[str, float]:
    """Each pool's share (percent) on the new version; an old single `percent` fits all."""
    given = desired.get("shares")
    if isinstance(given, dict):
        return {pool: float(given.get(pool, 0.0)) for pool in POOLS}
    return dict.fromkeys(POOLS, float(desired.get("percent", 100)))


def new_hosts(hosts: int, share: float) -> int:
    """How many of a pool's hosts serve the new version: ceil(hosts × share), whole hosts."""
    return min(hosts, math.ceil(round(hosts * share / 100, 9)))


def switched(desired: Mapping[str, Any], members: Mapping[str, str]) -> set[str]:
    """The hosts (host -> pool) that serve the new version under the desired state."""
    chosen: set[str] = set()
    for pool, share in shares(desired).items():
        in_pool = sorted((h for h, p in members.items() if p == pool), key=_order)
        chosen.update(in_pool[: new_hosts(len(in_pool), share)])
    return chosen


def target_version(desired: Mapping[str, Any], host: str, members: Mapping[str, str]) -> str | None:
    """The version this host should serve, given every host's pool (its own included)."""
    version = desired.get("version")
    if version and host in switched(desired, members):
        return str(version)
    previous = desired.get("previous_version")
    return str(previous) if previous else None


def _order(host: str) -> tuple[float, str]:
    return host_rank(host), host
