"""The `commander drill` commands: a stored drill's decisions as JSON, and its scorecard
recomputed from the store (a drill is data: scenario, seed, policy, decisions, injections)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

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
T = TypeVar("T")
OutOpt = Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout")]


def register(cli: typer.Typer) -> None:
    """Add the drill commands to the CLI."""
    drill = typer.Typer(
        help="Stored drills: export, replay, report, and scenarios from real deploys.",
        no_args_is_help=True,
    )
    drill.command("export")(export_command)
    drill.command("replay")(replay_command)
    drill.command("report")(report_command)
    drill.command("from-deploy")(from_deploy_command)
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
    card = recompute(drill, config, scenarios, url)
    if as_json:
        typer.echo(render_json(card), nl=False)
        return
    typer.echo(f"{drill.id}: {drill.scenario}, seed {drill.seed}, policy {drill.policy}")
    for figures in (card.trainee, *card.peers):
        typer.echo(
            f"  {figures.who:<14} {figures.outcome:<12} detect {_s(figures.time_to_detect_s):>7}"
            f"  mitigate {_s(figures.time_to_mitigate_s):>7}  ship {_s(figures.time_to_ship_s):>7}"
            f"  bad requests beyond baseline {figures.damage:,}"
        )
    for decision in card.decisions:
        stage = "" if decision.stage is None else f" (stage {decision.stage})"
        typer.echo(f"  {_s(decision.at_s):>8} {decision.kind} by {decision.user}{stage}")
    typer.echo(f"Verdict: {card.verdict}")
    if drill.reactions:
        from bot.drills.blocks import reaction_lines

        typer.echo("Reactions (from the question showing in Slack):")
        for line in reaction_lines(drill.reactions):
            typer.echo(f"  {line}")
    stored = drill.scorecard
    if stored is not None and stored != card.to_json():
        raise CommanderError(f"{drill.id}: the recomputed scorecard differs from the stored one")


def report_command(
    chart: Annotated[Path, typer.Option("--chart", help="Write the trainer's chart (PNG) here")],
    trainee: Annotated[
        str | None, typer.Option("--trainee", help="Only this trainee's drills (a user id U…)")
    ] = None,
    url: UrlOption = None,
) -> None:
    """Each trainee's drills over time against the best response, and the chart."""
    from bot.drills.report import REPORT_LIMIT, chart_png, summary_lines, trainee_records
    from store import db
    from store.repository import Repository

    target = db.check_url(url or db.default_url())
    drills = _reaching(
        target, lambda: Repository(db.make_engine(target)).drill_history(trainee, REPORT_LIMIT)
    )
    records = trainee_records(drills)
    if not records:
        raise CommanderError("no scored drills" + (f" for {trainee}" if trainee else ""))
    for line in summary_lines(records):
        typer.echo(line)
    try:
        chart.write_bytes(chart_png(records))
    except OSError as exc:
        raise CommanderError(f"{chart}: cannot write: {exc.strerror}") from None
    typer.echo(f"Chart: {chart}")


def _s(seconds: float | None) -> str:
    from sim.report import fmt_seconds

    return fmt_seconds(seconds)


def recompute(
    drill: DrillRecord, config: Path | None, scenarios: Path | None, url: str | None = None
) -> Scorecard:
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
    if drill.scenario.startswith("deploy-") and not (folder / f"{drill.scenario}.toml").is_file():
        from bot.drills.from_deploy import fitted_scenario

        deploy_id = drill.scenario.removeprefix("deploy-")
        scenario = fitted_scenario(repository(url), deploy_id, team)
    else:
        scenario = resolve_scenario(drill.scenario, team, folder)
    decisions, injections = drill_data(drill)
    policy: DrillPolicy = "team" if drill.policy == "team" else "advise"
    return scorecard(scenario, team, drill.seed, policy, decisions, injections)


def from_deploy_command(
    deploy_id: Annotated[str, typer.Argument(help="The real deploy's id")],
    out: OutOpt = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the check's replay")] = 1,
    config: ConfigOpt = None,
    url: UrlOption = None,
) -> None:
    """Write a scenario that reproduces a real deploy: its traffic, baseline, fitted fault
    and plan; then replay it with the team's policy and print both verdicts."""
    from bot.config_checks import load_config
    from bot.drills.from_deploy import real_deploy
    from sim import from_deploy as fit
    from sim.scenario import parse_scenario

    team = load_config(config)
    deploy, looks = _reaching_store(url, lambda repo: real_deploy(repo, deploy_id, team))
    text = fit.to_toml(fit.fit_scenario(deploy, looks))
    scenario = parse_scenario(text, f"deploy {deploy_id}")
    write(text, out)
    real = fit.deciding_verdict(fit.real_decisions(deploy, looks), deploy.status)
    replayed = fit.replayed_verdict(scenario, team, seed)
    for line in (
        f"{deploy_id}: {scenario.description}",
        f"  real deploy:            {fit.verdict_words(real)}",
        f"  replayed (team policy): {fit.verdict_words(replayed)}",
    ):
        typer.echo(line, err=out is None)  # stdout carries the scenario when there is no --out


def repository(url: str | None) -> Any:
    """The store at `url` (or $DATABASE_URL)."""
    from store import db
    from store.repository import Repository

    target = db.check_url(url or db.default_url())
    return _reaching(target, lambda: Repository(db.make_engine(target)))


def _reaching_store(url: str | None, work: Callable[[Any], T]) -> T:
    from store import db

    repo = repository(url)
    return _reaching(db.check_url(url or db.default_url()), lambda: work(repo))


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
