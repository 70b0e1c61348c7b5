"""An error type the canary throws that neither the baseline nor history has ever seen."""

from __future__ import annotations

from rollout.config import NewErrorJudge
from rollout.judges._common import count, total, verdict
from rollout.observations import Observations, Verdict


def judge(cfg: NewErrorJudge, obs: Observations) -> Verdict:
    """Fail naming the new types seen at least min_count times on the canary."""
    known = {t for t, n in obs.baseline.error_types.items() if n > 0}
    known |= {t for t, n in obs.history.error_types.items() if n > 0}
    new = sorted(
        (t for t, n in obs.canary.error_types.items() if n >= cfg.min_count and t not in known),
        key=lambda t: (-obs.canary.error_types[t], t),
    )
    canary_n = total(obs.canary.requests)
    samples = {
        "canary_requests": canary_n,
        "canary_error_types": len(obs.canary.error_types),
        "known_error_types": len(known),
    }
    if new:
        named = ", ".join(f"{t} ×{obs.canary.error_types[t]}" for t in new)
        summary = f"new error type{'s' if len(new) > 1 else ''} on the canary only: {named}"
        return verdict("fail", "new_error_types", len(new), 0, samples, summary)
    if canary_n == 0:
        summary = "no canary requests yet"
        return verdict("inconclusive", "new_error_types", 0, 0, samples, summary)
    summary = (
        f"no new error type seen ≥ {cfg.min_count} times in {count(canary_n)} canary requests "
        f"({len(known)} known type{'' if len(known) == 1 else 's'})"
    )
    return verdict("pass", "new_error_types", 0, 0, samples, summary)
