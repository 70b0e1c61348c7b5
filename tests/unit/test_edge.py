"""The Slack edge: escapes untrusted text, makes the bot's mentions, fits Block Kit's limits."""

from __future__ import annotations

from bot.blocks import kit
from bot.edge import outgoing
from bot.edge.fit import MESSAGE, VIEW, fit_blocks, fit_view
from bot.edge.text import cut, for_mrkdwn, for_plain, link, top_text
from bot.shell.limits import block_problems, escaping_problems, refusal

EVIL = "<!channel> urgent & <https://evil.example/login|log in here>"


def test_user_text_is_escaped_so_it_cannot_mention_a_channel_or_plant_a_link() -> None:
    shown = for_mrkdwn(f"Frozen by @UBOB: {EVIL}")
    assert shown == (
        "Frozen by <@UBOB>: &lt;!channel&gt; urgent &amp; "
        "&lt;https://evil.example/login|log in here&gt;"
    )
    assert escaping_problems(shown) == []


def test_mentions_typed_by_a_person_stay_mentions_and_emails_stay_text() -> None:
    assert for_mrkdwn("cc <@U0BOB|bob> and ops@example.com") == "cc <@U0BOB> and ops@example.com"
    assert for_plain("cc <@U0BOB>") == "cc @U0BOB"


def test_only_the_bots_own_links_to_slack_messages_become_links() -> None:
    ours = link("https://slack.com/archives/C1/p1?thread_ts=1.2&cid=C1", "api 1.0")
    assert for_mrkdwn(f"Train: {ours}") == (
        "Train: <https://slack.com/archives/C1/p1?thread_ts=1.2&amp;cid=C1|api 1.0>"
    )
    planted = link("https://evil.example/", "log in")  # not a Slack permalink: stays text
    assert "<https://evil" not in for_mrkdwn(planted)


def test_a_cut_says_so_and_where_the_rest_is_without_splitting_an_entity() -> None:
    text = for_mrkdwn("x" * 2990 + " & <@U1> " + "y" * 50)
    shown = cut(text, 3000, "`/deploy status api-1`")
    assert len(shown) <= 3000 and shown.endswith("… (cut: see `/deploy status api-1`)")
    assert "&am…" not in shown and not shown.split("…")[0].endswith("&")
    assert cut("short", 10, "x") == "short"


def test_a_cut_never_leaves_half_of_a_user_id_that_reads_as_another_user() -> None:
    shown = cut("x" * 20 + " @U0EVIL200a: more words", 30)
    assert shown == "x" * 20 + " …"  # not "… @U0EVI…", which reads as user U0EVI


def test_top_level_text_is_never_empty_and_at_most_40000_characters() -> None:
    assert top_text("", fallback="") == "(no text)"
    assert len(top_text("a" * 50_000)) == 40_000


def test_thirty_buttons_become_two_actions_blocks_of_at_most_25() -> None:
    buttons = [kit.button(f"Turn off flag-{i}", f"kill_switch:flag-{i}", "{}") for i in range(30)]
    fitted = fit_blocks([kit.section("Turn one off"), kit.actions(buttons, block_id="kill")])
    sizes = [len(b["elements"]) for b in fitted if b["type"] == "actions"]
    assert sizes == [25, 5]
    assert [b.get("block_id") for b in fitted] == [None, "kill", "kill-2"]
    assert block_problems(fitted, 50) == []


def test_every_text_limit_is_fitted() -> None:
    long = "w" * 5000
    blocks = [
        kit.header(long),
        kit.section(long, fields=[long] * 12, block_id="b" * 300),
        kit.context(*([long] * 12)),
        kit.actions([kit.button(long, "a" * 300, "v" * 3000)]),
        kit.section(""),
    ]
    fitted = fit_blocks(blocks)
    assert len(fitted[0]["text"]["text"]) == 150
    assert len(fitted[1]["text"]["text"]) <= 3000 and len(fitted[1]["fields"]) == 10
    assert all(len(f["text"]) <= 2000 for f in fitted[1]["fields"])
    assert len(fitted[2]["elements"]) == 10
    assert len(fitted[3]["elements"][0]["text"]["text"]) == 75
    assert fitted[4]["text"]["text"] == "—"  # never an empty text object
    assert block_problems(fitted, 50) == []


def test_past_fifty_blocks_a_message_says_and_n_more() -> None:
    fitted = fit_blocks([kit.section(f"line {i}") for i in range(80)], MESSAGE)
    assert len(fitted) == 50
    assert "…and 31 more" in fitted[-1]["elements"][0]["text"]
    home = fit_view({"type": "home", "blocks": [kit.section("x")] * 150}, VIEW)
    assert len(home["blocks"]) == 100 and "51 more" in home["blocks"][-1]["elements"][0]["text"]


def test_a_modal_title_fits_24_characters() -> None:
    view = outgoing.view({"type": "modal", "title": kit.plain("R" * 40), "blocks": []})
    assert len(view["title"]["text"]) == 24


def test_the_fake_refuses_what_slack_refuses() -> None:
    too_many = [kit.actions([kit.button("b", f"a{i}", "{}") for i in range(30)])]
    assert refusal("chat.postMessage", {"text": "t", "blocks": too_many})[0] == "invalid_blocks"
    assert refusal("chat.postMessage", {"text": "t" * 40_001})[0] == "msg_too_long"
    assert refusal("chat.postEphemeral", {"text": EVIL})[0] == "fake_unescaped_text"
    assert refusal("chat.postMessage", {"text": "", "blocks": []})[0] == "no_text"
    text, blocks = outgoing.message(EVIL, too_many)
    assert refusal("chat.postMessage", {"text": text, "blocks": blocks}) is None
