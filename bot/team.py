"""Team-wide commands that are not one deploy's transition: rollback by service, handoffs,
freezes and maintenance notices."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.deploys import Deploys, Refused
from bot.grammar.commands import FreezeService, HandoffTo, Notice, RollbackService, Unfreeze
from bot.outbox import Poster
from rollout import events as ev
from rollout.config import Freeze
from rollout.errors import NotFound
from rollout.ports import Clock, Repository
from rollout.records import NoticeRecord

log = logging.getLogger("commander.team")
KEEP_CLAIMS = timedelta(days=30)
ALTERNATIVES = (
    "Instead, turn the change off with its kill switch (feature flag), or roll forward with a "
    "fix: `/deploy start {service} <fixed version> --hotfix`."
)


class Team:
    """Rollbacks by service, handoffs, freezes and notices."""

    def __init__(self, deploys: Deploys, repo: Repository, clock: Clock, slack: Poster) -> None:
        self.deploys = deploys
        self.config = deploys.config
        self.repo = repo
        self.clock = clock
        self.slack = slack

    def rollback(self, cmd: RollbackService, user: str) -> str:
        """Roll the latest deploy back to its previous, or a named rollback-safe, release."""
        latest = self.repo.latest_for(cmd.service)
        if latest is None or latest.status in ("rolled_back", "aborted"):
            raise Refused(f"Nothing to roll back: {cmd.service} has no live deploy.")
        target = cmd.version or latest.previous_version
        if target is None:
            raise Refused(f"{cmd.service} has no earlier release to return to. " + self._alt(cmd))
        record = next((r for r in self.repo.history(cmd.service, 50) if r.version == target), None)
        if cmd.version is not None and record is None:
            raise Refused(f"{cmd.service} has no release {target} in its history.")
        if record is not None and not record.rollback_safe:
            raise Refused(f"{cmd.service} {target} is not rollback-safe. " + self._alt(cmd))
        folded = self.deploys.apply(
            latest.id, ev.Rollback(user, target, f"/deploy rollback by @{user}")
        )
        if folded.refusals:
            raise Refused(folded.refusals[0].reason)
        return f"Rolling {cmd.service} back from {latest.version} to {target}."

    def handoff(self, cmd: HandoffTo, user: str) -> str:
        """Give one service's deploy, or the rest of the shift with the outgoing commander's
        deploys, to someone else; deploys other people command stay with them, named."""
        now = self.clock.now()
        active = [d for d in self.repo.active() if not d.drill]
        if cmd.service is not None:
            moving, staying = [d for d in active if d.service == cmd.service], []
        else:
            outgoing = self.deploys.commander_now(now, fallback=user)
            moving = [d for d in active if d.commander == outgoing]
            staying = [d for d in active if d.commander not in (outgoing, cmd.to)]
        for deploy in moving:
            folded = self.deploys.apply(deploy.id, ev.Handoff(user, cmd.to))
            if folded.refusals:
                raise Refused(folded.refusals[0].reason)
        if cmd.service is None:
            self.repo.add_handoff(now, cmd.to)
        names = ", ".join(f"{d.service} {d.version}" for d in moving) or "no deploys in flight"
        what = "the shift" if cmd.service is None else cmd.service
        stay = "; ".join(f"{d.service} {d.version} (@{d.commander})" for d in staying)
        kept = f" Staying with their commanders: {stay}." if stay else ""
        return f"Handed over {what} to @{cmd.to}, with {names}.{kept}"

    def freeze(self, cmd: FreezeService, user: str) -> str:
        """Freeze a service (or all) until a time; replacing someone else's needs --takeover."""
        now = self.clock.now()
        current = self._freeze_of(cmd.target)
        if current is not None and current.set_by not in (None, user) and not cmd.takeover:
            raise Refused(
                f"{cmd.target} is already frozen by @{current.set_by} until "
                f"{current.until:%Y-%m-%d %H:%M %Z}: {current.reason}. "
                "Add --takeover to replace their freeze."
            )
        if current is not None:
            self.repo.end_freeze(cmd.target, by=user, now=now)
        self.repo.add_freeze(cmd.target, until=cmd.until, reason=cmd.reason, set_by=user, now=now)
        taken = f" (took over from @{current.set_by})" if current and current.set_by != user else ""
        local = cmd.until.astimezone(self.config.team.tz)
        return f"Froze {cmd.target} until {local:%Y-%m-%d %H:%M %Z}: {cmd.reason}{taken}."

    def unfreeze(self, cmd: Unfreeze, user: str) -> str:
        """End a freeze; ending someone else's needs --takeover."""
        current = self._freeze_of(cmd.target)
        if current is None:
            raise NotFound(f"{cmd.target} has no freeze set from Slack.")
        if current.set_by not in (None, user) and not cmd.takeover:
            raise Refused(
                f"The freeze on {cmd.target} was set by @{current.set_by}: {current.reason}. "
                "Add --takeover to end it anyway."
            )
        self.repo.end_freeze(cmd.target, by=user, now=self.clock.now())
        return f"Unfroze {cmd.target}."

    def notice(self, cmd: Notice, user: str) -> str:
        """Schedule a maintenance notice; the worker posts it and its all-clear."""
        now = self.clock.now()
        starts = cmd.at or now
        ends = starts + cmd.duration if cmd.duration else None
        channel = self.config.team.announcements_channel
        self.repo.add_notice(
            channel=channel,
            text=cmd.text,
            starts_at=starts,
            ends_at=ends,
            created_by=user,
            now=now,
        )
        tz = self.config.team.tz
        when = "now" if cmd.at is None else f"at {starts.astimezone(tz):%Y-%m-%d %H:%M %Z}"
        until = f", all-clear at {ends.astimezone(tz):%H:%M %Z}" if ends else ""
        return f"Notice for {channel} {when}{until}: {cmd.text}"

    def post_due_notices(self) -> None:
        """Post notices whose time came and the all-clear of ended ones, once across replicas."""
        now = self.clock.now()
        for notice in self.repo.notices_pending():
            if notice.state == "scheduled" and notice.starts_at <= now:
                self._post_notice(notice, now)
            elif notice.state == "posted" and notice.ends_at is not None and notice.ends_at <= now:
                self._end_notice(notice, now)

    def _post_notice(self, notice: NoticeRecord, now: datetime) -> None:
        if self.repo.claim_delivery(f"notice-post:{notice.id}", now, KEEP_CLAIMS):
            _, ts = self.slack.post(notice.channel, f":construction: Maintenance: {notice.text}")
            self.repo.mark_notice_posted(notice.id, ts, now)

    def _end_notice(self, notice: NoticeRecord, now: datetime) -> None:
        if self.repo.claim_delivery(f"notice-end:{notice.id}", now, KEEP_CLAIMS):
            text = f":white_check_mark: All clear: {notice.text}"
            _, ts = self.slack.post(notice.channel, text, thread_ts=None)
            self.repo.mark_notice_ended(notice.id, ts, now)

    def _freeze_of(self, target: str) -> Freeze | None:
        now = self.clock.now()
        matches = [f for f in self.repo.active_freezes(now) if tuple(f.services) == (target,)]
        return matches[-1] if matches else None

    def _alt(self, cmd: RollbackService) -> str:
        return ALTERNATIVES.format(service=cmd.service)
