"""A drill's scorecard: the trainee's figures beside the policy's and the peers' on one seed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rollout.decisions import Decision
from sim.results import RunResult

# The decisions that answer trouble; a confirm after the fault is not a detection.
RESPONSES = frozenset({"hold", "rollback", "mark_faulty", "abort"})


@dataclass(frozen=True)
class Figures:
    """How one responder did: when it saw the fault, when users were safe, and the damage."""

    who: str
    outcome: str
    time_to_detect_s: float | None
    time_to_mitigate_s: float | None
    bad_requests: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly record."""
        return {
            "who": self.who,
            "outcome": self.outcome,
            "time_to_detect_s": self.time_to_detect_s,
            "time_to_mitigate_s": self.time_to_mitigate_s,
            "bad_requests": self.bad_requests,
        }


@dataclass(frozen=True)
class Scorecard:
    """The trainee against the team's policy, the best response and the reference policies."""

    scenario: str
    seed: int
    fault_onset_s: float | None
    trainee: Figures
    peers: tuple[Figures, ...]
    decisions: tuple[Decision, ...]
    verdict: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly record (what `drill replay --json` prints)."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "fault_onset_s": self.fault_onset_s,
            "trainee": self.trainee.to_json(),
            "peers": [p.to_json() for p in self.peers],
            "decisions": [d.model_dump() for d in self.decisions],
            "verdict": self.verdict,
        }


def trainee_figures(run: RunResult, decisions: Sequence[Decision]) -> Figures:
    """The trainee's figures: detection is the first response to trouble after the onset."""
    onset = run.fault_onset_s
    responses = [
        d.at_s for d in decisions if d.kind in RESPONSES and onset is not None and d.at_s >= onset
    ]
    detect = responses[0] - onset if responses and onset is not None else None
    return Figures("you", run.outcome, detect, run.time_to_mitigate_s, run.bad_requests)


def peer_figures(who: str, run: RunResult) -> Figures:
    """A policy's figures from its own run on the same seed."""
    return Figures(who, run.outcome, run.time_to_detect_s, run.time_to_mitigate_s, run.bad_requests)


def score(
    trainee: RunResult,
    decisions: Sequence[Decision],
    peers: Sequence[tuple[str, RunResult]],
    healthy: bool,
) -> Scorecard:
    """Put the trainee's run beside the peers' runs and say in one line how it went."""
    mine = trainee_figures(trainee, decisions)
    others = tuple(peer_figures(who, run) for who, run in peers)
    return Scorecard(
        scenario=trainee.scenario,
        seed=trainee.seed,
        fault_onset_s=trainee.fault_onset_s,
        trainee=mine,
        peers=others,
        decisions=tuple(decisions),
        verdict=verdict(mine, others, healthy),
    )


def verdict(mine: Figures, peers: Sequence[Figures], healthy: bool) -> str:
    """One line: what the trainee did, against the best response and the team's policy."""
    if healthy:
        if mine.outcome == "rolled_back":
            return "False alarm: you rolled back a healthy release."
        return f"Clean: a healthy release, {_outcome_words(mine.outcome)}, with no false alarm."
    by_name = {p.who: p for p in peers}
    best, policy = by_name.get("best response"), by_name.get("team policy")
    if mine.time_to_mitigate_s is None:
        if policy is not None and policy.time_to_mitigate_s is not None:
            return (
                f"Missed: users were never protected; the team's policy mitigated in "
                f"{_seconds(policy.time_to_mitigate_s)} ({policy.bad_requests:,} bad requests "
                f"against your {mine.bad_requests:,})."
            )
        return f"Missed: users were never protected ({mine.bad_requests:,} bad requests)."
    parts = [f"You mitigated in {_seconds(mine.time_to_mitigate_s)}"]
    if best is not None and best.time_to_mitigate_s is not None:
        parts.append(_versus(mine.time_to_mitigate_s, best.time_to_mitigate_s, "the best response"))
    if policy is not None and policy.time_to_mitigate_s is not None:
        parts.append(_versus(mine.time_to_mitigate_s, policy.time_to_mitigate_s, "the policy"))
    return ", ".join(parts) + f"; {mine.bad_requests:,} bad requests."


def _versus(mine: float, theirs: float, who: str) -> str:
    gap = mine - theirs
    if abs(gap) < 0.5:
        return f"as fast as {who}"
    return f"{_seconds(abs(gap))} {'slower' if gap > 0 else 'faster'} than {who}"


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


def _outcome_words(outcome: str) -> str:
    return {"promoted": "promoted", "held": "held", "aborted": "aborted"}.get(
        outcome, outcome.replace("_", " ")
    )
