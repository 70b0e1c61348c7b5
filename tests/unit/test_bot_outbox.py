"""The outbox and the reconcile loop over in-memory fakes: messages are saved with their
transition and sent in order per deploy; failures wait without skipping; the world converges."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.grammar.commands import Start
from bot.outbox import Outbox
from rollout import events as ev
from rollout.errors import WorldError
from tests.fakes import RecordingSlack, bot_stack
from tests.unit.test_bot_deploys import CONFIG, through_checklist_and_staging


def stack(**kwargs: Any):
    return bot_stack(CONFIG % {"canary": 0.001, "mode": "act"}, **kwargs)


def slack_error(status: int, retry_after: str | None = None) -> SlackApiError:
    headers = {"Retry-After": retry_after} if retry_after else {}
    body = {"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.test/api/chat.postMessage",
        req_args={},
        data=body,
        headers=headers,
        status_code=status,
    )
    return SlackApiError("failed", response)


class FlakySlack(RecordingSlack):
    """A recording Slack whose next posts fail with the queued errors."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[SlackApiError] = []

    def post(
        self,
        channel: str,
        text: str,
        blocks: Any = None,
        thread_ts: str | None = None,
        pointer: str = "",
    ):
        if self.failures:
            raise self.failures.pop(0)
        return super().post(channel, text, blocks, thread_ts, pointer)


def offline(s) -> FlakySlack:
    """Swap the stack's Slack for a flaky one that the next drain will use."""
    flaky = FlakySlack()
    s.worker.outbox.slack = flaky
    return flaky


class TestTheOutbox:
    def test_a_transition_saves_its_messages_and_the_drain_sends_them_in_order(self):
        s = stack()
        s.deploys.wake = lambda: None  # nothing is sent until a pass drains
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        pending = s.repo.pending_messages(state.id)
        assert [m.message.ref for m in pending] == ["root", "checklist:0"]
        assert s.slack.calls == []

        s.worker.run_once()

        card, stage = s.slack.of("chat.postMessage")
        assert card.thread_ts is None and stage.thread_ts == card.ts
        assert s.repo.pending_messages(state.id) == []
        assert s.repo.thread_of(state.id) == ("CDEPLOYS", card.ts, card.ts)

    def test_a_429_waits_out_retry_after_and_holds_back_only_its_own_deploy(self):
        s = stack()
        flaky = offline(s)
        flaky.failures = [slack_error(429, "30")]
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        assert flaky.of("chat.postMessage") == []  # the root card hit the 429: nothing after it
        first = s.repo.pending_messages(state.id)[0]
        assert first.next_attempt_at is not None
        assert (first.next_attempt_at - s.clock.now()).total_seconds() == 30

        s.clock.advance(seconds=29)
        s.worker.run_once()
        assert flaky.of("chat.postMessage") == []
        s.clock.advance(seconds=1)
        s.worker.run_once()
        card, stage = flaky.of("chat.postMessage")
        assert stage.thread_ts == card.ts

    def test_failures_in_a_row_never_skip_a_message(self):
        s = stack()
        flaky = offline(s)
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        flaky.failures = [slack_error(503) for _ in range(6)]
        s.deploys.apply(state.id, ev.Hold("UALICE"))
        s.deploys.apply(state.id, ev.Resume("UALICE"))
        for _ in range(12):
            s.clock.advance(seconds=5)
            s.worker.run_once()
        texts = [c.text for c in flaky.of("chat.postMessage") if c.thread_ts]
        assert len(texts) == 3 and "Held" in texts[1] and "Resumed" in texts[2]
        assert all(m.state == "sent" for m in s.repo.messages(state.id))

    def test_the_card_is_re_rendered_from_the_stored_state_until_slack_shows_it(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        updates = len(s.slack.of("chat.update"))

        def failing_update(*args: Any, **kwargs: Any) -> None:
            raise slack_error(500)

        s.slack.update = failing_update  # type: ignore[method-assign]
        s.deploys.apply(state.id, ev.Hold("UALICE"))
        s.deploys.apply(state.id, ev.Resume("UALICE"))
        assert s.repo.card_version(state.id) != s.repo.version_of(state.id)
        del s.slack.update  # Slack is back
        s.clock.advance(seconds=10)
        s.worker.run_once()
        assert len(s.slack.of("chat.update")) == updates + 1  # one update, of the latest state
        assert "running" in s.slack.of("chat.update")[-1].text
        assert s.repo.card_version(state.id) == s.repo.version_of(state.id)

    def test_another_replica_holding_the_lease_sends_nothing(self):
        s = stack()
        s.deploys.wake = lambda: None
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        other = Outbox(s.repo, RecordingSlack(), s.config, owner="replica-b")
        assert s.repo.claim_outbox(state.id, "replica-a", s.clock.now(), _seconds(15))

        other.drain(s.clock.now())
        assert other.slack.calls == []
        s.repo.release_outbox(state.id, "replica-a")
        other.drain(s.clock.now())
        assert len(other.slack.of("chat.postMessage")) == 2

    def test_ticks_update_the_checklist_message_in_place(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        stage = s.thread_posts()[0]
        s.deploys.apply(state.id, ev.ChecklistItemDone("UALICE", 0))
        assert len(s.thread_posts()) == 1  # no new line for a tick
        update = [u for u in s.slack.of("chat.update") if u.ts == stage.ts][-1]
        items = [b for b in update.blocks if str(b.get("block_id", "")).startswith("checklist")]
        assert items[0]["text"]["text"].startswith("✓") and "accessory" not in items[0]
        assert items[1]["accessory"]["action_id"] == "tick"

    def test_a_finished_deploys_messages_are_given_up_a_day_after_it_finished(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        flaky = offline(s)
        flaky.failures = [slack_error(400) for _ in range(100)]
        s.deploys.apply(state.id, ev.Rollback("UALICE"))
        s.clock.advance(hours=23)
        s.worker.run_once()
        assert s.repo.pending_messages(state.id)  # still retried while the deploy is recent
        s.clock.advance(hours=2)
        s.worker.run_once()
        assert s.repo.pending_messages(state.id) == []
        assert [m.state for m in s.repo.messages(state.id)][-1] == "dropped"


class TestReconcile:
    def test_staging_is_deployed_and_smoke_tested_once_then_traffic_follows_the_store(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        through_checklist_and_staging(s, state.id)
        assert s.deployer.calls.count(("smoke_test", "api", "staging", "smoke")) == 1
        assert s.deployer.calls[-1] == ("set_traffic", "api", "1.0", 2.0, 2.0, 0.0)  # canary
        calls = len(s.deployer.calls)
        for _ in range(3):
            s.worker.run_once()
        assert len(s.deployer.calls) == calls  # an unchanged desired world is not re-sent

    def test_a_restart_applies_the_desired_world_once_more(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        through_checklist_and_staging(s, state.id)
        before = len(s.deployer.calls)
        from bot.reconcile import Reconciler

        s.worker.reconciler = Reconciler(s.deploys, s.worker.reconciler.world)  # new process
        s.worker.run_once()
        s.worker.run_once()
        assert s.deployer.calls[before:] == [("set_traffic", "api", "1.0", 2.0, 2.0, 0.0)]

    def test_a_rollback_reaches_production_even_after_the_deploy_finished(self):
        s = stack()
        s.deploys.wake = lambda: None  # as if the process died right after the save
        state = s.deploys.start(Start("api", "1.0"), "UALICE")
        s.deploys.apply(state.id, ev.Rollback("UALICE"))
        assert ("rollback", "api", "1.0", None) not in s.deployer.calls
        s.worker.run_once()
        assert ("rollback", "api", "1.0", None) in s.deployer.calls
        calls = len(s.deployer.calls)
        s.worker.run_once()
        assert len(s.deployer.calls) == calls  # known applied: not repeated

    def test_a_world_error_holds_the_deploy_once_with_the_reason(self):
        s = stack()
        state = s.deploys.start(Start("api", "1.0"), "UALICE")

        def broken(*args: Any) -> None:
            raise WorldError("set_traffic", "exit 3: no such host")

        s.deployer.set_traffic = broken  # type: ignore[method-assign]
        through_checklist_and_staging(s, state.id)
        for _ in range(5):
            s.clock.advance(seconds=70)
            s.worker.run_once()
        held = s.repo.get(state.id)
        assert held.status == "held"
        assert held.hold_reason == "set_traffic failed: exit 3: no such host"
        kinds = [e.kind for e in s.repo.events(state.id)]
        assert kinds.count("action_failed") == 1  # held once, not once per try


def _seconds(n: float):
    from datetime import timedelta

    return timedelta(seconds=n)
