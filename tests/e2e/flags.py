"""A flagd flag-definition file for e2e runs, read back through the OpenFeature SDK's flagd
provider in FILE mode, as an application watching the same file would."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openfeature import api
from openfeature.client import OpenFeatureClient
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType

SCHEMA = "https://flagd.dev/schema/v0/flags.json"


def write_flags(path: Path, *keys: str) -> Path:
    """A flagd file with each key a boolean flag, on by default."""
    flags = {
        key: {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "on"}
        for key in keys
    }
    path.write_text(json.dumps({"$schema": SCHEMA, "flags": flags}, indent=2))
    return path


def default_variant(path: Path, key: str) -> str:
    """The flag's defaultVariant as the file says now."""
    return str(json.loads(path.read_text())["flags"][key]["defaultVariant"])


@contextmanager
def openfeature_client(path: Path) -> Iterator[OpenFeatureClient]:
    """An OpenFeature client over the flagd provider watching `path` (FILE resolver)."""
    provider = FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=str(path))
    domain = f"e2e-{uuid.uuid4().hex[:8]}"
    api.set_provider(provider, domain=domain)
    try:
        yield api.get_client(domain)
    finally:
        provider.shutdown()


def wait_for_value(
    client: OpenFeatureClient, key: str, expected: bool, timeout: float = 15
) -> None:
    """Poll until the provider has (re)loaded the file and evaluates `key` to `expected`."""
    deadline = time.monotonic() + timeout
    while True:
        seen = client.get_boolean_value(key, not expected)
        if seen is expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"OpenFeature still evaluates {key} to {seen} after {timeout}s")
        time.sleep(0.1)
