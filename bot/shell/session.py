"""One shell session: the real services, Bolt app and worker against the in-memory Slack.

Every request is built and signed as Slack would send it and goes through `App.dispatch`, so
Bolt verifies the signature and timestamp exactly as it does behind `commander serve`.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.config_checks import load_config
from bot.services import Services
from bot.settings import Settings
from bot.shell.clock import SkippingClock
from bot.shell.feed import Button
from bot.shell.slackrequests import (
    app_home_opened,
    block_actions,
    message_event,
    signed_headers,
    slash_command,
    view_submission,
)
from bot.shell.webapi import FakeSlack
from bot.shell.workspace import channel_id
from rollout.config import TeamConfig
from rollout.errors import ConfigError

BOT_TOKEN = "xoxb-commander-shell"  # the in-memory Web API accepts any token


class Session:
    """Start with start(), send requests as people, close() when done."""

    def __init__(
        self,
        config_path: Path,
        database_url: str | None = None,
        tick: float = 0.25,
        at: datetime | None = None,
    ) -> None:
        self.config: TeamConfig = load_config(config_path)  # a bad config fails first
        self.config_path = config_path
        self.fake = FakeSlack(users={u: {"name": u.lower()} for u in self.people})
        self._database_url = database_url
        self._tick = tick
        self.clock = SkippingClock(at)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.settings: Settings | None = None
        self.services: Services | None = None
        self.app: App | None = None

    @property
    def people(self) -> list[str]:
        """Everyone the config names: the roster, admins, then drill trainers."""
        trainers = [t for t in self.config.drills.trainers if t.startswith(("U", "W"))]
        named = [*self.config.rotation.roster, *self.config.team.admins, *trainers]
        return list(dict.fromkeys(named))

    @property
    def deploy_channel(self) -> str:
        """The deploy channel's id in the in-memory workspace, e.g. CDEPLOYS."""
        return channel_id(self.config.team.deploy_channel)

    def start(self) -> Session:
        """Migrate the database, start the Web API, wire the bot and start its worker."""
        from bot.app import build_app
        from bot.services import build_services
        from store.db import make_engine, upgrade
        from store.repository import Repository

        url = self._database_url or self._temporary_database()
        _migrate(url, upgrade)
        self.fake.start()
        self.settings = Settings(
            bot_token=BOT_TOKEN,
            signing_secret=secrets.token_hex(16),
            database_url=url,
            config_path=self.config_path,
            api_url=self.fake.api_url,
            post_interval=0.05,
            tick=self._tick,
        )
        self.services = build_services(self.settings, Repository(make_engine(url)))
        # Everything the bot decides reads deploys.clock or team.clock: `skip` moves both.
        self.services.deploys.clock = self.services.team.clock = self.clock
        self.app = build_app(self.settings, self.services)
        self.services.worker.start()
        return self

    def close(self) -> None:
        """Stop the worker, let queued posts finish, stop the Web API; drop a temporary database."""
        if self.services is not None:
            self.services.worker.stop()
            # Posts queued on an effects thread need the Web API up until they are sent;
            # posts the worker sends from an outbox stopped with the worker.
            queue = getattr(self.services.deploys, "run_later", None)
            drain = getattr(queue, "shutdown", None)
            if callable(drain):
                drain()
        self.fake.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def commander_now(self) -> str | None:
        """Who the rotation says commands now, if anyone."""
        assert self.services is not None, "start() the session first"
        deploys = self.services.deploys
        return deploys.commander_now(deploys.clock.now(), fallback="") or None

    # --- what people do -----------------------------------------------------------------

    def command(self, text: str, user: str) -> BoltResponse:
        """`/deploy <text>` typed in the deploy channel."""
        request = slash_command(
            text, user, channel=self.deploy_channel, response_url=self.fake.response_url()
        )
        return self.dispatch(request)

    def click(self, button: Button, user: str) -> BoltResponse:
        """A click on a button the bot rendered."""
        message: dict[str, Any] = {"ts": button.ts, "text": button.text, "blocks": button.blocks}
        if button.thread_ts:
            message["thread_ts"] = button.thread_ts
        request = block_actions(
            button.element,
            user,
            channel=button.channel,
            message=message,
            response_url=self.fake.response_url(),
        )
        return self.dispatch(request)

    def submit(self, view: dict[str, Any], user: str, reason: str) -> BoltResponse:
        """A modal's Submit (a `view_submission`), its reason input filled in."""
        return self.dispatch(view_submission(view, user, {"reason": reason}))

    def say(self, channel: str, thread_ts: str, text: str, user: str) -> BoltResponse:
        """A reply typed in a thread (a `message` event, as the Events API sends it)."""
        return self.dispatch(message_event(text, user, channel=channel, thread_ts=thread_ts))

    def open_home(self, user: str) -> BoltResponse:
        """The App Home tab opened (an `app_home_opened` event)."""
        return self.dispatch(app_home_opened(user))

    def dispatch(
        self, request: tuple[str, str], *, secret: str | None = None, timestamp: int | None = None
    ) -> BoltResponse:
        """Sign a (body, content type) request and hand it to Bolt; `secret` forges one."""
        assert self.app is not None and self.settings is not None, "start() the session first"
        body, content_type = request
        key = self.settings.signing_secret.get_secret_value() if secret is None else secret
        headers: dict[str, str | Sequence[str]] = {
            **signed_headers(key, body, content_type, timestamp=timestamp)
        }
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def _temporary_database(self) -> str:
        self._tmp = tempfile.TemporaryDirectory(prefix="commander-shell-")
        return f"sqlite:///{Path(self._tmp.name) / 'shell.db'}"


def _migrate(url: str, upgrade: Callable[[str], None]) -> None:
    """Bring the database up to date; a bad --database is one line naming what is wrong."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, OperationalError

    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        raise ConfigError(
            f'--database: "{url}" is not a database URL, e.g. sqlite:///commander.db'
        ) from None
    from store.db import check_url

    try:
        check_url(url)
    except ConfigError as exc:
        raise ConfigError(f"--database {exc}") from None
    try:
        upgrade(url)
    except ImportError as exc:
        raise ConfigError(f"--database {shown}: its driver is not installed ({exc.name})") from None
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise ConfigError(f"--database {shown}: cannot open it: {reason}") from None
