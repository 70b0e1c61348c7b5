"""A fake Slack Web API for end-to-end tests and benchmarks: see server.FakeSlack."""

from tests.slackfake.recorder import Call, CallLog, block_texts
from tests.slackfake.server import FakeSlack
from tests.slackfake.workspace import BOT_ID, BOT_USER_ID, TEAM_ID, Message, channel_id

__all__ = [
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_ID",
    "Call",
    "CallLog",
    "FakeSlack",
    "Message",
    "block_texts",
    "channel_id",
]
