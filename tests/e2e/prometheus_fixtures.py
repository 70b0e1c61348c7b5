"""A real Prometheus scraping a test exporter that serves the old version, per test (e2e)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.exporter import Exporter, Rates
from tests.servers import Server, start_prometheus

OLD, NEW = "1.0.0", "2.0.0"


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    served = Exporter()
    served.set(OLD, Rates())
    yield served
    served.close()


@pytest.fixture
def prometheus(tmp_path: Path, exporter: Exporter) -> Iterator[Server]:
    server = start_prometheus(tmp_path, [exporter.target])
    yield server
    server.stop()
