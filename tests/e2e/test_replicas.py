"""Two `commander serve` replicas on one PostgreSQL database never advance a deploy twice."""

from __future__ import annotations

import pytest

from tests.e2e.agreement import wait_agreed
from tests.e2e.botserver import new_secret
from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.steps import at_first_gate, click_together, clicks_at_once
from tests.e2e.teamconfig import team_config
from tests.slackfake import FakeSlack


@pytest.mark.postgres
def test_the_same_click_on_two_replicas_at_once_advances_the_deploy_once(
    postgres_url: str, launch: Launch, fake_slack: FakeSlack
) -> None:
    # postgres_url comes first so the database is dropped only after both replicas stopped
    secret = new_secret()  # one Slack app: both replicas verify with the same secret
    config = team_config()
    first = launch(config, database_url=postgres_url, name="replica-a", secret=secret)
    second = launch(config, database_url=postgres_url, name="replica-b", secret=secret)
    store = StoreOracle(postgres_url)
    try:
        chat = Chat(fake_slack, first)
        root, deploy_id = at_first_gate(chat, store, "1.0.0")
        confirm = chat.button(root, "confirm", stage=0)

        statuses = click_together(chat, confirm, [first, second], "1712000000.654321")

        assert statuses == [200, 200]
        store.awaiting_confirm(deploy_id, 1)
        assert len(store.events(deploy_id, "confirm")) == 1
        assert len(store.events(deploy_id, "smoke_passed")) == 1  # one replica ran staging
        wait_agreed(fake_slack, store, config, root, deploy_id)  # both drain; none posts twice
    finally:
        store.close()


@pytest.mark.postgres
def test_two_ticks_on_two_replicas_at_once_are_both_recorded(
    postgres_url: str, launch: Launch, fake_slack: FakeSlack
) -> None:
    secret = new_secret()
    first = launch(team_config(), database_url=postgres_url, name="replica-a", secret=secret)
    second = launch(team_config(), database_url=postgres_url, name="replica-b", secret=secret)
    store = StoreOracle(postgres_url)
    try:
        chat = Chat(fake_slack, first)
        chat.command("start api 1.0.0")
        root = chat.root_card("api", "1.0.0")
        ticks = [chat.button(root, "tick", stage=0, item=i) for i in (0, 1)]

        statuses = clicks_at_once(chat, [(ticks[0], first), (ticks[1], second)])

        assert statuses == [200, 200]
        store.awaiting_confirm(ticks[0].value["deploy"], 0)  # both items ticked
    finally:
        store.close()
