"""Run one scenario with one seed and summarise it as a RunResult."""

from __future__ import annotations

from rollout.config import TeamConfig
from sim.rehearsal import STABILIZATION, Rehearsal
from sim.results import RunResult, expectation_failures
from sim.scenario import BadSecretFault, CrashLoopFault, Scenario


def run(
    scenario: Scenario, config: TeamConfig, seed: int, *, keep_series: bool = True
) -> RunResult:
    """Rehearse one release; deterministic for (scenario, config, seed), no wall clock."""
    rehearsal = Rehearsal(scenario, config, seed)
    rehearsal.play()
    return summarize(rehearsal, seed, keep_series)


def summarize(rehearsal: Rehearsal, seed: int, keep_series: bool) -> RunResult:
    """The headline figures of a finished rehearsal."""
    scenario, meter = rehearsal.scenario, rehearsal.meter
    onset = fault_onset(rehearsal)
    detected = rehearsal.detected_at
    cols = meter.cols
    requests_to_new = int(cols["user_req"].sum())
    bad = int(cols["user_err"].sum()) + meter.lost
    excess = bad - scenario.fleet.baseline_error_rate * requests_to_new
    outcome = rehearsal.outcome or "held"
    to_detect = _since(onset, detected)
    return RunResult(
        scenario=scenario.name,
        seed=seed,
        outcome=outcome,
        fault_onset_s=onset,
        detected_at_s=detected,
        time_to_detect_s=to_detect,
        time_to_mitigate_s=_since(onset, rehearsal.mitigated_at),
        bad_requests=bad,
        excess_bad_requests=float(excess),
        requests_to_new=requests_to_new,
        peak_exposure_all_users_pct=round(meter.peak_user_pct, 6),
        peak_exposure_customers_pct=round(meter.peak_customer_pct, 6),
        duration_s=float(rehearsal.env.now),
        decisions=tuple(rehearsal.decisions),
        expectation_met=not (failures := expectation_failures(
            scenario.expect, outcome, to_detect, bad, excess
        )),
        expectation_failures=failures,
        series=meter.series(tuple(rehearsal.stages)) if keep_series else None,
        full_at_s=next((t for t, name in rehearsal.stages if name == STABILIZATION), None),
    )  # fmt: skip


def fault_onset(rehearsal: Rehearsal) -> float | None:
    """When a release fault first touched a request (for host faults: a host's start or crash)."""
    times = [rehearsal.meter.fault_onset]
    started = rehearsal.fleet.first_new_start
    for fault in rehearsal.scenario.faults:
        if started is not None and isinstance(fault, BadSecretFault):
            times.append(started)
        elif started is not None and isinstance(fault, CrashLoopFault):
            times.append(started + fault.run_time.total_seconds())  # the first crash
    injected = rehearsal.faults.host_fault_from
    if injected is not None and started is not None:
        times.append(max(injected, started))  # an injected host fault hits hosts from then on
    known = [t for t in times if t is not None]
    return min(known) if known else None


def _since(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return max(end - start, 0.0)
