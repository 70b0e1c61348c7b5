"""Block Kit builders: the card and thread messages keep the contract the e2e tests read."""

import json

from bot.blocks.card import card, progress_line
from bot.blocks.replies import help_text
from bot.blocks.thread import held_message, stage_message, with_ticks
from bot.grammar.usage import USAGE
from rollout.config import TeamConfig
from rollout.state import DeployState, Exposure

CONFIG = TeamConfig()
STATE = DeployState(
    id="api-1",
    service="api",
    version="1.4.2",
    previous_version="1.4.1",
    commander="UALICE",
    status="running",
    phase="baking",
    stage_index=3,
    exposure=Exposure(100, 2),
)


def values(blocks, action_id):
    return [
        json.loads(e["value"])
        for b in blocks
        for e in [*b.get("elements", []), b.get("accessory") or {}]
        if e.get("action_id") == action_id
    ]


def test_card_text_names_service_version_status_and_stage():
    text, blocks = card(STATE, CONFIG)
    assert text == "api 1.4.2: running · canary"
    shown = json.dumps(blocks)
    assert "1.4.1" in shown and "@UALICE" in shown


def test_card_status_words_for_finished_deploys():
    text, _ = card(STATE.evolve(status="rolled_back", rollback_target="1.4.1"), CONFIG)
    assert "rolled back" in text


def test_progress_line_marks_past_current_and_coming_stages():
    line = progress_line(STATE, CONFIG)
    assert line.startswith("~release-branch~ :white_check_mark:")
    assert "*canary* :arrow_forward:" in line and line.endswith("100%")


def test_a_checklist_stage_has_a_tick_button_per_open_item_and_the_controls():
    state = STATE.evolve(stage_index=0, phase="checklist", checklist_done=frozenset({1}))
    _, blocks = stage_message(state, CONFIG, [])
    assert values(blocks, "tick") == [{"deploy": "api-1", "stage": 0, "item": 0}]
    assert any(b.get("text", {}).get("text", "").startswith("✓ ") for b in blocks)
    for action_id in ("confirm", "hold", "rollback"):
        assert values(blocks, action_id) == [{"deploy": "api-1", "stage": 0}]


def test_a_posted_checklist_is_redrawn_with_its_ticks_and_keeps_its_other_lines():
    fresh = STATE.evolve(stage_index=0, phase="checklist", checklist_done=frozenset())
    _, posted = stage_message(fresh, CONFIG, ["@U1 you command api 2.0."])
    redrawn = with_ticks(posted, fresh.evolve(checklist_done=frozenset({0})), CONFIG)
    assert redrawn[0] == posted[0]  # the head and the lines stay as posted
    assert values(redrawn, "tick") == [{"deploy": "api-1", "stage": 0, "item": 1}]
    assert len(redrawn) == len(posted)


def test_a_held_deploy_offers_resume_and_roll_back():
    _, blocks = held_message(STATE.evolve(status="held"), ["Held: smoke failed"])
    assert values(blocks, "resume") and values(blocks, "rollback") and not values(blocks, "confirm")


def test_help_lists_every_command_with_an_example():
    text = help_text()
    for form, example, _ in USAGE.values():
        assert form in text and example in text
