"""The etcd layout a pull-based fleet shares, and how a host picks the version it serves.

{prefix}/{service}/{environment}/desired        the deployer's desired state (JSON)
{prefix}/{service}/{environment}/hosts/{host}   each agent's report (JSON)
"""

from __future__ import annotations

import hashlib
from typing import Any


def desired_key(prefix: str, service: str, environment: str) -> str:
    """Where the deployer writes a service's desired state for an environment."""
    return f"{prefix.rstrip('/')}/{service}/{environment}/desired"


def hosts_prefix(prefix: str, service: str, environment: str) -> str:
    """The prefix under which every agent of the service's environment reports."""
    return f"{prefix.rstrip('/')}/{service}/{environment}/hosts/"


def host_rank(host: str) -> float:
    """A stable place for the host in [0, 100): hosts below the split's percent switch first."""
    digest = hashlib.sha256(host.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


def target_version(desired: dict[str, Any], host: str) -> str | None:
    """The version this host should serve under the desired state."""
    version = desired.get("version")
    percent = float(desired.get("percent", 100))
    if version and host_rank(host) < percent:
        return str(version)
    return desired.get("previous_version") or None
