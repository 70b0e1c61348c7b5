"""Fixtures the integration modules share."""

from tests.integration.prometheus_fixtures import exporter, prometheus  # noqa: F401
