"""Numbers in files are strict everywhere: "200" in quotes is text, never silently a number."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from rollout.config import TeamConfig
from sim.scenario import Scenario


def lax_scalars(node: Any, path: str = "") -> list[str]:
    """Where the validation schema accepts a number or boolean without strict mode."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") in {"int", "float", "bool"} and not node.get("strict"):
            found.append(path or "(root)")
        for key, value in node.items():
            found += lax_scalars(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += lax_scalars(value, f"{path}/{index}")
    return found


@pytest.mark.parametrize("model", [TeamConfig, Scenario], ids=lambda m: m.__name__)
def test_every_number_and_boolean_field_is_strict(model: type[BaseModel]) -> None:
    assert lax_scalars(model.__pydantic_core_schema__) == []
