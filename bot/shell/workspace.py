"""The fake workspace's state and its answers to Web API methods, shaped like Slack's."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0TEST001"
BOT_USER_ID = "U0BOT0001"
BOT_ID = "B0BOT0001"
# One Web API method: the call's params in, Slack's JSON body out.
Handler = Callable[[dict[str, Any]], dict[str, Any]]


def channel_id(channel: str) -> str:
    """A channel's id: "#deploys" and "deploys" become "CDEPLOYS"; ids pass through."""
    if re.fullmatch(r"[CGD][A-Z0-9]+", channel):
        return channel
    return "C" + re.sub(r"[^A-Z0-9]", "", channel.lstrip("#").upper())


@dataclass
class Message:
    """A message as it stands in a channel, after any chat.update."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    scheduled: bool = False
    history: list[str] = field(default_factory=list)  # texts it had before updates


class Workspace:
    """Channels, users and uploads of one fake Slack workspace."""

    def __init__(self, users: dict[str, dict[str, Any]] | None = None) -> None:
        self.users = users or {}
        self.channel_members: dict[str, list[str]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.messages: list[Message] = []
        self.uploads: dict[str, bytes] = {}
        self.views: dict[str, dict[str, Any]] = {}  # user id -> last published App Home view
        self.modals: dict[str, dict[str, Any]] = {}  # trigger_id -> the modal views.open showed
        self.base_url = ""
        self.socket_url: Callable[[], str] | None = None  # set by socket_mode.SocketModeFake
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def next_ts(self) -> str:
        """A unique message ts in Slack's "seconds.micro" form, increasing."""
        return f"{int(time.time())}.{next(self._seq):06d}"

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The JSON body Slack would answer for a method call."""
        handler = self._methods().get(method, self._unknown)
        with self._lock:
            return {"ok": True, **handler(params)}

    def _methods(self) -> dict[str, Handler]:
        """The Web API methods this workspace answers, by Slack's method name."""
        return {
            "chat.postMessage": self._chat_postMessage,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_postEphemeral,
            "chat.scheduleMessage": self._chat_scheduleMessage,
            "chat.getPermalink": self._chat_getPermalink,
            "chat.delete": self._chat_delete,
            "chat.deleteScheduledMessage": self._chat_deleteScheduledMessage,
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.open": self._conversations_open,
            "usergroups.users.list": self._usergroups_users_list,
            "reactions.add": self._reactions_add,
            "apps.connections.open": self._apps_connections_open,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "files.getUploadURLExternal": self._files_getUploadURLExternal,
            "files.completeUploadExternal": self._files_completeUploadExternal,
        }

    def post(
        self, channel: str, text: str, blocks: Any, thread_ts: str | None, scheduled: bool = False
    ) -> Message:
        """Store a message in a channel and return it."""
        message = Message(
            channel_id(channel),
            self.next_ts(),
            text or "",
            blocks if isinstance(blocks, list) else [],
            thread_ts,
            scheduled,
        )
        self.messages.append(message)
        return message

    # --- chat ---------------------------------------------------------------------------

    def _chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not p.get("text") and not p.get("blocks"):
            return {"ok": False, "error": "no_text"}
        m = self.post(p["channel"], p.get("text", ""), p.get("blocks"), p.get("thread_ts"))
        message = {
            "type": "message",
            "text": m.text,
            "blocks": m.blocks,
            "ts": m.ts,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "team": TEAM_ID,
        }
        if m.thread_ts:
            message["thread_ts"] = m.thread_ts
        return {"channel": m.channel, "ts": m.ts, "message": message}

    def _chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        found = self._find(p.get("channel", ""), p.get("ts", ""))
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        found.history.append(found.text)
        found.text = p.get("text", found.text) or found.text
        if isinstance(p.get("blocks"), list):
            found.blocks = p["blocks"]
        return {
            "channel": found.channel,
            "ts": found.ts,
            "text": found.text,
            "message": {"text": found.text, "blocks": found.blocks, "bot_id": BOT_ID},
        }

    def _chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("channel") or not p.get("user"):
            return {
                "ok": False,
                "error": "channel_not_found" if not p.get("channel") else "user_not_in_channel",
            }
        return {"message_ts": self.next_ts()}

    def _chat_scheduleMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        post_at = int(float(p.get("post_at", 0)))
        if post_at <= time.time() - 1:
            return {"ok": False, "error": "time_in_past"}
        return {
            "channel": channel_id(p.get("channel", "")),
            "post_at": post_at,
            "scheduled_message_id": f"Q{next(self._seq):08d}",
            "message": {"text": p.get("text", ""), "bot_id": BOT_ID},
        }

    def _chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        ts = str(p.get("message_ts", "")).replace(".", "")
        return {
            "channel": p.get("channel"),
            "permalink": f"{self.base_url}archives/{p.get('channel')}/p{ts}",
        }

    def _chat_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"channel": p.get("channel"), "ts": p.get("ts")}

    def _chat_deleteScheduledMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        return {}

    # --- people, channels, apps -----------------------------------------------------------

    def _auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake.slack.test/",
            "team": "Fake",
            "user": "commander",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    def _users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = p.get("user", "")
        profile = self.users.get(user_id, {})
        name = profile.get("name", user_id.lower())
        return {
            "user": {
                "id": user_id,
                "team_id": TEAM_ID,
                "name": name,
                "real_name": profile.get("real_name", name),
                "tz": "UTC",
                "is_admin": profile.get("is_admin", False),
                "is_bot": False,
                "profile": {"display_name": name, "real_name": profile.get("real_name", name)},
            }
        }

    def _conversations_members(self, p: dict[str, Any]) -> dict[str, Any]:
        members = self.channel_members.get(channel_id(p.get("channel", "")), list(self.users))
        return {"members": members, "response_metadata": {"next_cursor": ""}}

    def _conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        cid = channel_id(p.get("channel", ""))
        return {"channel": {"id": cid, "name": cid[1:].lower(), "is_channel": True}}

    def _conversations_join(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._conversations_info(p)

    def _conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": "D" + str(p.get("users", "X")).split(",")[0].lstrip("U")}}

    def _usergroups_users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"users": self.usergroups.get(p.get("usergroup", ""), [])}

    def _reactions_add(self, p: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        if self.socket_url is None:  # no SocketModeFake started for this fake
            return {"ok": False, "error": "socket_mode_not_enabled"}
        return {"url": self.socket_url()}

    def _views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = p["view"] if isinstance(p.get("view"), dict) else {}
        self.views[p.get("user_id", "")] = view
        return {"view": {"id": f"V{next(self._seq):08d}", "type": "home", **view}}

    def _views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view: dict[str, Any] = p["view"] if isinstance(p.get("view"), dict) else {}
        opened = {"id": f"V{next(self._seq):08d}", "type": "modal", **view}
        self.modals[str(p["trigger_id"])] = opened
        return {"view": opened}

    # --- files --------------------------------------------------------------------------

    def _files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._seq):08d}"
        return {"upload_url": f"{self.base_url}upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        files: list[Any] = p["files"] if isinstance(p.get("files"), list) else []
        done = [
            {
                "id": f.get("id"),
                "title": f.get("title", ""),
                "url_private": f"{self.base_url}files/{f.get('id')}",
            }
            for f in files
        ]
        if p.get("channel_id"):
            self.post(p["channel_id"], p.get("initial_comment", ""), [], p.get("thread_ts"))
        return {"files": done}

    def _unknown(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"warning": "method_not_faked"}

    def _find(self, channel: str, ts: str) -> Message | None:
        cid = channel_id(channel) if channel else ""
        return next((m for m in self.messages if m.ts == ts and m.channel == cid), None)
