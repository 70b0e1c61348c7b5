"""What the listeners read from Slack's payloads."""

import pytest

from bot.listeners.actions import where
from bot.listeners.events import command_word


@pytest.mark.parametrize(
    ("text", "word"),
    [("confirm", "confirm"), ("Go!", "go"), ("<@U0BOT> hold", "hold"), (" ROLLBACK ", "rollback")],
)
def test_typed_thread_commands_are_recognised(text, word):
    assert command_word(text) == word


@pytest.mark.parametrize("text", ["go team", "confirmed?", "", "let's hold off"])
def test_chatter_in_the_thread_is_not_a_command(text):
    assert command_word(text) is None


def test_a_click_is_answered_in_the_thread_it_came_from():
    body = {"channel": {"id": "CDEPLOYS"}, "message": {"ts": "2.0", "thread_ts": "1.0"}}
    assert where(body) == ("CDEPLOYS", "1.0")
