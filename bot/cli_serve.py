"""The `commander serve` command: run the Slack bot over HTTP or Socket Mode."""

from __future__ import annotations

import logging

import typer

from bot.settings import ENVIRONMENT_HELP, SEE_HELP, Settings, load_settings
from rollout.errors import ConfigError

SERVE_HELP = (
    "Run the Slack bot: HTTP on --host/--port (POST /slack/events, GET /healthz), "
    "or Socket Mode with --socket.\n\n" + ENVIRONMENT_HELP.replace(";\n", ";\n\n")
)


def register(cli: typer.Typer) -> None:
    """Add the serve command to the CLI."""

    @cli.command("serve", help=SERVE_HELP)
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on (HTTP mode)"),
        port: int = typer.Option(3000, help="Port to listen on (HTTP mode)"),
        socket: bool = typer.Option(False, "--socket", help="Use Socket Mode (SLACK_APP_TOKEN)"),
    ) -> None:
        settings = load_settings(socket=socket)
        run(settings, host=host, port=port, socket=socket)


def run(settings: Settings, *, host: str, port: int, socket: bool) -> None:
    """Migrate the database, wire the services, start the worker and serve until stopped."""
    from bot.app import build_app, build_http_app
    from bot.services import build_services
    from store.db import make_engine, upgrade
    from store.repository import Repository

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    upgrade(settings.database_url)
    repo = Repository(make_engine(settings.database_url))
    services = build_services(settings, repo)
    app = build_app(settings, services)
    services.worker.start()
    try:
        if socket:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            if settings.app_token is None:
                raise ConfigError(f"missing environment variables: SLACK_APP_TOKEN {SEE_HELP}")
            SocketModeHandler(app, settings.app_token.get_secret_value()).start()
        else:
            import uvicorn

            uvicorn.run(build_http_app(app), host=host, port=port, log_level="warning")
    finally:
        services.worker.stop()
