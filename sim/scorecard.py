"""A drill's scorecard: the trainee's figures beside the policy's and the peers' on one seed.

Damage is bad requests beyond the baseline rate, so a healthy release costs nothing; a
healthy release is scored on shipping it (not shipping is a miss), a faulty one on
protecting users. The verdict ends with the one thing to do differently. Times are in the
one format of sim.report.fmt_seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rollout.decisions import Decision
from sim.report import fmt_seconds
from sim.results import RunResult

# The decisions that answer trouble; a confirm after the fault is not a detection.
RESPONSES = frozenset({"hold", "rollback", "mark_faulty", "abort"})
STOPPED = frozenset({"rolled_back", "aborted"})  # outcomes that turn a healthy release away
KEEP = "Nothing to change."


def close_enough(mine: float, best: float) -> bool:
    """Within max(15 s, 10%) of the best figure: as good as it gets."""
    return mine - best <= max(15.0, 0.1 * best)


@dataclass(frozen=True)
class Figures:
    """How one responder did: when it saw the fault, when users were safe, the damage, and
    when the release reached everyone (time to ship)."""

    who: str
    outcome: str
    time_to_detect_s: float | None
    time_to_mitigate_s: float | None
    bad_requests: int
    damage: int = 0
    time_to_ship_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly record."""
        return {
            "who": self.who,
            "outcome": self.outcome,
            "time_to_detect_s": self.time_to_detect_s,
            "time_to_mitigate_s": self.time_to_mitigate_s,
            "bad_requests": self.bad_requests,
            "damage": self.damage,
            "time_to_ship_s": self.time_to_ship_s,
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
    healthy: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly record (what `drill replay --json` prints)."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "fault_onset_s": self.fault_onset_s,
            "healthy": self.healthy,
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
    return Figures(
        "you", run.outcome, detect, run.time_to_mitigate_s, run.bad_requests, run.damage,
        run.shipped_at_s,
    )  # fmt: skip


def peer_figures(who: str, run: RunResult) -> Figures:
    """A policy's figures from its own run on the same seed."""
    return Figures(
        who, run.outcome, run.time_to_detect_s, run.time_to_mitigate_s, run.bad_requests,
        run.damage, run.shipped_at_s,
    )  # fmt: skip


def score(
    trainee: RunResult,
    decisions: Sequence[Decision],
    peers: Sequence[tuple[str, RunResult]],
    healthy: bool,
) -> Scorecard:
    """Put the trainee's run beside the peers' runs and say in one line how it went."""
    mine = trainee_figures(trainee, decisions)
    others = tuple(peer_figures(who, run) for who, run in peers)
    held = any(d.kind == "hold" for d in decisions)
    first_fail = trainee.found_at({d.judge for d in trainee.decisions})
    return Scorecard(
        scenario=trainee.scenario,
        seed=trainee.seed,
        fault_onset_s=trainee.fault_onset_s,
        trainee=mine,
        peers=others,
        decisions=tuple(decisions),
        verdict=verdict(
            mine,
            others,
            healthy,
            held=held,
            first_fail_s=first_fail,
            stalled=trainee.fault_onset_s is None,
        ),
        healthy=healthy,
    )


def verdict(
    mine: Figures,
    peers: Sequence[Figures],
    healthy: bool,
    *,
    held: bool = False,
    first_fail_s: float | None = None,
    stalled: bool = False,
) -> str:
    """One line: how it went against the best response and the team's policy, then the one
    thing to do differently ("Next time: …", or "Nothing to change.").

    `held`: the trainee held at some point; `first_fail_s`: when a judge first failed after
    the fault's onset; `stalled`: the fault never touched a request in the trainee's run.
    """
    by_name = {p.who: p for p in peers}
    policy = by_name.get("team policy")
    if healthy:
        return healthy_verdict(mine, policy)
    if stalled and mine.outcome in STOPPED:
        return f"Safe: you stopped the release before its fault reached anyone. {KEEP}"
    if stalled:
        return (
            "Stalled: the release never went far enough for its fault to show. "
            "Next time: confirm each gate while its judges pass."
        )
    best = by_name.get("best response")
    if mine.time_to_mitigate_s is None and mine.outcome in STOPPED:
        return irreversible_verdict(mine, best, first_fail_s)
    if mine.time_to_mitigate_s is None:
        return missed_verdict(mine, policy, held, first_fail_s)
    return mitigated_verdict(mine, best, policy, held, first_fail_s)


def healthy_verdict(mine: Figures, policy: Figures | None) -> str:
    """A good release: shipping it is the job; turning it away is a false alarm."""
    if mine.outcome in STOPPED:
        verb = "rolled back" if mine.outcome == "rolled_back" else "aborted"
        return (
            f"False alarm: you {verb} a healthy release. Next time: roll back only when a "
            "judge fails, not on noise the old version shows too."
        )
    theirs = None if policy is None else policy.time_to_ship_s
    if mine.time_to_ship_s is None:
        if theirs is None:
            return (
                "Clean: like the team's policy, you did not ship a release the judges could "
                f"not clear. {KEEP}"
            )
        return (
            f"Missed: the healthy release never shipped; the team's policy shipped it in "
            f"{fmt_seconds(theirs)}. Next time: confirm each gate once its judges pass."
        )
    shipped = f"you shipped the healthy release in {fmt_seconds(mine.time_to_ship_s)}"
    if theirs is None or close_enough(mine.time_to_ship_s, theirs):
        return f"Clean: {shipped}, with no false alarm. {KEEP}"
    return (
        f"Slow: {shipped}, {fmt_seconds(mine.time_to_ship_s - theirs)} after the team's "
        "policy. Next time: confirm each gate as soon as its judges pass."
    )


def missed_verdict(
    mine: Figures, policy: Figures | None, held: bool, first_fail_s: float | None
) -> str:
    """A faulty release that stayed with users."""
    line = "Missed: users were never protected"
    if policy is not None and policy.time_to_mitigate_s is not None:
        line += (
            f"; the team's policy mitigated in {fmt_seconds(policy.time_to_mitigate_s)} "
            f"({policy.damage:,} bad requests beyond baseline against your {mine.damage:,})"
        )
    else:
        line += f" ({mine.damage:,} bad requests beyond baseline)"
    if held:
        return line + ". Next time: roll back after the hold; a hold leaves users on the fault."
    return line + f". Next time: roll back when a judge fails{_at(first_fail_s)}."


def irreversible_verdict(mine: Figures, best: Figures | None, first_fail_s: float | None) -> str:
    """Rolled back, but the fault outlives a rollback (a migration): only speed helps."""
    line = (
        f"You stopped the release {fmt_seconds(mine.time_to_detect_s)} after the fault, but it "
        f"outlives a rollback ({mine.damage:,} bad requests beyond baseline)."
    )
    seen, best_seen = mine.time_to_detect_s, None if best is None else best.time_to_detect_s
    if seen is None or best_seen is None or close_enough(seen, best_seen):
        return f"{line} {KEEP}"
    return f"{line} Next time: respond as soon as a judge fails{_at(first_fail_s)}."


def mitigated_verdict(
    mine: Figures,
    best: Figures | None,
    policy: Figures | None,
    held: bool,
    first_fail_s: float | None,
) -> str:
    """A faulty release the trainee took away from users: how fast, and what held it up."""
    assert mine.time_to_mitigate_s is not None
    parts = [f"You mitigated in {fmt_seconds(mine.time_to_mitigate_s)}"]
    for who, peer in (("the best response", best), ("the policy", policy)):
        if peer is not None and peer.time_to_mitigate_s is not None:
            parts.append(_versus(mine.time_to_mitigate_s, peer.time_to_mitigate_s, who))
    line = ", ".join(parts) + f"; {mine.damage:,} bad requests beyond baseline."
    if best is None or best.time_to_mitigate_s is None:
        return f"{line} {KEEP}"
    if close_enough(mine.time_to_mitigate_s, best.time_to_mitigate_s):
        return f"{line} {KEEP}"
    return f"{line} Next time: {_slower_because(mine, best, held, first_fail_s)}"


def _slower_because(mine: Figures, best: Figures, held: bool, first_fail_s: float | None) -> str:
    """The bigger of the two delays: seeing the fault, or rolling back after a hold."""
    assert mine.time_to_mitigate_s is not None and best.time_to_mitigate_s is not None
    seen, best_seen = mine.time_to_detect_s, best.time_to_detect_s or 0.0
    if held and seen is not None:
        acting = (mine.time_to_mitigate_s - seen) - (best.time_to_mitigate_s - best_seen)
        if acting > seen - best_seen:
            took = fmt_seconds(mine.time_to_mitigate_s - seen)
            return f"roll back as soon as you hold; from your hold to users being safe took {took}."
    return f"respond as soon as a judge fails{_at(first_fail_s)}."


def _at(first_fail_s: float | None) -> str:
    return (
        ""
        if first_fail_s is None
        else f" (one first failed {fmt_seconds(first_fail_s)} into the drill)"
    )


def _versus(mine: float, theirs: float, who: str) -> str:
    gap = mine - theirs
    if abs(gap) < 0.5:
        return f"as fast as {who}"
    return f"{fmt_seconds(abs(gap))} {'slower' if gap > 0 else 'faster'} than {who}"
