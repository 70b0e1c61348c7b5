"""Fixtures the integration modules share."""

from tests.integration.fleet_fixtures import agents, etcd, prefix  # noqa: F401
from tests.integration.prometheus_fixtures import exporter, prometheus  # noqa: F401
