"""The fake Slack Web API answers slack_sdk like Slack does, so the e2e tests can trust it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from tests.slackfake import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def test_posts_land_in_the_channel_and_updates_change_them_in_place(
    fake: FakeSlack, client: WebClient
) -> None:
    root = client.chat_postMessage(
        channel="#deploys",
        text="api 1.2 running",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "card"}}],
    )
    reply = client.chat_postMessage(channel=root["channel"], thread_ts=root["ts"], text="hi")
    client.chat_update(channel=root["channel"], ts=root["ts"], text="api 1.2 completed")

    assert root["channel"] == "CDEPLOYS" and reply["message"]["thread_ts"] == root["ts"]
    card, threaded = fake.messages("#deploys")
    assert card.text == "api 1.2 completed" and card.history == ["api 1.2 running"]
    assert threaded.thread_ts == root["ts"]
    posted = fake.calls("chat.postMessage")[0]
    assert posted.blocks[0]["type"] == "section" and "card" in posted.text
    assert posted.headers["Authorization"] == "Bearer xoxb-test"


def test_an_update_of_an_unknown_message_fails_like_slack(client: WebClient) -> None:
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="#deploys", ts="1.000001", text="x")


def test_uploads_go_through_all_three_steps_and_can_be_read_back(
    fake: FakeSlack, client: WebClient
) -> None:
    client.files_upload_v2(
        content=b"evidence,1\n",
        filename="why.csv",
        channel="CDEPLOYS",
        thread_ts="1.000001",
        title="why",
    )

    methods = [c.method for c in fake.calls()]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    file_id = fake.calls("upload")[0].params["file_id"]
    assert fake.upload(file_id) == b"evidence,1\n"
    assert httpx.get(f"{fake.base_url}files/{file_id}").content == b"evidence,1\n"
    assert fake.calls("files.completeUploadExternal")[0].params["thread_ts"] == "1.000001"


def test_injected_rate_limits_and_server_errors_are_retried_by_the_sdk_handlers(
    fake: FakeSlack,
) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=fake.api_url,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
    fake.fail_next("chat.postMessage", times=1, status=429, retry_after=1)
    fake.fail_next("chat.update", times=1, status=500)

    posted = client.chat_postMessage(channel="#deploys", text="after a 429")
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="after a 500")

    statuses = [(c.method, c.status) for c in fake.calls()]
    assert statuses == [
        ("chat.postMessage", 429),
        ("chat.postMessage", 200),
        ("chat.update", 500),
        ("chat.update", 200),
    ]
    assert fake.calls("chat.postMessage")[0].response == {"ok": False, "error": "ratelimited"}


def test_response_urls_and_scheduled_messages_are_recorded(
    fake: FakeSlack, client: WebClient
) -> None:
    url = fake.response_url()
    httpx.post(url, json={"response_type": "ephemeral", "text": "only you"})
    client.chat_scheduleMessage(
        channel="#announcements", text="later", post_at=int(time.time()) + 1
    )

    assert fake.log.wait_for_call("response_url").params["text"] == "only you"
    delivered = fake.log.wait_for_call("scheduled.delivered", timeout=5)
    assert delivered.params["channel"] == "CANNOUNCEMENTS"
    assert [m.text for m in fake.messages("#announcements")] == ["later"]
