"""The `commander` command line: the one composition root.

Each command group lives in its own module with a `register(cli)` function, imported only
when the CLI is built, so importing any package here does nothing.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType
from typing import Any, NoReturn

import typer
import typer.core
from rich.console import Console
from rich.markup import escape

from rollout.errors import CommanderError

GROUPS = (
    "cli.config",
    "cli.sim",
    "cli.db",
    "cli.serve",
    "cli.shell",
    "cli.agent",
    "cli.dora",
    "cli.drill",
)

HELP = """Deploy Commander: run deploys from Slack, and rehearse rollback policies first.

Start with `commander config check` to read your team config, then
`commander sim validate` to rehearse its policy over the scenario library."""


def build_cli() -> typer.Typer:
    """Build the Typer app with every command group registered."""
    cli = typer.Typer(
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )
    for name in GROUPS:
        importlib.import_module(name).register(cli)
    return cli


def main() -> None:
    """Entry point: a user error becomes one red line and exit code 2, never a traceback."""
    errors = click_exceptions()
    no_args: Any = getattr(errors, "NoArgsIsHelpError", ())  # click >= 8.2 only
    try:
        code = build_cli()(prog_name="commander", standalone_mode=False)
    except no_args as exc:
        exc.show()  # the group's help, as if --help had been given
        sys.exit(0)
    except errors.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "commander"
        fail(f"{exc.format_message()} (see `{where} --help`)")
    except errors.ClickException as exc:
        fail(exc.format_message())
    except CommanderError as exc:
        fail(str(exc))
    except BrokenPipeError:
        reader_left()
    except SystemExit as exc:
        if isinstance(exc.__context__, BrokenPipeError):  # Rich gives up on a closed stdout
            reader_left()
        raise
    sys.exit(code if isinstance(code, int) else 0)


def click_exceptions() -> ModuleType:
    """The exceptions of the click Typer runs on: vendored in newer Typer, the package before."""
    vendored: ModuleType | None = getattr(typer.core, "_click", None)
    errors: ModuleType = (vendored or importlib.import_module("click")).exceptions
    return errors


def fail(message: str) -> NoReturn:
    """Print one red line on stderr and exit with code 2."""
    Console(stderr=True).print(
        f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True
    )
    sys.exit(2)


def reader_left() -> NoReturn:
    """The reader of our output went away (`| head`): that is not an error, so exit 0 quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # Python's final flush must not fail again
    sys.exit(0)
