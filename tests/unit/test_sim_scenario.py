"""Scenario files: one typed model with every default, and errors that say where and what."""

from pathlib import Path

import pytest

from rollout.errors import ConfigError
from sim.scenario import ErrorRateFault, Scenario, load_scenario, load_scenarios, parse_scenario

LIBRARY = Path(__file__).parents[2] / "scenarios"


def test_a_minimal_file_resolves_every_default():
    scenario = parse_scenario('name = "tiny"', "tiny.toml")
    resolved = scenario.model_dump(mode="json")
    assert resolved["fleet"]["hosts"] == 200
    assert resolved["tick"] == "500ms"
    assert resolved["commander"]["on_hold"] == "investigate"
    assert resolved["expect"]["min_pass_rate"] == 0.95
    assert Scenario.model_validate(resolved) == scenario  # the record round-trips


def test_faults_are_told_apart_by_kind():
    text = 'name = "x"\n[[faults]]\nkind = "error_rate"\nrate = 0.05\naudience = "internal"'
    (fault,) = parse_scenario(text, "x.toml").faults
    assert isinstance(fault, ErrorRateFault)
    assert (fault.rate, fault.audience) == (0.05, "internal")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "x"\n[fleet]\nhosts = 0', "scenarios/x.toml: fleet.hosts: expected a number"),
        ('name = "x"\n[fleet]\nhostz = 3', "scenarios/x.toml: fleet.hostz: unknown key"),
        ('name = "x"\n[[faults]]\nkind = "error_rate"\nrate = 2', "faults[0].rate: expected"),
        ('name = "x"\n[[faults]]\nkind = "gremlins"', "faults[0]: expected kind to be one of"),
        ('name = "x"\n[fleet]\ndeploy = "ftp"', "fleet.deploy: expected 'push' or 'pull'"),
        ('name = "x"\nduration = "soon"', 'duration: expected a duration such as "30s"'),
        ("[fleet]\nhosts = 3", "scenarios/x.toml: name: required key is missing"),
        ('name = "x"\n[fleet', "scenarios/x.toml: not valid TOML"),
    ],
)
def test_a_bad_file_is_named_with_the_key_path_and_what_was_expected(tmp_path, body, message):
    path = tmp_path / "scenarios" / "x.toml"
    path.parent.mkdir()
    path.write_text(body)
    with pytest.raises(ConfigError) as error:
        load_scenario(path)
    assert message.replace("scenarios/x.toml", str(path)) in str(error.value)


def test_the_library_loads_sorted_by_file_name(tmp_path):
    for name in ("b", "a", "c"):
        (tmp_path / f"{name}.toml").write_text(f'name = "{name}"')
    assert [s.name for s in load_scenarios(tmp_path)] == ["a", "b", "c"]


def test_every_shipped_scenario_parses_and_covers_the_reference_situations():
    library = load_scenarios(LIBRARY)
    assert len(library) >= 14
    kinds = {fault.kind for scenario in library for fault in scenario.faults}
    assert kinds >= {"error_rate", "bad_secret", "crash_loop", "latency", "new_error",
                     "business_drop", "migration", "noisy_baseline"}  # fmt: skip
    assert {s.expect.outcome for s in library} == {"promoted", "rolled_back", "held"}
    assert any(not s.faults for s in library)  # the healthy A/A release
