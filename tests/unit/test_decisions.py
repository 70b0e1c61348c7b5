"""The drill decisions format: round trips, maps to core events, and bad files name the spot."""

from __future__ import annotations

import pytest

from rollout import events as ev
from rollout.decisions import Decision, decision_for, dumps, loads
from rollout.errors import ConfigError


def test_every_person_event_round_trips_through_json() -> None:
    events: list[ev.Event] = [
        ev.ChecklistItemDone("U1", 1),
        ev.Confirm("U1", 3),
        ev.Hold("U1", "looks odd"),
        ev.Resume("U1"),
        ev.Rollback("U1", reason="errors up"),
        ev.Abort("U1", "wrong build"),
        ev.MarkHealthy("U1"),
        ev.MarkFaulty("U1", "pager"),
    ]
    decisions = [decision_for(e, at_s=10.0 * i) for i, e in enumerate(events)]
    assert all(decisions)
    again = loads(dumps([d for d in decisions if d]), "drill.json")
    assert [d.event() for d in again] == events


def test_events_people_do_not_send_are_not_decisions() -> None:
    assert decision_for(ev.BakeElapsed(), 5.0) is None
    assert decision_for(ev.SmokePassed("ok"), 5.0) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "drill.json: not valid JSON"),
        ('{"at_s": 1}', "drill.json: expected a JSON list of decisions, got dict"),
        ('[{"at_s": 1, "kind": "launch", "user": "U1"}]', "drill.json: [0]: kind:"),
        ('[{"at_s": -1, "kind": "hold", "user": "U1"}]', "drill.json: [0]: at_s:"),
        (
            '[{"at_s": 9, "kind": "hold", "user": "U1"},'
            ' {"at_s": 2, "kind": "resume", "user": "U1"}]',
            "drill.json: decisions must be in time order",
        ),
    ],
)
def test_a_bad_decisions_file_names_the_file_and_the_spot(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + message.replace("[", r"\[").replace("]", r"\]")):
        loads(text, "drill.json")


def test_a_decision_is_immutable() -> None:
    decision = Decision(at_s=1.0, kind="hold", user="U1")
    with pytest.raises(ValueError):
        decision.at_s = 2.0  # type: ignore[misc]
