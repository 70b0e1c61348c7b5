"""Delivery figures from the store: measured to reaching 100%, and drills leave no trace."""

from __future__ import annotations

from datetime import timedelta

from bot.dora import figures_text, team_figures
from bot.grammar.commands import Start
from rollout import events as ev
from rollout.state import DeployState
from tests.fakes import bot_stack

CONFIG = """
[team]
timezone = "UTC"
[[team.hours]]
days = "mon-sun"
start = 00:00:00
end = 23:59:00
[rotation]
roster = ["UALICE"]
[[services]]
name = "api"
[plan]
[[plan.stages]]
kind = "traffic"
name = "canary"
percent = 10
bake = "10m"
[[plan.stages]]
kind = "traffic"
name = "100%"
percent = 100
bake = "1h"
"""


def test_lead_time_ends_when_the_release_reaches_100_percent_not_after_its_bake() -> None:
    s = bot_stack(CONFIG)
    committed = s.clock.now() - timedelta(hours=2)
    state = s.deploys.start(Start("api", "2.0", commit_time=committed), "UALICE")
    s.clock.advance(minutes=11)
    s.worker.run_once()
    s.deploys.apply(state.id, ev.Confirm("UALICE", stage=0))  # now at 100%: 2h11m after commit
    assert s.repo.get(state.id).stage_index == 1
    s.clock.advance(hours=1, minutes=1)
    s.worker.run_once()
    s.deploys.apply(state.id, ev.Confirm("UALICE", stage=1))
    assert s.repo.get(state.id).status in ("stabilizing", "completed")

    (everyone, api) = team_figures(s.repo, s.config, s.clock.now())
    assert api.service == "api" and api.deployments == 1
    assert api.lead_time == timedelta(hours=2, minutes=11)  # not 3h12m, after the bake


def test_a_drill_adds_no_row_to_the_figures() -> None:
    s = bot_stack(CONFIG)
    drill = DeployState(
        id="drill-1", service="error-spike-canary", version="2.0", previous_version="1.0",
        commander="UALICE", drill=True,
    )  # fmt: skip
    s.repo.add(drill, s.clock.now())
    rows = team_figures(s.repo, s.config, s.clock.now() + timedelta(minutes=1))
    assert [r.service for r in rows] == [None, "api"]
    assert "error-spike-canary" not in figures_text(rows)
