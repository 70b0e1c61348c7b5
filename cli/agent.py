"""The `commander agent` command: pull builds on this host as etcd's desired state changes."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from rollout.errors import ConfigError


def register(cli: typer.Typer) -> None:
    """Add the agent command to the CLI."""
    cli.command("agent")(agent)


def agent(
    config: Annotated[Path, typer.Argument(help="The agent's TOML file (see the README)")],
    host: Annotated[
        str | None, typer.Option(help="Report as this host \\[default: hostname]")
    ] = None,
) -> None:
    """Run on each host: watch the service's desired state in etcd, fetch, drain, switch."""
    from agent.host import Agent, AgentSettings, Stopped
    from rollout.parsing import parse_toml

    if host is not None and (not host.strip() or any(c.isspace() for c in host)):
        raise ConfigError(f'--host: expected a host name such as web-1, got "{host}"')

    try:
        text = config.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{config}: cannot read it: {exc.strerror}") from None
    settings = parse_toml(text, str(config), AgentSettings, set())
    if host is not None:
        settings = settings.model_copy(update={"host": host})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per etcd request
    stop = threading.Event()

    def leave(*_: object) -> None:
        if not stop.is_set():  # the first signal interrupts whatever blocks; later ones wait
            stop.set()
            raise Stopped

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)
    Agent(settings, stop).run()
