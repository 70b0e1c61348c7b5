"""The committed format references and JSON Schemas are exactly what the models generate."""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from typer.testing import CliRunner

from cli import reference
from cli.main import build_cli

ROOT = Path(__file__).resolve().parents[2]
GENERATED = {
    "docs/reference/config.md": reference.config_reference,
    "docs/reference/authorization.md": reference.authorization_reference,
    "docs/reference/scenario.md": reference.scenario_reference,
    "docs/schema/config.json": reference.config_schema,
    "docs/schema/scenario.json": reference.scenario_schema,
}
REGENERATE = (
    "regenerate with `commander config|sim reference|schema > FILE` "
    "(or `commander config authorization`)"
)


@pytest.mark.parametrize("path", sorted(GENERATED))
def test_the_committed_file_is_what_the_models_generate(path: str) -> None:
    committed = (ROOT / path).read_text(encoding="utf-8")
    assert committed == GENERATED[path](), f"{path} is out of date: {REGENERATE}"


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (["config", "reference"], "docs/reference/config.md"),
        (["config", "authorization"], "docs/reference/authorization.md"),
        (["sim", "reference"], "docs/reference/scenario.md"),
        (["config", "schema"], "docs/schema/config.json"),
        (["sim", "schema"], "docs/schema/scenario.json"),
    ],
)
def test_the_commands_print_the_committed_files(args: list[str], path: str) -> None:
    result = CliRunner().invoke(build_cli(), args)
    assert result.exit_code == 0, result.output
    assert result.stdout == (ROOT / path).read_text(encoding="utf-8")


def schema(name: str) -> Draft7Validator:
    loaded = json.loads((ROOT / f"docs/schema/{name}.json").read_text(encoding="utf-8"))
    Draft7Validator.check_schema(loaded)
    return Draft7Validator(loaded)


def as_json(value: Any) -> Any:
    """TOML data as a schema checker sees it: dates and times are strings."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def toml_file(path: Path) -> Any:
    return as_json(tomllib.loads(path.read_text(encoding="utf-8")))


def test_the_example_config_validates_against_the_config_schema() -> None:
    errors = list(schema("config").iter_errors(toml_file(ROOT / "commander.toml")))
    assert errors == []


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_validates_against_the_scenario_schema(path: Path) -> None:
    assert list(schema("scenario").iter_errors(toml_file(path))) == []


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("scenario", 'name = "x"\n[fleet]\nhosts = "200"'),
        ("scenario", 'name = "x"\n[fleet]\nhost = 200'),
        ("scenario", 'name = "x"\n[[faults]]\nkind = "error_rate"\nonset = 30'),
        ("scenario", 'name = "x"\n[[faults]]\nkind = "gremlins"'),
        ("config", "[rotation]\nshift = 2"),
        ("config", '[[plan.stages]]\nkind = "traffic"\nname = "a"\npercent = 150'),
    ],
)
def test_the_schemas_reject_what_the_parser_rejects(name: str, text: str) -> None:
    assert not schema(name).is_valid(as_json(tomllib.loads(text)))


@pytest.mark.parametrize("name", ["config", "scenario"])
def test_every_key_has_a_description(name: str) -> None:
    loaded = json.loads((ROOT / f"docs/schema/{name}.json").read_text(encoding="utf-8"))
    models = [loaded, *loaded["$defs"].values()]
    missing = [
        f"{model['title']}.{key}"
        for model in models
        for key, prop in model.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert missing == []


def test_the_taplo_config_points_editors_at_the_committed_schemas() -> None:
    rules = tomllib.loads((ROOT / ".taplo.toml").read_text(encoding="utf-8"))["rule"]
    schemas = {rule["include"][0]: rule["schema"]["path"] for rule in rules}
    assert schemas == {
        "commander.toml": "./docs/schema/config.json",
        "scenarios/*.toml": "./docs/schema/scenario.json",
    }
    for path in schemas.values():
        assert (ROOT / path).is_file()
    directive = (ROOT / "commander.toml").read_text(encoding="utf-8").splitlines()[0]
    assert directive == "#:schema ./docs/schema/config.json"
