"""The test harness signs requests exactly as Slack does (checked against Slack's vector)."""

from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier

from tests.slackclient import sign, signed_headers

# Slack's published example ("Verifying requests from Slack"), as in slack_sdk's own tests.
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TIMESTAMP = 1531420618
BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    "&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    "%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
EXPECTED = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


class FrozenClock:
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def test_signature_matches_slacks_published_vector() -> None:
    assert sign(SECRET, TIMESTAMP, BODY) == EXPECTED
    assert sign(SECRET, str(TIMESTAMP), BODY.encode()) == EXPECTED


def test_slack_sdk_verifier_accepts_the_harness_headers() -> None:
    headers = signed_headers(SECRET, BODY, "application/x-www-form-urlencoded", timestamp=TIMESTAMP)
    verifier = SignatureVerifier(SECRET, clock=FrozenClock(TIMESTAMP))
    assert headers["X-Slack-Signature"] == EXPECTED
    assert verifier.is_valid_request(BODY, headers)


def test_a_changed_body_or_secret_no_longer_verifies() -> None:
    verifier = SignatureVerifier(SECRET, clock=FrozenClock(TIMESTAMP))
    forged = signed_headers("not-the-secret", BODY, "application/json", timestamp=TIMESTAMP)
    assert not verifier.is_valid_request(
        BODY + "&x=1", {"X-Slack-Request-Timestamp": str(TIMESTAMP), "X-Slack-Signature": EXPECTED}
    )
    assert not verifier.is_valid_request(BODY, forged)


def test_a_timestamp_older_than_five_minutes_is_rejected_even_when_signed() -> None:
    now = time.time()
    stale = signed_headers(SECRET, BODY, "application/json", timestamp=int(now) - 301)
    fresh = signed_headers(SECRET, BODY, "application/json", timestamp=int(now) - 290)
    verifier = SignatureVerifier(SECRET, clock=FrozenClock(now))
    assert not verifier.is_valid_request(BODY, stale)
    assert verifier.is_valid_request(BODY, fresh)


def test_retries_carry_slacks_retry_headers() -> None:
    headers = signed_headers(SECRET, "{}", "application/json", retry_num=2)
    assert headers["X-Slack-Retry-Num"] == "2"
    assert headers["X-Slack-Retry-Reason"] == "http_timeout"
