"""A real Prometheus scraping a test exporter, shared by one test module (module scope)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.exporter import Exporter
from tests.servers import Server, start_prometheus


@pytest.fixture(scope="module")
def exporter() -> Iterator[Exporter]:
    served = Exporter()
    yield served
    served.close()


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory, exporter: Exporter) -> Iterator[Server]:
    server = start_prometheus(tmp_path_factory.mktemp("prom"), [exporter.target])
    yield server
    server.stop()
