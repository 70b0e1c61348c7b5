"""A fake Slack Web API for end-to-end tests and benchmarks: see bot.shell.webapi.FakeSlack.

The fake lives in the package (`commander shell` runs the bot against it); this module keeps
the names tests and benches import.
"""

from bot.shell.calllog import Call, CallLog, block_texts
from bot.shell.webapi import FakeSlack
from bot.shell.workspace import BOT_ID, BOT_USER_ID, TEAM_ID, Message, channel_id

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
