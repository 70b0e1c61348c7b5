"""Team configs for end-to-end runs: open all day, short bakes, fast judges."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

COMMANDER = "U0ALICE01"  # the only one on the rotation, so always the commander
ADMIN = "U0ADMIN01"
STRANGER = "U0BOB0002"
DEPLOY_CHANNEL = "#deploys"
ANNOUNCEMENTS = "#announcements"

ALL_DAY = ("00:00:00", "23:59:59.999999")

CHECKLIST = {
    "kind": "checklist",
    "name": "release-branch",
    "items": ["Cut the release branch", "Tag the release"],
}
STAGING = {"kind": "deploy", "name": "staging", "environment": "staging", "smoke_test": "smoke"}


def traffic(name: str, percent: float, bake: str = "2s", gate: str = "commander") -> dict:
    """A traffic stage."""
    return {"kind": "traffic", "name": name, "percent": percent, "bake": bake, "gate": gate}


FULL_PLAN = [CHECKLIST, STAGING, traffic("canary", 10), traffic("100%", 100)]

GOOD_METRICS = {"kind": "static", "settings": {"requests_per_s": 1000, "error_rate": 0.001}}
BAD_CANARY = {
    "kind": "static",
    "settings": {"requests_per_s": 1000, "error_rate": 0.001, "canary_error_rate": 0.2},
}
WATCH_ONLY = [{"kind": "sequential", "mode": "observe"}]
ROLL_BACK_ON_ERRORS = [{"kind": "sequential", "mode": "act", "alpha": 0.01, "min_requests": 200}]


def hours_excluding_now(now: datetime | None = None) -> tuple[str, str]:
    """A one-hour UTC window twelve hours away from now."""
    start = ((now or datetime.now(UTC)) + timedelta(hours=12)).replace(minute=0, second=0)
    end = "23:59:59" if start.hour == 23 else f"{start.hour + 1:02d}:00:00"
    return f"{start.hour:02d}:00:00", end


def team_config(
    *,
    plan: list[dict] | None = None,
    hours: tuple[str, str] = ALL_DAY,
    stabilization: str = "3s",
    api_metrics: dict | None = None,
    judges: list[dict] | None = None,
    extra_services: list[dict] | None = None,
) -> str:
    """A commander.toml for e2e tests; the defaults give the FULL_PLAN with watching judges."""
    services = [
        {"name": "db-proxy", "metrics": GOOD_METRICS},
        {
            "name": "api",
            "depends_on": ["db-proxy"],
            "deployer": {"kind": "log"},
            "metrics": api_metrics or GOOD_METRICS,
        },
        {"name": "ledger", "rollback_safe": False, "metrics": GOOD_METRICS},
        *(extra_services or []),
    ]
    lines = [
        "[team]",
        'name = "e2e"',
        'timezone = "UTC"',
        f'admins = ["{ADMIN}"]',
        f'deploy_channel = "{DEPLOY_CHANNEL}"',
        f'announcements_channel = "{ANNOUNCEMENTS}"',
        "",
        "[[team.hours]]",
        'days = "mon-sun"',
        f"start = {hours[0]}",
        f"end = {hours[1]}",
        "",
        "[team.stabilization]",
        f'minor = "{stabilization}"',
        f'major = "{stabilization}"',
        "",
        "[rotation]",
        f'roster = ["{COMMANDER}"]',
        'shift = "24h"',
        "epoch = 2026-01-01T00:00:00",
        "",
        *_array("services", services),
        "[plan]",
        *_array("plan.stages", plan or FULL_PLAN),
        "[policy]",
        'evaluate_every = "0.5s"',
        "",
        *_array("policy.judges", judges or WATCH_ONLY),
    ]
    return "\n".join(lines) + "\n"


def _array(key: str, tables: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for table in tables:
        lines.append(f"[[{key}]]")
        lines.extend(f"{name} = {_value(value)}" for name, value in table.items())
        lines.append("")
    return lines


def _value(value: Any) -> str:
    """A TOML literal: JSON spells strings, numbers, booleans and arrays the same way."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(value)
