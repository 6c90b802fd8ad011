"""The HTTP server as Slack and Prometheus see it: signatures, hostile input, health, metrics, retries."""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from tests.handlers.harness import wait_metric


def command_body(slack, text: str | bytes, rid: str = "r1") -> bytes:
    form = urlencode({"team_id": "T0001", "channel_id": "C100", "user_id": "U100", "command": "/cncf",
                      "response_url": slack.fake.response_url(rid)})
    text_part = urlencode({"text": text}).encode() if isinstance(text, str) else b"text=" + text
    return form.encode() + b"&" + text_part


def assert_still_up(slack):
    status, rid = slack.command("what is envoy")
    assert status == 200
    assert "Envoy" in slack.response(rid)[0]["text"]


FORM = "application/x-www-form-urlencoded"


def shown_text(node) -> str:
    if isinstance(node, dict):
        return " ".join(shown_text(v) for k, v in node.items() if k not in ("value", "action_id", "block_id"))
    if isinstance(node, list):
        return " ".join(shown_text(v) for v in node)
    return node if isinstance(node, str) else ""


@pytest.mark.parametrize("case", ["forged", "old", "no-signature", "no-timestamp", "no-headers", "wrong-secret"])
def test_unsigned_or_stale_requests_get_401_and_nothing_is_posted(slack, case):
    body = command_body(slack, "what is linkerd", rid="evil")
    headers = slack.signed_headers(body, FORM)
    if case == "forged":
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    elif case == "old":
        headers = slack.signed_headers(body, FORM, timestamp=int(time.time()) - 6 * 60)
    elif case == "no-signature":
        del headers["X-Slack-Signature"]
    elif case == "no-timestamp":
        del headers["X-Slack-Request-Timestamp"]
    elif case == "no-headers":
        headers = {"Content-Type": FORM}
    elif case == "wrong-secret":
        from slack_sdk.signature import SignatureVerifier

        ts = headers["X-Slack-Request-Timestamp"]
        headers["X-Slack-Signature"] = SignatureVerifier("not-the-secret").generate_signature(timestamp=ts, body=body)
    status, _, _ = slack.request("POST", "/slack/events", body, headers)
    assert status == 401
    assert_still_up(slack)
    assert not slack.fake.find("response", "evil")
    assert not slack.fake.find("api", "chat.postMessage")


def test_tampered_body_is_refused(slack):
    body = command_body(slack, "what is linkerd", rid="evil")
    headers = slack.signed_headers(body, FORM)
    status, _, _ = slack.request("POST", "/slack/events", body.replace(b"linkerd", b"envoy!!"), headers)
    assert status == 401


def test_url_verification_challenge(slack):
    body = json.dumps({"type": "url_verification", "token": "x", "challenge": "abc123"}).encode()
    status, _, data = slack.post_slack(body, "application/json")
    assert status == 200 and json.loads(data)["challenge"] == "abc123"


@pytest.mark.parametrize("text", [
    "<!channel> what is linkerd",
    "<!here> <!everyone> <@U123> <#C42|general> & what is helm?",
    "what is " + "kubernetes " * 1000,  # about 11,000 characters
    "what\x00is\x07 linkerd\x1b[31m\u202e\ufeff",
    "",
])
def test_hostile_command_text_is_escaped_and_answered(slack, text):
    status, rid = slack.command(text)
    assert status == 200
    (msg,) = slack.response(rid)
    blob = shown_text(msg)  # what Slack renders; button values are opaque data, never shown
    for control in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C42"):
        assert control not in blob
    assert "\x00" not in blob and "\\u0000" not in blob
    assert len(msg["blocks"]) <= 50 and len(json.dumps(msg["blocks"], ensure_ascii=False)) <= 13000
    assert msg["text"]


def test_ampersand_stays_an_ampersand(slack):
    status, rid = slack.command("what is rock & roll")
    blob = shown_text(slack.response(rid)[0])
    assert "&amp;" in blob or "&" not in blob.replace("&amp;", "")
    assert "&amp;amp;" not in blob


def test_invalid_utf8_is_refused_cleanly(slack):
    body = command_body(slack, b"\xff\xfe\xc3(", rid="bad")
    status, _, _ = slack.post_slack(body, FORM)
    assert status == 400
    status, _, _ = slack.request("POST", "/slack/events", body, {"Content-Type": FORM})
    assert status == 401  # unsigned junk is refused like anything unsigned
    assert_still_up(slack)
    assert not slack.fake.find("response", "bad")


def test_garbage_bodies_do_not_break_the_server(slack):
    for body, ctype in [(b"{not json", "application/json"), (b"payload=%7Bnope", FORM), (b"", FORM),
                        (b'{"type":"event_callback"}', "application/json"), (b"payload=[1,2]", FORM)]:
        status, _, _ = slack.post_slack(body, ctype)
        assert status < 500
    assert_still_up(slack)


def test_oversized_body_is_refused(slack):
    body = b"text=" + b"a" * (2 << 20)
    status, _, _ = slack.post_slack(body, FORM)
    assert status == 413
    assert_still_up(slack)


def test_healthz(slack):
    status, headers, body = slack.request("GET", "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}


def test_metrics_in_prometheus_text_format(slack):
    status, rid = slack.command("what is linkerd")
    slack.response(rid)
    status, headers, body = slack.request("GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    assert "# TYPE cncf_bot_slack_requests_total counter" in text
    assert 'cncf_bot_slack_requests_total{kind="command",outcome="ok"}' in text
    assert "# TYPE cncf_bot_answer_seconds histogram" in text
    assert 'cncf_bot_answer_seconds_bucket{source="command",le="+Inf"}' in text
    assert "# TYPE cncf_bot_slack_api_errors_total counter" in text
    assert 'cncf_bot_http_requests_total{path="/slack/events",status="200"}' in text
    for line in text.splitlines():  # every sample line is "name{labels} number"
        if line and not line.startswith("#"):
            float(line.rsplit(" ", 1)[1].replace("+Inf", "inf"))


def test_unknown_paths_and_methods(slack):
    assert slack.request("GET", "/slack/events")[0] == 405
    assert slack.request("GET", "/nope")[0] == 404


def test_rate_limited_post_is_retried_after_retry_after(slack):
    slack.fake.fail("chat.postMessage", status=429, headers={"Retry-After": "0"})
    slack.event({"type": "app_mention", "user": "U100", "text": "<@UBOT> what is linkerd", "ts": "1700000050.1",
                 "channel": "C100"})
    calls = slack.fake.wait_for("api", "chat.postMessage", count=2)
    assert [c.status for c in calls] == [429, 200]
    wait_metric(slack, 'cncf_bot_slack_api_retries_total{reason="rate_limited"}')


def test_server_errors_are_retried_with_backoff(slack):
    slack.fake.fail("views.publish", status=503)
    slack.event({"type": "app_home_opened", "user": "U100", "channel": "D1", "tab": "home"})
    calls = slack.fake.wait_for("api", "views.publish", count=2)
    assert [c.status for c in calls] == [503, 200]
