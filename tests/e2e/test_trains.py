"""Release trains: `/deploy start web 2.4.0 api 3.1.0` runs api, then web, in one thread; a
failure holds the rest; a rolled-back back end offers to roll back the front ends after it."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.chat import Button, Chat, buttons
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import (
    BAD_CANARY,
    COMMANDER,
    GOOD_METRICS,
    ROLL_BACK_ON_ERRORS,
    team_config,
    traffic,
)
from tests.slackfake import Call, FakeSlack

WEB = {"name": "web", "depends_on": ["api"], "metrics": GOOD_METRICS}
QUICK = [traffic("100%", 100, bake="1s", gate="auto")]


def train_config(api_metrics: dict | None = None, judges: list[dict] | None = None) -> str:
    plan = (
        QUICK if api_metrics is None else [traffic("canary", 10, bake="10m"), traffic("100%", 100)]
    )
    return team_config(
        plan=plan,
        stabilization="1s",
        api_metrics=api_metrics,
        judges=judges,
        extra_services=[WEB],
    )


def train_root(fake: FakeSlack) -> Call:
    return fake.log.wait_for_call(
        "chat.postMessage",
        lambda c: not c.params.get("thread_ts") and "Release train" in c.text,
        15,
        "the train's root message",
    )


def in_train(fake: FakeSlack, root: Call, *words: str, timeout: float = 20) -> Call:
    """A post in the train's thread whose text has every word."""
    return fake.log.wait_for_call(
        "chat.postMessage",
        lambda c: (
            c.params.get("thread_ts") == root.response["ts"] and all(w in c.text for w in words)
        ),
        timeout,
        f"a train thread post with {words}",
    )


def test_a_train_runs_back_end_then_front_end_in_one_thread_with_linked_cards(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    chat = Chat(fake_slack, launch(train_config()))
    reply = chat.reply_to(chat.command("start web 2.4.0 api 3.1.0"), "release train")
    assert reply.index("api 3.1.0") < reply.index("web 2.4.0")  # depends_on order, not typed

    root = train_root(fake_slack)
    api_card = in_train(fake_slack, root, "api 3.1.0")
    assert store.repo.latest_for("web") is None  # web waits for api
    in_train(fake_slack, root, "web 2.4.0 starts now that api completed", timeout=30)
    web_card = in_train(fake_slack, root, "web 2.4.0:")
    in_train(fake_slack, root, "Release train complete", timeout=30)

    api, web = store.repo.latest_for("api"), store.repo.latest_for("web")
    assert api is not None and web is not None
    assert api.status == "completed" and web.status == "completed"
    assert web.started_at is not None and api.finished_at is not None
    assert web.started_at >= api.finished_at
    assert dict(api.meta)["train"] == dict(web.meta)["train"]
    # every post of both deploys went to the one train thread
    assert store.repo.thread_of(web.id)[2] == store.repo.thread_of(api.id)[2] == root.response["ts"]

    web_ts, api_ts = (
        web_card.response["ts"].replace(".", ""),
        api_card.response["ts"].replace(".", ""),
    )
    fake_slack.log.wait_for_call(
        "chat.update",
        lambda c: c.params.get("ts") == api_card.response["ts"] and f"p{web_ts}" in str(c.blocks),
        15,
        "the api card linking to the web card",
    )
    fake_slack.log.wait_for_call(
        "chat.update",
        lambda c: c.params.get("ts") == web_card.response["ts"] and f"p{api_ts}" in str(c.blocks),
        15,
        "the web card linking to the api card",
    )


def test_a_failing_back_end_holds_the_rest_of_the_train(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    chat = Chat(fake_slack, launch(train_config(BAD_CANARY, ROLL_BACK_ON_ERRORS)))
    chat.command("start api 3.1.0 web 2.4.0")
    root = train_root(fake_slack)

    in_train(fake_slack, root, "api 3.1.0 is rolled back", "web 2.4.0 will not start", timeout=30)
    in_train(fake_slack, root, "Release train stopped")
    api = store.repo.latest_for("api")
    assert api is not None and api.status == "rolled_back"
    assert store.repo.latest_for("web") is None
    assert store.repo.open_trains() == []
    started = store.repo.deploys_since(datetime(2000, 1, 1, tzinfo=UTC))
    assert [state.service for state, _ in started] == ["api"]  # api started once, web never


def test_rolling_back_a_back_end_offers_to_roll_back_the_front_ends_released_after_it(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    chat = Chat(fake_slack, launch(train_config()))
    chat.command("start api 3.0.0")  # an earlier api release to return to
    chat.card_shows(chat.root_card("api", "3.0.0"), "completed", timeout=20)
    chat.command("start api 3.1.0 web 2.4.0")
    root = train_root(fake_slack)
    in_train(fake_slack, root, "Release train complete", timeout=40)

    chat.reply_to(chat.command("rollback api"), "Rolling api back")
    offer = in_train(fake_slack, root, "api 3.1.0 was rolled back", "web 2.4.0")
    element = next(b for b in buttons(offer) if b["action_id"] == "train_rollback:web")
    button = Button(
        offer.response["channel"], offer.response["ts"], root.response["ts"], offer, element
    )
    web = store.repo.latest_for("web")
    assert web is not None and button.value["deploy"] == web.id

    assert chat.click(button, COMMANDER).status_code == 200
    store.wait(web.id, lambda d: d.status == "rolled_back")
    in_train(fake_slack, root, "Release train stopped")
