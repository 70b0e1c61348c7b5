"""The `/deploy drill` grammar: each subcommand, and errors that name the bad word."""

from __future__ import annotations

import pytest

from bot.grammar.drill import (
    DrillCommandError,
    DrillControl,
    DrillHistory,
    DrillInject,
    DrillStart,
    parse_drill,
)


def test_start_takes_a_scenario_and_optional_seed_speed_commander_and_policy() -> None:
    cmd = parse_drill(
        ["start", "crash-loop", "--seed", "7", "--speed", "60", "--commander", "<@U123|al>",
         "--policy", "team"]
    )  # fmt: skip
    assert cmd == DrillStart("crash-loop", seed=7, speed=60.0, commander="U123", policy="team")
    assert parse_drill(["start", "crash-loop"]) == DrillStart("crash-loop")


def test_inject_reads_values_as_toml_or_bare_words() -> None:
    cmd = parse_drill(["inject", "error_rate", "rate=0.02", "audience=external", "onset=30s"])
    assert cmd == DrillInject(
        "error_rate", (("rate", 0.02), ("audience", "external"), ("onset", "30s"))
    )


def test_controls_and_history() -> None:
    assert [parse_drill([v]) for v in ("pause", "resume", "hint", "end")] == [
        DrillControl(v) for v in ("pause", "resume", "hint", "end")
    ]
    assert parse_drill(["history"]) == DrillHistory()
    assert parse_drill(["history", "@U42"]) == DrillHistory("U42")


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ([], "needs a subcommand"),
        (["launch"], 'unknown drill command "launch"'),
        (["start"], "needs one scenario name"),
        (["start", "x", "--seed", "-5"], "--seed: expected a number of at least 0, got -5"),
        (["start", "x", "--speed", "fast"], '--speed: expected a number, got "fast"'),
        (["start", "x", "--speed", "1000"], "--speed: expected a number from 0.1 to 600"),
        (["start", "x", "--policy", "auto"], '--policy: expected "advise" or "team", got "auto"'),
        (["start", "x", "--turbo", "1"], "does not take --turbo"),
        (["start", "x", "--seed"], "--seed needs a value"),
        (["inject"], "needs a fault kind"),
        (["inject", "error_rate", "rate"], '"rate" is not key=value'),
        (["pause", "now"], "takes no arguments"),
    ],
)
def test_bad_drill_commands_say_what_was_wrong(words: list[str], says: str) -> None:
    with pytest.raises(DrillCommandError) as caught:
        parse_drill(words)
    assert says in str(caught.value)
