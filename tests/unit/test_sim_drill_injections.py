"""Injections: any fault kind of the scenario format, checked with the scenario's models."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rollout.errors import ConfigError
from sim import injections
from sim.drill import Injection, parse_injection
from sim.scenario import ErrorRateFault, LatencyFault


def test_a_fault_with_its_settings() -> None:
    made = parse_injection("error_rate", {"rate": 0.02, "audience": "external"}, 42.0)
    assert made == Injection(42.0, ErrorRateFault(rate=0.02, audience="external"))


def test_every_scenario_fault_kind_can_be_injected() -> None:
    assert set(injections.FAULT_MODELS) == {
        "error_rate", "bad_secret", "crash_loop", "latency", "new_error", "business_drop",
        "migration", "noisy_baseline",
    }  # fmt: skip
    for kind in injections.FAULT_MODELS:
        assert parse_injection(kind, {}, 0.0).fault.kind == kind


def test_a_bad_value_names_the_key_and_what_was_expected() -> None:
    with pytest.raises(ConfigError) as error:
        parse_injection("error_rate", {"rate": 2}, 0.0)
    assert str(error.value) == "inject error_rate: rate: expected a number from 0 to 1, got 2"


def test_an_unknown_key_is_named_with_the_keys_there_are() -> None:
    with pytest.raises(ConfigError) as error:
        parse_injection("latency", {"multiplyer": 2.0}, 0.0)
    assert "multiplyer: unknown key" in str(error.value) and "multiplier" in str(error.value)


def test_an_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(ConfigError) as error:
        parse_injection("meteor", {}, 0.0)
    assert 'no fault kind "meteor"' in str(error.value)
    assert "error_rate, bad_secret, crash_loop, latency" in str(error.value)


def test_durations_need_a_unit_as_in_a_scenario_file() -> None:
    assert parse_injection("latency", {"onset": "30s"}, 0.0).fault == LatencyFault(
        onset=timedelta(seconds=30)
    )
    with pytest.raises(ConfigError, match="onset: expected a duration with a unit"):
        parse_injection("latency", {"onset": 30}, 0.0)


def test_json_round_trip_and_file_errors_name_the_index_and_key() -> None:
    made = [
        parse_injection("latency", {"multiplier": 2.0, "onset": "1m"}, 10.0),
        parse_injection("error_rate", {"rate": 0.1}, 20.5),
    ]
    assert injections.loads(injections.dumps(made), "inj.json") == made
    with pytest.raises(ConfigError) as error:
        injections.loads('[{"at_s": 1, "kind": "error_rate", "rate": "lots"}]', "inj.json")
    assert str(error.value).startswith("inj.json: [0]: rate: ")
    with pytest.raises(ConfigError, match=r"inj.json: \[0\]: at_s: expected simulated seconds"):
        injections.loads('[{"kind": "error_rate"}]', "inj.json")
    with pytest.raises(ConfigError, match="time order"):
        injections.loads(
            '[{"at_s": 5, "kind": "latency"}, {"at_s": 1, "kind": "latency"}]', "inj.json"
        )
    with pytest.raises(ConfigError, match="not valid JSON"):
        injections.loads("[", "inj.json")
