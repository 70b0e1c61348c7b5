"""The `/deploy drill` grammar: each subcommand, and errors that name the bad word."""

from __future__ import annotations

import pytest

from bot.grammar.drill import (
    DrillCommandError,
    DrillControl,
    DrillHistory,
    DrillInject,
    DrillReport,
    DrillScheduleAdd,
    DrillScheduleCancel,
    DrillScheduleList,
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


def test_report_schedule_and_start_from_a_deploy() -> None:
    assert parse_drill(["report"]) == DrillReport()
    assert parse_drill(["report", "<!subteam^S0ONCALL|@oncall>"]) == DrillReport("S0ONCALL")
    assert parse_drill(["report", "<@U42>"]) == DrillReport("U42")
    words = ["schedule", "random", "every", "Thu", "9:30", "--trainees", "<!subteam^S0ONCALL>"]
    assert parse_drill(words) == DrillScheduleAdd("random", 3, "09:30", "S0ONCALL")
    assert parse_drill(["schedule", "list"]) == DrillScheduleList()
    assert parse_drill(["schedule", "cancel", "sched-1"]) == DrillScheduleCancel("sched-1")
    started = parse_drill(["start", "--from-deploy", "d-7", "--commander", "@U42"])
    assert started == DrillStart("d-7", commander="U42", from_deploy="d-7")


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
        (["start", "--from-deploy"], "--from-deploy needs a value"),
        (["start", "x", "--from-deploy", "d1"], "or --from-deploy <deploy-id>"),
        (["start", "x", "--reaction-scale", "0"], "--reaction-scale: expected a number from"),
        (["report", "bob"], '"bob" is not a user or a user group'),
        (["schedule", "x", "every", "funday", "10:00", "--trainees", "S1AB"], "not a weekday"),
        (["schedule", "x", "every", "mon", "25:00", "--trainees", "S1AB"], "not a time"),
        (["schedule", "x", "every", "mon", "10:00"], "needs --trainees"),
        (["schedule", "x", "on", "mon", "10:00", "--trainees", "S1AB"], "needs a scenario, every"),
        (["schedule", "cancel"], "needs one schedule id"),
    ],
)
def test_bad_drill_commands_say_what_was_wrong(words: list[str], says: str) -> None:
    with pytest.raises(DrillCommandError) as caught:
        parse_drill(words)
    assert says in str(caught.value)
