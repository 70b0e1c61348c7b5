"""`commander sim tune`: search the team policy's judge settings and bakes (Optuna, NSGA-II)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bot.settings import config_path
from cli.inputs import DEFAULT_SCENARIOS, load_config, ready_folder
from cli.options import ConfigOpt, DaskOpt, JobsOpt, ScenariosOpt, at_least, wide_console
from rollout.errors import CommanderError

if TYPE_CHECKING:
    from sim.tune.front import Point
    from sim.tune.result import TuneResult
    from sim.tune.study import Search

TRAIN_FIRST = 1_000_000  # training seeds start here; test seeds are sim validate's 0, 1, …
PICKS = ("damage", "balanced", "fast")


def pick_option(value: str) -> str:
    """--pick: damage, balanced, fast or a trial number, checked before the search runs."""
    if value not in PICKS and not value.isdigit():
        raise typer.BadParameter(
            f'expected damage, balanced, fast or a trial number, got "{value}"'
        )
    return value


def tune(
    config: ConfigOpt = None,
    scenarios: ScenariosOpt = DEFAULT_SCENARIOS,
    trials: Annotated[
        int, typer.Option("--trials", callback=at_least(1), help="Trials to run")
    ] = 100,
    runs: Annotated[
        int, typer.Option("--runs", callback=at_least(1), help="Training seeds per scenario")
    ] = 6,
    early: Annotated[
        int,
        typer.Option(
            "--early",
            callback=at_least(1),
            help="Training seeds every trial runs; "
            "only the best third of each generation runs the rest",
        ),
    ] = 2,
    test_runs: Annotated[
        int,
        typer.Option(
            "--test-runs",
            callback=at_least(1),
            help="Unseen test seeds per scenario (0..N-1, as sim validate --runs N)",
        ),
    ] = 5,
    jobs: JobsOpt = None,
    dask: DaskOpt = None,
    study: Annotated[
        Path | None, typer.Option("--study", help="SQLite file: resume the tune stored there")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", callback=at_least(0), help="Search seed")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    chart: Annotated[
        Path, typer.Option("--chart", help="Where to write the Pareto chart (PNG)")
    ] = Path("report/tune-front.png"),
    write: Annotated[
        Path | None, typer.Option("--write", help="Write the team config with the picked point")
    ] = None,
    pick: Annotated[
        str,
        typer.Option(
            "--pick", callback=pick_option, help="damage, balanced, fast or a trial number"
        ),
    ] = "balanced",
) -> None:
    """Search judge settings and bakes for the best trade-offs; show the Pareto front."""
    from sim.library import load_library
    from sim.sweep import check_jobs
    from sim.tune.study import Search

    team = load_config(config)
    library = tuple(load_library(scenarios, team))
    if early > runs:
        raise CommanderError(f"--early {early} is more than --runs {runs}")
    ready_folder(chart.parent, "--chart")
    search = Search(
        config=team, library=library, trials=trials,
        train_seeds=tuple(range(TRAIN_FIRST, TRAIN_FIRST + runs)), early=early, seed=seed,
        jobs=check_jobs(jobs), dask=dask,
        storage=None if study is None else f"sqlite:///{study.resolve()}",
    )  # fmt: skip
    result = searched(search, tuple(range(test_runs)))
    _outputs(result, chart, as_json)
    _record(result, config)
    if write is not None:
        _write(result, search, pick, config, write)


def opened(search: Search) -> None:
    """Open (or resume) the study; a storage Optuna cannot use is one line naming the file."""
    from sqlalchemy.exc import SQLAlchemyError

    from sim.tune.study import open_study

    try:
        open_study(search)
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)  # the driver's own error, when there is one
        reason = str(orig) if orig is not None else str(exc).splitlines()[0]
        where = (search.storage or "").removeprefix("sqlite:///")
        raise CommanderError(f"--study {where}: cannot use it: {reason}") from None


def searched(search: Search, test_seeds: tuple[int, ...]) -> TuneResult:
    """Run the search with a progress bar, then re-measure the front on the test seeds."""
    from sim.tune.result import finish
    from sim.tune.study import run_search

    opened(search)  # a bad --study file is one line, before the progress bar

    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    timing = (TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, *timing, console=Console(stderr=True)) as bar:
        task = bar.add_task("trials", total=search.trials)

        def told(done: int, points: Sequence[Point]) -> None:
            bar.update(task, completed=done, description=f"trials · {best_so_far(points)}")

        study = run_search(search, told)
        bar.update(task, description="trials · re-measuring the front on test seeds")
        return finish(search, study, test_seeds)


def best_so_far(points: Sequence[Point]) -> str:
    """The front's best figure per objective so far, for the progress bar."""
    from sim.tune.front import front_of

    front = front_of(points)
    if not front:
        return "no feasible point yet"
    damage = min(p.train.damage for p in front)
    alarms = min(p.train.false_alarms for p in front)
    release = min(p.train.release_s for p in front) / 60
    return f"front {len(front)}: damage {damage:,.0f} · alarms {alarms:.0%} · {release:.0f} min"


def _outputs(result: TuneResult, chart: Path, as_json: bool) -> None:
    from sim.charts import save
    from sim.tune.chart import front_figure
    from sim.tune.table import front_table, placement

    save(front_figure(result), chart)
    if as_json:
        typer.echo(json.dumps({**result.to_json(), "chart": str(chart)}))
        return
    console = wide_console()
    console.print(front_table(result))
    console.print(placement(result), highlight=False)
    console.print(f"chart written to {chart}", highlight=False, soft_wrap=True)


def _record(result: TuneResult, config: Path | None) -> None:
    """Keep the front and its chart for `/deploy policy` when the bot's database is there."""
    from cli.policy_record import config_name, record_report
    from sim.policy_report import front_png, tune_summary

    record_report("tune", tune_summary(result, config_name(config)), front_png(result))


def _write(result: TuneResult, search: Search, how: str, config: Path | None, out: Path) -> None:
    from sim.tune.front import pick
    from sim.tune.space import apply
    from sim.tune.write import tuned_text

    source = config_path(config)
    if not source.is_file():
        raise CommanderError(f"--write needs a team config file to start from; {source} is none")
    try:
        point = pick(list(result.front), how)
    except ValueError as exc:
        raise CommanderError(f"--pick {how}: {exc}") from None
    tuned = apply(search.config, result.params[point.trial])
    note = f"judges tuned by `commander sim tune` (trial #{point.trial}, --pick {how})"
    text = tuned_text(source.read_text(encoding="utf-8"), tuned, note, str(out))
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out} with trial #{point.trial} ({how})", err=True)
