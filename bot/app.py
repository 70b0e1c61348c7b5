"""The Bolt app and its HTTP front door, built by factories (nothing at import time)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette import SlackRequestHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.listeners import actions, commands, events, home, modals
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger("commander.app")


class _TokenUnusedFilter(logging.Filter):
    """Drop Bolt's "`token` will be unused" warning: we pass no token, Bolt reads the env."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_TOKEN_UNUSED = _TokenUnusedFilter()


def build_app(settings: Settings, services: Services) -> App:
    """The Bolt app with every listener registered; Bolt checks signatures and timestamps."""
    # Bolt falls back to SLACK_BOT_TOKEN whenever no token is passed, then warns that it is
    # unused beside our client (which already carries it): a false alarm on every start.
    logging.getLogger("slack_bolt.App").addFilter(_TOKEN_UNUSED)
    app = App(
        signing_secret=settings.signing_secret.get_secret_value(),
        client=services.client,
        token_verification_enabled=False,  # auth.test runs on the first request instead
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="bolt"),
    )
    app.error(_log_error)
    for listeners in (commands, actions, events, home, modals):
        listeners.register(app, services)
    return app


def _log_error(error: Exception, body: dict[str, Any]) -> None:
    """The one handler for unexpected errors: log them with what Slack sent's kind."""
    log.error("unhandled error in a %s request", body.get("type", "slash command"), exc_info=error)


class ThreadedRequestHandler(SlackRequestHandler):
    """Bolt's Starlette handler, dispatching off the event loop so requests run in parallel."""

    async def handle(
        self, req: Request, addition_context_properties: dict[str, Any] | None = None
    ) -> Response:
        body = await req.body()
        bolt_request = to_bolt_request(req, body, addition_context_properties)
        return to_starlette_response(await run_in_threadpool(self.app.dispatch, bolt_request))


def build_http_app(app: App) -> Starlette:
    """POST /slack/events for commands, interactivity and events; GET /healthz for probes."""
    handler = ThreadedRequestHandler(app)

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
