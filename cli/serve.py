"""The `commander serve` command: run the Slack bot over HTTP or Socket Mode."""

from __future__ import annotations

import gc
import logging
import socket as sockets
import sys
import threading
from typing import TYPE_CHECKING

import typer

from bot.settings import ENVIRONMENT_HELP, SEE_HELP, Settings, load_settings
from rollout.errors import CommanderError, ConfigError

if TYPE_CHECKING:
    from slack_bolt import App
    from starlette.applications import Starlette

SERVE_HELP = (
    "Run the Slack bot: HTTP on --host/--port (POST /slack/events, GET /healthz), "
    "or Socket Mode with --socket.\n\n" + ENVIRONMENT_HELP.replace(";\n", ";\n\n")
)
SLACK_API = "https://slack.com/api/"


def register(cli: typer.Typer) -> None:
    """Add the serve command to the CLI."""

    @cli.command("serve", help=SERVE_HELP)
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on (HTTP mode)"),
        port: int = typer.Option(3000, min=0, max=65535, help="Port to listen on (HTTP mode)"),
        socket: bool = typer.Option(False, "--socket", help="Use Socket Mode (SLACK_APP_TOKEN)"),
    ) -> None:
        settings = load_settings(socket=socket)
        run(settings, host=host, port=port, socket=socket)


def run(settings: Settings, *, host: str, port: int, socket: bool) -> None:
    """Migrate the database, wire the services, start the worker and serve until stopped."""
    from bot.app import build_app, build_http_app
    from bot.config_checks import load_config
    from bot.services import build_services
    from store.db import check_url, make_engine, upgrade
    from store.repository import Repository

    check_url(settings.database_url)
    load_config(settings.config_path)  # a bad config fails here, before any log line
    listener = None if socket else listen(host, port)
    if socket:
        reach_slack(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    upgrade(settings.database_url)
    repo = Repository(make_engine(settings.database_url))
    services = build_services(settings, repo)
    app = build_app(settings, services)
    settle_heap()
    services.worker.start()
    try:
        if listener is None:
            serve_socket_mode(app, settings)
        else:
            serve_http(build_http_app(app), listener)
    finally:
        services.worker.stop()


def settle_heap() -> None:
    """Tune the process for short acks among busy threads.

    A full collection would otherwise scan the ~100,000 objects the libraries leave at start,
    pausing every request in flight for tens of milliseconds; and with the default 5 ms GIL
    switch interval an ack waits behind the worker and command threads (both seen as the
    acks' p99 in bench/bot.py: 87-117 ms before, 36-41 ms after).
    """
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(0.001)  # hand the GIL over sooner, so a waiting ack is not queued


def listen(host: str, port: int) -> sockets.socket:
    """A listening TCP socket, bound before anything else starts so a busy port is one line."""
    family = sockets.AF_INET6 if ":" in host else sockets.AF_INET
    listener = sockets.socket(family, sockets.SOCK_STREAM)
    listener.setsockopt(sockets.SOL_SOCKET, sockets.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise CommanderError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    listener.listen(2048)
    return listener


def serve_http(asgi_app: Starlette, listener: sockets.socket) -> None:
    """Serve the ASGI app on the bound socket with uvicorn, saying where first."""
    import uvicorn

    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"listening on http://{shown}:{port}/slack/events", flush=True)
    config = uvicorn.Config(asgi_app, log_level="warning")
    uvicorn.Server(config).run(sockets=[listener])


def reach_slack(settings: Settings) -> None:
    """Fail in one line, before anything starts, when the Slack Web API cannot be reached."""
    import httpx

    base = settings.api_url or SLACK_API
    try:
        reply = httpx.post(
            base + "auth.test",
            headers={"Authorization": f"Bearer {settings.bot_token.get_secret_value()}"},
            timeout=10,
        )
    except httpx.HTTPError as exc:
        raise CommanderError(f"cannot reach Slack at {base}: {exc}") from None
    if reply.status_code != 200:
        raise CommanderError(f"cannot reach Slack at {base}: HTTP {reply.status_code}")
    if not reply.json().get("ok"):
        error = reply.json().get("error", "no reason given")
        raise CommanderError(f"Slack refused SLACK_BOT_TOKEN: {error}")


def serve_socket_mode(app: App, settings: Settings) -> None:
    """Connect to Slack in Socket Mode, say so, and serve until stopped."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    if settings.app_token is None:  # load_settings(socket=True) requires it
        raise ConfigError(f"missing environment variables: SLACK_APP_TOKEN {SEE_HELP}")
    handler = SocketModeHandler(app, settings.app_token.get_secret_value())
    try:
        handler.connect()
    except (OSError, SlackApiError) as exc:
        raise CommanderError(f"cannot connect to Slack in Socket Mode: {exc}") from None
    print("connected to Slack in Socket Mode", flush=True)
    threading.Event().wait()
