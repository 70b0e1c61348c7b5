"""The drills table: add, read, inputs, steps saved with progress, pause/resume, finish, history."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from store_fixtures import *  # noqa: F403
from store_fixtures import T0

from rollout.events import Audit
from rollout.ports import Conflict
from rollout.state import DeployState
from store.drills import DrillRecord
from store.records import Message


def drill(n: int = 1, trainer: str = "UTRAIN", commander: str = "UBOB") -> DrillRecord:
    return DrillRecord(
        id=f"drill-{n}", deploy_id=f"dep-{n}", scenario="error-spike-canary", seed=7,
        speed=10.0, policy="advise", trainer=trainer, commander=commander, status="running",
        started_at=T0,
    )  # fmt: skip


def deploy(n: int = 1, service: str = "api") -> DeployState:
    return DeployState(
        id=f"dep-{n}",
        service=service,
        version="2.0",
        previous_version="1.9",
        commander="UBOB",
        drill=True,
    )


def test_a_drill_is_added_with_its_deploy_and_read_back(repo):
    repo.add_drill(drill(), deploy(), "#deploy-drills")
    assert repo.get_drill("drill-1") == drill()
    assert repo.get("dep-1").drill is True
    assert repo.drill_of_deploy("dep-1").id == "drill-1"
    assert repo.latest_drill_of_trainer("UTRAIN").id == "drill-1"
    assert [d.id for d in repo.running_drills()] == ["drill-1"]


def test_a_drill_never_blocks_a_real_deploy_of_the_same_service_and_several_run_at_once(repo):
    repo.add_drill(drill(1), deploy(1), "#deploy-drills")
    repo.add_drill(drill(2), deploy(2), "#deploy-drills")
    repo.add(DeployState("real", "api", "3.0", "2.0", "UA"), T0)
    with pytest.raises(Conflict):
        repo.add(DeployState("real2", "api", "3.1", "2.0", "UA"), T0)
    assert [d.id for d in repo.drills_in_progress()] == ["drill-1", "drill-2"]


def test_inputs_queue_in_order_and_a_step_saves_state_and_progress_together(repo):
    repo.add_drill(drill(), deploy(), "#deploy-drills")
    repo.add_drill_input("drill-1", "decision", {"kind": "rollback"}, T0)
    repo.add_drill_input("drill-1", "injection", {"kind": "error_rate"}, T0)
    inputs = repo.drill_inputs("drill-1", after=0)
    assert [i.kind for i in inputs] == ["decision", "injection"]
    state, version = repo.load("dep-1")
    after = state.evolve(status="running")
    audit = Audit(actor="UBOB", kind="start", from_status="created",
                  to_status="running", stage=0, reason="go")  # fmt: skip
    progress = {"applied_s": 12.5, "inputs_taken": inputs[0].id, "decisions": [{"a": 1}]}
    message = Message("post", "DRILL hello", in_thread=True)
    repo.save_drill_step("drill-1", progress, (after, version, [audit], [message]), T0)
    stored = repo.get_drill("drill-1")
    assert (stored.applied_s, stored.inputs_taken, stored.decisions) == (
        12.5,
        inputs[0].id,
        [{"a": 1}],
    )
    assert repo.get("dep-1").status == "running"
    assert [m.message.text for m in repo.pending_messages("dep-1")] == ["DRILL hello"]
    assert [i.kind for i in repo.drill_inputs("drill-1", after=inputs[0].id)] == ["injection"]
    with pytest.raises(Conflict):  # the same version again loses the compare-and-set
        repo.save_drill_step("drill-1", {"applied_s": 99.0}, (after, version, [], []), T0)
    assert repo.get_drill("drill-1").applied_s == 12.5


def test_pause_freezes_drill_time_and_finish_stores_the_scorecard_in_history(repo):
    repo.add_drill(drill(), deploy(), "#deploy-drills")
    record = repo.get_drill("drill-1")
    assert record.now_s(T0 + timedelta(seconds=3)) == 30.0
    repo.set_drill("drill-1", status="paused", paused_at=T0 + timedelta(seconds=3))
    paused = repo.get_drill("drill-1")
    assert paused.now_s(T0 + timedelta(seconds=60)) == 30.0
    repo.set_drill("drill-1", status="running", paused_at=None, paused_total_s=57.0)
    assert repo.get_drill("drill-1").now_s(T0 + timedelta(seconds=62)) == 50.0
    assert repo.running_drills() and not repo.drill_history()
    card = {"verdict": "Faster than the team policy."}
    repo.set_drill("drill-1", status="ended", scorecard=card, ended_at=T0, end_reason="end")
    assert not repo.running_drills()
    assert [d.scorecard for d in repo.drill_history("UBOB")] == [card]
    assert repo.drill_history("USOMEONE") == []


def test_drills_are_never_reconciled_nor_active_and_never_supersede_a_real_deploy(repo):
    repo.add(DeployState("real", "api", "3.0", "2.0", "UA"), T0)
    later = dataclasses.replace(drill(1), started_at=T0 + timedelta(minutes=1))
    repo.add_drill(later, deploy(1), "#deploy-drills")  # a later drill of the same service
    assert [d.id for d, _ in repo.to_reconcile()] == ["real"]
    assert [d.id for d in repo.active()] == ["real"]
    assert repo.latest_for("api").id == "real"


def test_the_question_counts_as_shown_once_slack_took_every_post_but_uploads(repo):
    repo.add_drill(drill(), deploy(), "#deploy-drills")
    state, version = repo.load("dep-1")
    question = Message("post", "DRILL Confirm to go on", in_thread=True)
    chart = Message("upload", "DRILL chart", [{"filename": "c.png", "content_b64": ""}])
    repo.save_drill_step("drill-1", {}, (state, version, [], [question, chart]), T0)
    assert repo.question_sent_at("dep-1") is None  # the question still waits
    (post, upload) = repo.pending_messages("dep-1")
    repo.mark_sent(post.id, "C1", "1.1", T0 + timedelta(seconds=2))
    assert repo.question_sent_at("dep-1") == T0 + timedelta(seconds=2)  # the chart may wait
    assert upload.message.kind == "upload"
