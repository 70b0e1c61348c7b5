"""Every adapter kind and its settings model, with what the reference says about each.

cli/reference.py turns this table into the "Adapter settings" part of docs/reference/config.md,
so each kind's settings, defaults and environment variables are documented from the models.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class Kind:
    """One adapter kind: where it plugs in, its settings model, and notes for the reference."""

    port: str  # "deployer", "metrics" or "agent"
    kind: str
    model: type[BaseModel]
    notes: str = ""


COMMAND_NOTES = """Each command is an argv list (never a shell string). It runs with only `PATH`,
`HOME`, the `env` table, the variables named in `secrets` (read from the bot's environment) and
these: `COMMANDER_ACTION` (deploy, set_traffic, smoke_test, rollback), `COMMANDER_SERVICE`,
`COMMANDER_VERSION` (rollback: the version returned to), `COMMANDER_PREVIOUS_VERSION`,
`COMMANDER_FROM_VERSION` (rollback only: the version rolled back),
`COMMANDER_ENVIRONMENT`, `COMMANDER_DEPLOY_ID`, `COMMANDER_INTERNAL_PERCENT`,
`COMMANDER_EXTERNAL_PERCENT`, `COMMANDER_MIRROR_PERCENT` and, for the smoke test,
`COMMANDER_SMOKE_TEST` (the stage's `smoke_test`). Never the bot's Slack tokens, its signing
secret or another service's secrets; values of `secrets` are redacted from what the thread
shows."""
WEBHOOK_NOTES = """Requests are signed like Slack signs its own (`X-Commander-Signature`,
`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}` with the secret in the environment variable
`secret_env` names), and carry an `Idempotency-Key` stable per deploy, action and state."""
ETCD_NOTES = """A pull fleet: the deployer writes each service's desired state to
`{prefix}/{service}/{environment}/desired` and `commander agent` on every host pulls it. Each
agent declares its `pool`: `internal` (employees' hosts) or `external` (customers'). The desired
state carries a share per pool, the stage's internal and external percent; in each pool
ceil(hosts × share) hosts serve the new version, the hosts first by a stable hash of their
names. So the built-in plan's dogfood stage moves only `internal` hosts, and its 2% canary
moves one customers' host of a pool of 5 (20% of them: whole hosts round up). `config check`
refuses a stage whose employees' and customers' shares differ when `pools` lacks one of them,
and any mirrored stage (a pull fleet cannot mirror); at run time such a stage, when no
reporting agent declares the pool it needs, holds the deploy and says so."""
PROMETHEUS_NOTES = """The default queries select a service by the label `service` and a version
by `arm_label` (default `version`): requests `sum(increase(http_requests_total{service="…",
version="…"}[window]))`; errors the same with `code=~"5.."`; latency
`http_request_duration_seconds_bucket` by `le`; business events
`sum(increase(business_events_total{…}[window]))` (0 × requests when the counter has not
ticked); error types `sum by (error_type) (increase(http_requests_total{…,error_type!=""}
[stage]))`, which the `new_error` judge compares with the baseline's. Override any of them under
`queries` (e.g. `{{arm_label}}` and `app="{{service}}"` for an `app` label). A first release
has no baseline: the judges that compare with one say "first release of SERVICE: no baseline;
judging against history and thresholds", and threshold, zscore and health judges decide.
Without `fleet` there is no host health: the `health` judge says so and does not block a gate
unless it sets `require_fleet = true`."""
AGENT_NOTES = """`commander agent AGENT.toml` on each host. It retries a lost etcd with
exponential backoff and jitter (1 s doubling to 30 s), logging once per change of state, and
leaves at once on SIGTERM: `current` always points at one complete build, old or new."""


def adapter_kinds() -> list[Kind]:
    """Every kind of deployer and metrics source, in the order the reference shows them."""
    from adapters.command import CommandSettings
    from adapters.deployers import LogSettings
    from adapters.etcd_deployer import EtcdSettings
    from adapters.fleet_health import FleetSettings
    from adapters.metrics import FileSettings, StaticSettings
    from adapters.prometheus import PrometheusSettings, Queries
    from adapters.webhook import WebhookSettings

    return [
        Kind("deployer", "log", LogSettings),
        Kind("deployer", "command", CommandSettings, COMMAND_NOTES),
        Kind("deployer", "webhook", WebhookSettings, WEBHOOK_NOTES),
        Kind("deployer", "etcd", EtcdSettings, ETCD_NOTES),
        Kind("metrics", "static", StaticSettings),
        Kind("metrics", "file", FileSettings),
        Kind("metrics", "prometheus", PrometheusSettings, PROMETHEUS_NOTES),
        Kind("queries", "prometheus", Queries),
        Kind("metrics", "etcd", FleetSettings, "Host health from the agents' reports."),
    ]
