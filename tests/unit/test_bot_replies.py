"""Replies to /deploy status and history say each thing once, and only what is true."""

from datetime import UTC, datetime

from bot.blocks.replies import history_text, status_text
from rollout.config import TeamConfig
from rollout.state import DeployState, Exposure
from store.records import ReleaseRecord

CONFIG = TeamConfig()
NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
STATE = DeployState(
    id="api-1",
    service="api",
    version="1.0.0",
    previous_version=None,
    commander="UALICE",
    status="running",
    phase="baking",
    stage_index=3,
    exposure=Exposure(100, 2),
)


def release(version: str, outcome: str, safe: bool) -> ReleaseRecord:
    return ReleaseRecord("api", version, NOW, outcome, safe, "UALICE", f"api-{version}")


def test_status_names_the_deploy_once_then_where_it_stands():
    text = status_text([STATE], CONFIG, NOW, None)
    line = text.splitlines()[1]
    assert line.count("api 1.0.0") == 1
    assert line.startswith("• *api 1.0.0*: stage canary (baking), ")
    assert line.endswith("Commander @UALICE")


def test_history_says_rolled_back_not_rollback_safe_for_a_rolled_back_release():
    text = history_text("api", [release("1.0.1", "rolled_back", False)], UTC)
    assert "• 1.0.1: rolled back, @UALICE" in text
    assert "rollback-safe" not in text


def test_history_marks_only_completed_releases_that_are_not_rollback_safe():
    text = history_text(
        "api", [release("1.0.2", "completed", False), release("1.0.1", "completed", True)], UTC
    )
    assert "• 1.0.2: completed (not rollback-safe)," in text
    assert "• 1.0.1: completed, @UALICE" in text
