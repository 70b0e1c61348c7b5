"""New hosts must become ready within the grace period and must not crash-loop."""

from __future__ import annotations

from rollout.config import HealthJudge
from rollout.judges._common import verdict
from rollout.observations import Observations, Verdict


def judge(cfg: HealthJudge, obs: Observations) -> Verdict:
    """Fail on too many restarts, or too many unready hosts once the grace period is over.

    Inside the grace period too many unready hosts are inconclusive, never a pass: nothing
    shows yet that they will ever become ready.
    """
    hosts = obs.hosts
    grace_s = cfg.grace.total_seconds()
    samples = {"new_hosts": hosts.new_hosts, "unready": hosts.unready, "restarts": hosts.restarts}
    if not hosts.known:
        return _no_fleet(cfg, samples)
    if hosts.new_hosts <= 0:
        bound = cfg.max_unready_fraction
        return verdict("inconclusive", "unready_fraction", 0, bound, samples, "no new hosts yet")
    if hosts.restarts > cfg.max_restarts:
        summary = (
            f"new hosts restarted {hosts.restarts} times (limit {cfg.max_restarts}) "
            f"in {hosts.seconds_since_start:.0f} s"
        )
        return verdict("fail", "restarts", hosts.restarts, cfg.max_restarts, samples, summary)
    unready = hosts.unready / hosts.new_hosts
    ready_text = f"{hosts.unready} of {hosts.new_hosts} new hosts"
    if unready > cfg.max_unready_fraction and hosts.seconds_since_start >= grace_s:
        summary = (
            f"{ready_text} failed readiness after {grace_s:.0f} s: holding before any user traffic"
        )
        return verdict(
            "fail", "unready_fraction", unready, cfg.max_unready_fraction, samples, summary
        )
    if unready > cfg.max_unready_fraction:
        summary = (
            f"{ready_text} not ready yet, {hosts.seconds_since_start:.0f} s into a "
            f"{grace_s:.0f} s grace period; {_restarts(hosts.restarts)}"
        )
        return verdict(
            "inconclusive", "unready_fraction", unready, cfg.max_unready_fraction, samples, summary
        )
    summary = f"{ready_text} unready, {_restarts(hosts.restarts)} (limit {cfg.max_restarts})"
    return verdict("pass", "unready_fraction", unready, cfg.max_unready_fraction, samples, summary)


def _no_fleet(cfg: HealthJudge, samples: dict[str, int]) -> Verdict:
    """No fleet source: say so; block the gate only when the team asked for one."""
    bound = cfg.max_unready_fraction
    if cfg.require_fleet:
        summary = "no fleet source reports host health, and require_fleet = true: waiting"
        return verdict("inconclusive", "unready_fraction", 0, bound, samples, summary)
    summary = "no fleet source: host health not judged (set require_fleet = true to wait)"
    return verdict("pass", "unready_fraction", 0, bound, samples, summary)


def _restarts(n: int) -> str:
    return f"{n} restart{'' if n == 1 else 's'}"
