"""The `commander sim` commands: run one scenario, validate the library, compare policies."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from cli.inputs import DEFAULT_SCENARIOS, chart_path, load_config, ready_folder
from cli.options import (
    ConfigOpt,
    DaskOpt,
    JobsOpt,
    RunsOpt,
    ScenariosOpt,
    at_least,
    wide_console,
)
from cli.tune import tune
from rollout.errors import CommanderError

if TYPE_CHECKING:  # the simulator is imported when a sim command runs, not with the CLI
    from rollout.config import TeamConfig
    from sim.report import ScenarioSummary
    from sim.results import RunResult
    from sim.scenario import Scenario
    from sim.sweep import Results, Sweep

RUN_KEYS = (
    "scenario", "seed", "outcome", "fault_onset_s", "detected_at_s", "time_to_detect_s",
    "time_to_mitigate_s", "bad_requests", "excess_bad_requests", "requests_to_new",
    "peak_exposure_all_users_pct", "peak_exposure_customers_pct", "duration_s", "decisions",
    "expectation_met", "expectation_failures",
)  # fmt: skip
EXPOSURE_NOTE = (
    "Peak exposure is the share of requests the new version served at its peak. Customers: "
    "what a stage's percent and the chart's traffic panel count. All users: customers and "
    "employees, whom a dogfood stage sends in full. Mirrored copies count in neither."
)

DRILL_POLICIES = ("advise", "team")


def read_text(path: Path) -> str:
    """A file's text; an error naming the file when it cannot be read."""
    if path.is_dir():
        raise CommanderError(f"{path}: is a directory, expected a file")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommanderError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommanderError(f"{path}: cannot read: {exc}") from None


def drill_policy(value: str) -> str:
    """--policy: advise (judges only recommend) or team (the team's modes)."""
    if value not in DRILL_POLICIES:
        raise typer.BadParameter(f'expected advise or team, got "{value}"')
    return value


def register(cli: typer.Typer) -> None:
    """Add the sim commands to the CLI."""
    sim = typer.Typer(
        help="Rehearse rollback policies on simulated releases.", no_args_is_help=True
    )
    sim.command("run")(run_command)
    sim.command("validate")(validate_command)
    sim.command("compare")(compare_command)
    sim.command("reference")(reference_command)
    sim.command("schema")(schema_command)
    sim.command("tune")(tune)
    cli.add_typer(sim, name="sim")


def run_command(
    scenario: Annotated[str, typer.Argument(help="A scenario file, or a name in ./scenarios")],
    config: ConfigOpt = None,
    seed: Annotated[
        int, typer.Option("--seed", callback=at_least(0), help="Random seed (0 or more)")
    ] = 0,
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart",
            help="Write a chart to this file (.png, .svg, .pdf, …), or into this folder "
            "as SCENARIO-seedN.png",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    decisions: Annotated[
        Path | None,
        typer.Option(
            "--decisions",
            help="Replay a drill's decisions (JSON, docs/reference/decisions.md): a person "
            "commands, not the simulated commander",
        ),
    ] = None,
    injections: Annotated[
        Path | None,
        typer.Option("--injections", help="Faults injected during the drill (JSON)"),
    ] = None,
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            callback=drill_policy,
            help="With --decisions: advise (judges at most recommend) or team (their modes)",
        ),
    ] = "advise",
) -> None:
    """Simulate one release of a scenario and summarise what the policy did; exit 1 when the
    scenario's \\[expect] is not met (a replayed drill is graded by its scorecard instead)."""
    from sim.library import resolve_scenario
    from sim.runner import run

    drill = decisions is not None or injections is not None
    if policy != "advise" and not drill:
        raise CommanderError(
            f"--policy {policy} applies to a replayed drill: add --decisions FILE "
            "(without one, the scenario's simulated commander and the config's policy run)"
        )
    team = load_config(config)
    chosen = resolve_scenario(scenario, team, DEFAULT_SCENARIOS)
    target = None if chart is None else chart_path(chart, chosen.name, seed)
    if drill:
        result, trainee = replay_drill(chosen, team, seed, policy, decisions, injections)
    else:
        result, trainee = run(chosen, team, seed, keep_series=True), None
    if target is not None:
        from sim.charts import run_figure, save

        save(run_figure(result), target)
    if as_json:
        record = result.to_json()
        printed = {key: record.get(key) for key in RUN_KEYS}
        if trainee is not None:
            printed["trainee"] = trainee
        typer.echo(json.dumps(printed))
        if target is not None:
            typer.echo(f"chart written to {target}", err=True)
        if not (drill or result.expectation_met):
            raise typer.Exit(1)
        return
    console = wide_console()
    console.print(run_summary(result))
    console.print(EXPOSURE_NOTE, highlight=False)
    console.print(decisions_table(result))
    if trainee is not None:
        console.print(f"the commander's figures: {json.dumps(trainee)}", highlight=False)
    if target is not None:
        console.print(f"chart written to {target}", highlight=False, soft_wrap=True)
    if not (drill or result.expectation_met):
        raise typer.Exit(1)  # the scenario's [expect] was not met: a script or CI sees it


def replay_drill(
    scenario: Scenario,
    config: TeamConfig,
    seed: int,
    policy: str,
    decisions: Path | None,
    injections: Path | None,
) -> tuple[RunResult, dict[str, object]]:
    """A drill replayed from files: its run, and the commander's scorecard figures."""
    from rollout import decisions as decisions_format
    from sim import injections as injections_format
    from sim.drill import replay
    from sim.scorecard import trainee_figures

    made = [] if decisions is None else decisions_format.loads(read_text(decisions), str(decisions))
    injected = (
        []
        if injections is None
        else injections_format.loads(read_text(injections), str(injections))
    )
    world = replay(scenario, config, seed, "team" if policy == "team" else "advise", made, injected)
    result = world.result()
    return result, trainee_figures(result, world.decisions).to_json()


def run_summary(result: RunResult) -> Table:
    """The headline figures of one run."""
    from sim.report import fmt_count, fmt_seconds

    table = Table(title=f"{result.scenario} (seed {result.seed})", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    colour = "green" if result.expectation_met else "red"
    rows = (
        ("outcome", result.outcome),
        ("expectation", f"[{colour}]{'met' if result.expectation_met else 'NOT met'}[/]"),
        ("fault onset", fmt_seconds(result.fault_onset_s)),
        ("time to detect", fmt_seconds(result.time_to_detect_s)),
        ("time to mitigate", fmt_seconds(result.time_to_mitigate_s)),
        ("bad requests", fmt_count(result.bad_requests)),
        ("excess bad requests", fmt_count(result.excess_bad_requests)),
        ("requests to new", fmt_count(result.requests_to_new)),
        ("peak exposure: customers", f"{result.peak_exposure_customers_pct:.3g}%"),
        ("peak exposure: all users", f"{result.peak_exposure_all_users_pct:.3g}%"),
        ("duration", fmt_seconds(result.duration_s)),
        *(("failed", failure) for failure in result.expectation_failures),
    )
    for label, value in rows:
        table.add_row(label, value)
    return table


def decisions_table(result: RunResult, limit: int = 20) -> Table:
    """The judges' decisions in time order (the last `limit` of them)."""
    from sim.report import fmt_seconds

    shown = result.decisions[-limit:]
    hidden = len(result.decisions) - len(shown)
    title = "Decisions" + (f" (last {len(shown)}, {hidden} earlier not shown)" if hidden else "")
    table = Table(title=title)
    for header in ("t", "stage", "judge", "verdict", "evidence"):
        table.add_column(header, justify="right" if header == "t" else "left")
    for d in shown:
        table.add_row(fmt_seconds(d.t_s), d.stage, d.judge, d.verdict, d.evidence)
    return table


def sweep_with_progress(sweep: Sweep, jobs: int | None, dask: str | None) -> Results:
    """Run the sweep with a Rich progress bar."""
    from sim.sweep import check_jobs, run_sweep

    workers = check_jobs(jobs)
    columns = (*Progress.get_default_columns()[:2], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True)) as bar:
        task = bar.add_task("simulating", total=sweep.total_runs)
        return run_sweep(
            sweep, jobs=workers, dask_address=dask, progress=lambda n: bar.advance(task, n)
        )


def validate_command(
    config: ConfigOpt = None,
    scenarios: ScenariosOpt = DEFAULT_SCENARIOS,
    runs: RunsOpt = 100,
    jobs: JobsOpt = None,
    dask: DaskOpt = None,
    report: Annotated[Path, typer.Option("--report", help="Folder for charts")] = Path("report"),
) -> None:
    """Run every scenario × N seeds; exit 1 when any scenario misses its \\[expect]."""
    from sim.charts import write_validation_report
    from sim.report import failure_lines, summarize, validate_table
    from sim.sweep import Sweep, seeds_for

    ready_folder(report, "--report")
    team = load_config(config)
    from sim.library import load_library

    library = load_library(scenarios, team)
    sweep = Sweep((team,), tuple(library), seeds_for(runs))
    results = sweep_with_progress(sweep, jobs, dask)
    summaries = [summarize(s, results[(0, i)]) for i, s in enumerate(library)]
    console = wide_console()
    console.print(validate_table(summaries))
    for line in failure_lines(summaries):
        console.print(f"[red]FAIL[/red] {line}", highlight=False)
    charted = [next(r for r in results[(0, i)] if r.series) for i in range(len(library))]
    written = write_validation_report(report, charted, summaries)
    console.print(f"{len(written)} charts written to {report}/")
    record_validation(library, [results[(0, i)] for i in range(len(library))], summaries, config)
    if not all(s.ok for s in summaries):
        raise typer.Exit(1)


def record_validation(
    library: Sequence[Scenario],
    runs: Sequence[Sequence[RunResult]],
    summaries: Sequence[ScenarioSummary],
    config: Path | None,
) -> None:
    """Keep the summary for `/deploy policy` when the bot's database is there."""
    from cli.policy_record import config_name, record_report
    from sim.policy_report import validation_summary

    record_report("validation", validation_summary(library, runs, summaries, config_name(config)))


def compare_command(
    policies: Annotated[
        list[str], typer.Argument(help="team (the config's policy), argo, flagger, kayenta, …")
    ],
    config: ConfigOpt = None,
    scenarios: ScenariosOpt = DEFAULT_SCENARIOS,
    runs: RunsOpt = 100,
    jobs: JobsOpt = None,
    dask: DaskOpt = None,
) -> None:
    """Compare policies side by side on the same scenarios and seeds."""
    from sim.compare import compare_rows, compare_sweep, compare_table
    from sim.sweep import seeds_for

    names = list(dict.fromkeys(policies))
    team = load_config(config)
    from sim.library import load_library

    sweep = compare_sweep(names, team, load_library(scenarios, team), seeds_for(runs))
    results = sweep_with_progress(sweep, jobs, dask)
    wide_console().print(compare_table(compare_rows(names, sweep, results), runs))


def reference_command() -> None:
    """Print the scenario format reference (Markdown), as in docs/reference/scenario.md."""
    from cli.reference import scenario_reference

    typer.echo(scenario_reference(), nl=False)


def schema_command() -> None:
    """Print the scenario JSON Schema, for completion in editors (docs/schema/scenario.json)."""
    from cli.reference import scenario_schema

    typer.echo(scenario_schema(), nl=False)
