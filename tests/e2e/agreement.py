"""Does Slack show what the store says? The thread holds exactly the deploy's posted outbox
messages, in order, each once and as last updated; the card shows the stored state."""

from __future__ import annotations

import time

from bot.blocks.card import card_text
from bot.edge import outgoing
from bot.edge.text import top_text
from bot.outbox import status_pointer
from rollout.parsing import parse_config
from store.records import OutboxRecord
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import DEPLOY_CHANNEL
from tests.slackfake import Call, FakeSlack, Message


def disagreements(
    fake: FakeSlack, store: StoreOracle, config_text: str, root: Call, deploy_id: str
) -> list[str]:
    """Every way the thread or the card differs from the store (empty when they agree)."""
    state = store.deploy(deploy_id)
    records = store.repo.messages(deploy_id)
    problems = [f"message {r.id} is {r.state}" for r in records if r.state != "sent"]
    root_ts = root.response["ts"]
    channel = fake.messages(DEPLOY_CHANNEL)
    shown = {m.ts: m for m in channel}
    in_thread = [m for m in channel if m.thread_ts == root_ts]
    posts = [r for r in records if r.message.kind == "post" and r.message.in_thread]
    if [m.ts for m in in_thread] != [r.ts for r in posts]:
        problems.append(
            f"thread has {[m.text[:40] for m in in_thread]}, "
            f"store has {[r.message.text[:40] for r in posts]}"
        )
    for record in posts:
        message = shown.get(record.ts or "")
        latest = _latest_blocks(record, records)
        expected_blocks = outgoing.message("", latest, status_pointer(deploy_id))[1] or []
        if message is not None and message.blocks != expected_blocks:
            problems.append(f"message {record.id} does not show its latest blocks")
    roots = [m for m in channel if m.thread_ts is None and m.text.startswith(state.service)]
    if len(roots) != 1:
        problems.append(f"{len(roots)} root cards in the channel")
    expected = top_text(card_text(state, parse_config(config_text, "e2e.toml")))
    if _text(shown.get(root_ts)) != expected:
        problems.append(f"card shows {_text(shown.get(root_ts))!r}, store says {expected!r}")
    return problems


def wait_agreed(
    fake: FakeSlack,
    store: StoreOracle,
    config_text: str,
    root: Call,
    deploy_id: str,
    timeout: float = 30,
) -> None:
    """Poll until the thread and the card agree with the store; fail with the differences."""
    deadline = time.monotonic() + timeout
    while True:
        problems = disagreements(fake, store, config_text, root, deploy_id)
        if not problems:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"Slack and the store disagree after {timeout}s: {problems}")
        time.sleep(0.2)


def _latest_blocks(post: OutboxRecord, records: list[OutboxRecord]) -> list:
    updates = [
        r
        for r in records
        if r.message.kind == "update" and post.message.ref and r.message.target == post.message.ref
    ]
    return (updates[-1] if updates else post).message.blocks


def _text(message: Message | None) -> str | None:
    return message.text if message else None
