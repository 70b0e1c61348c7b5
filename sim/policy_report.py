"""What `/deploy policy` shows, as JSON: a validation's summary and a tune's front."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.report import ScenarioSummary, is_healthy
from sim.results import RunResult
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.tune.result import TuneResult


def validation_summary(
    library: Sequence[Scenario],
    runs: Sequence[Sequence[RunResult]],
    summaries: Sequence[ScenarioSummary],
    config: str,
) -> dict[str, Any]:
    """Pass/fail per scenario, detection on faulty runs, and the tuner's three objectives."""
    from sim.tune.objectives import scores

    faulty = [r for s, rs in zip(library, runs, strict=True) if not is_healthy(s) for r in rs]
    detect = [r.time_to_detect_s for r in faulty if r.time_to_detect_s is not None]
    return {
        "config": config,
        "runs": min(len(rs) for rs in runs),
        "scenarios": len(summaries),
        "passed": sum(s.ok for s in summaries),
        "failed": [
            {"scenario": s.scenario, "problems": list(s.problems)} for s in summaries if not s.ok
        ],  # fmt: skip
        "faulty_runs": len(faulty),
        "detected": sum(r.detected_at_s is not None for r in faulty),
        "detect_p50_s": float(np.median(detect)) if detect else None,
        "scores": scores(library, runs).to_json(),
    }


def tune_summary(result: TuneResult, config: str) -> dict[str, Any]:
    """The front and the current policy on training and test seeds, and who beats it."""
    return {**result.to_json(), "config": config}


def front_png(result: TuneResult) -> bytes:
    """The tune's Pareto chart as PNG bytes, whatever format --chart wrote."""
    import io

    from sim.tune.chart import front_figure

    buffer = io.BytesIO()
    front_figure(result).savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()
