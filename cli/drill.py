"""The `commander drill` commands: a stored drill's decisions as JSON, and its scorecard
recomputed from the store (a drill is data: scenario, seed, policy, decisions, injections)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.db import UrlOption, _reaching
from rollout.errors import CommanderError

if TYPE_CHECKING:
    from rollout.config import TeamConfig
    from sim.drill import DrillPolicy
    from sim.scorecard import Scorecard
    from store.drills import DrillRecord

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Team config \\[default: $COMMANDER_CONFIG, else commander.toml]"
    ),
]
ScenariosOpt = Annotated[
    Path | None,
    typer.Option(
        "--scenarios",
        help="Scenario folder \\[default: $COMMANDER_SCENARIOS, else scenarios/ by the config]",
    ),
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout")]


def register(cli: typer.Typer) -> None:
    """Add the drill commands to the CLI."""
    drill = typer.Typer(help="Stored drills: export and replay.", no_args_is_help=True)
    drill.command("export")(export_command)
    drill.command("replay")(replay_command)
    cli.add_typer(drill, name="drill")


def export_command(
    drill_id: Annotated[str, typer.Argument(help="The drill's id (drill-…)")],
    out: OutOpt = None,
    injections: Annotated[
        Path | None, typer.Option("--injections", help="Also write its injections (JSON) here")
    ] = None,
    url: UrlOption = None,
) -> None:
    """Write a drill's decisions as JSON (docs/reference/decisions.md) for `sim run`."""
    from rollout.decisions import dumps
    from sim import injections as injections_format

    drill = stored_drill(drill_id, url)
    decisions, injected = drill_data(drill)
    write(dumps(decisions), out)
    if injections is not None:
        write(injections_format.dumps(injected), injections)


def replay_command(
    drill_id: Annotated[str, typer.Argument(help="The drill's id (drill-…)")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scorecard as JSON")] = False,
    config: ConfigOpt = None,
    scenarios: ScenariosOpt = None,
    url: UrlOption = None,
) -> None:
    """Recompute a drill's scorecard from the store (sim.drill.scorecard)."""
    from sim.drill import render_json

    drill = stored_drill(drill_id, url)
    card = recompute(drill, config, scenarios)
    if as_json:
        typer.echo(render_json(card), nl=False)
        return
    typer.echo(f"{drill.id}: {drill.scenario}, seed {drill.seed}, policy {drill.policy}")
    for figures in (card.trainee, *card.peers):
        typer.echo(
            f"  {figures.who:<14} {figures.outcome:<12} detect {_s(figures.time_to_detect_s):>7}"
            f"  mitigate {_s(figures.time_to_mitigate_s):>7}  bad requests {figures.bad_requests:,}"
        )
    for decision in card.decisions:
        typer.echo(f"  {decision.at_s:>8.1f}s {decision.kind} by {decision.user}")
    typer.echo(f"Verdict: {card.verdict}")
    stored = drill.scorecard
    if stored is not None and stored != card.to_json():
        raise CommanderError(f"{drill.id}: the recomputed scorecard differs from the stored one")


def _s(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.1f} s"


def recompute(drill: DrillRecord, config: Path | None, scenarios: Path | None) -> Scorecard:
    """The drill's scorecard from its stored data."""
    from bot.config_checks import load_config
    from bot.settings import config_path as configured
    from sim.drill import scorecard
    from sim.library import resolve_scenario

    config_path = configured(config)
    team: TeamConfig = load_config(config_path)
    folder = scenarios or Path(
        os.environ.get("COMMANDER_SCENARIOS", "").strip() or config_path.parent / "scenarios"
    )
    scenario = resolve_scenario(drill.scenario, team, folder)
    decisions, injections = drill_data(drill)
    policy: DrillPolicy = "team" if drill.policy == "team" else "advise"
    return scorecard(scenario, team, drill.seed, policy, decisions, injections)


def stored_drill(drill_id: str, url: str | None) -> DrillRecord:
    """The drill from the store at `url` (or $DATABASE_URL)."""
    from store import db
    from store.repository import Repository

    target = db.check_existing(url or db.default_url())
    return _reaching(target, lambda: Repository(db.make_engine(target)).get_drill(drill_id))


def drill_data(drill: DrillRecord) -> tuple[list, list]:  # type: ignore[type-arg]
    """The drill's decisions and injections as the core and the sim read them."""
    from rollout.decisions import Decision
    from sim.drill import Injection

    decisions = [Decision.model_validate(d) for d in drill.decisions]
    injections = [
        Injection.from_json(d, f"{drill.id} injection {n}") for n, d in enumerate(drill.injections)
    ]
    return decisions, injections


def write(text: str, path: Path | None) -> None:
    """Text to a file, or to stdout."""
    if path is None:
        typer.echo(text, nl=False)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommanderError(f"{path}: cannot write: {exc.strerror}") from None
