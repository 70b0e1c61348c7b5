"""The rotation roster from a Slack user group, cached briefly (usergroups.users.list)."""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient


class UsergroupRoster:
    """Members of a Slack user group, in the order Slack lists them, re-read every `ttl` s."""

    def __init__(self, client: WebClient, usergroup: str, ttl: float = 300.0) -> None:
        self.client = client
        self.usergroup = usergroup
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, tuple[str, ...]] | None = None

    def __call__(self) -> tuple[str, ...]:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > self.ttl:
                users = self.client.usergroups_users_list(usergroup=self.usergroup)["users"]
                self._cached = (time.monotonic(), tuple(users))
            return self._cached[1]
