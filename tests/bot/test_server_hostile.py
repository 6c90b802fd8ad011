"""Requests that never came from Slack, or came malformed: nothing expensive before the
signature, one short log line for a refusal, and never a 500 from input."""
from __future__ import annotations

import json
import logging
import socket
import time
from urllib.parse import urlencode

import pytest

from tests.handlers.harness import TEAM_ID

FORM = "application/x-www-form-urlencoded"


def still_up(slack) -> bool:
    status, rid = slack.command("what is envoy")
    return status == 200 and "Envoy" in slack.response(rid)[0]["text"]


def raw_chunked(slack, total: int, chunk: int = 64 * 1024) -> bytes:
    """POST a chunked body of `total` bytes without content-length; what the server answered."""
    s = socket.create_connection(("127.0.0.1", slack.port), timeout=10)
    try:
        s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        piece = b"%x\r\n" % chunk + b"a" * chunk + b"\r\n"
        sent = 0
        try:
            while sent < total:
                s.sendall(piece)
                sent += chunk
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server stopped reading: what we want
        try:
            return s.recv(4096)
        except OSError:
            return b""
    finally:
        s.close()


def test_a_chunked_body_without_length_is_cut_at_the_limit(slack):
    reply = raw_chunked(slack, 64 << 20)  # 64 MB, no content-length
    assert reply == b"" or reply.startswith(b"HTTP/1.1 413")
    assert still_up(slack)


@pytest.mark.parametrize("timestamp", ["abc", "1700000000.5", "9" * 5000, "-5", ""])
def test_a_strange_timestamp_is_401_not_a_traceback(slack, timestamp, caplog):
    body = urlencode({"command": "/cncf", "text": "what is linkerd"}).encode()
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "a" * 64}
    with caplog.at_level(logging.INFO):
        status, _, _ = slack.request("POST", "/slack/events", body, headers)
    assert status == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert still_up(slack)


def test_an_unsigned_deeply_nested_body_is_refused_before_parsing(slack, caplog):
    body = b"[" * 100_000 + b"]" * 100_000
    with caplog.at_level(logging.INFO):
        status, _, _ = slack.request("POST", "/slack/events", body, {"Content-Type": "application/json"})
    assert status == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_signed_deeply_nested_body_is_400(slack):
    body = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    status, _, _ = slack.post_slack(body, "application/json")
    assert status == 400
    assert still_up(slack)


def test_forged_requests_are_logged_in_one_short_line_without_the_body(slack, caplog):
    secret_text = "U0SECRETUSER hooks.slack.com/commands/xyz"
    body = urlencode({"command": "/cncf", "text": secret_text, "filler": "x" * 900_000}).encode()
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(int(time.time())),
               "X-Slack-Signature": "v0=" + "0" * 64}
    with caplog.at_level(logging.DEBUG):
        status, _, _ = slack.request("POST", "/slack/events", body, headers)
    assert status == 401
    logged = [r.getMessage() for r in caplog.records]
    assert logged and all(len(m) < 300 for m in logged)
    assert not any("U0SECRETUSER" in m or "hooks.slack.com" in m for m in logged)


def signed_payload(slack, payload: dict):
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return slack.post_slack(body, FORM)[0]


@pytest.mark.parametrize("payload", [
    {"type": "block_actions", "actions": "not-a-list", "user": {"id": "U1"}, "team": {"id": TEAM_ID}},
    {"type": "block_actions", "actions": [{"action_id": "cncf_open_1", "value": '{"m": "nonsense", "o": 5}'}],
     "user": {"id": "U1"}, "team": {"id": TEAM_ID}},
    {"type": "block_actions", "actions": [{"action_id": "cncf_more", "value": '{"m": "platinum", "o": 20}'}],
     "user": {"id": "U1"}, "team": {"id": TEAM_ID}, "response_url": "http://127.0.0.1:9/x"},
    {"type": "view_submission", "view": {"id": "V1"}, "user": {"id": "U1"}, "team": {"id": TEAM_ID}},
    {"type": "view_submission", "user": {"id": "U1"}, "team": {"id": TEAM_ID}},
])
def test_malformed_signed_interactions_are_never_a_500(slack, payload):
    assert signed_payload(slack, payload) < 500
    assert still_up(slack)


@pytest.mark.parametrize("event", ["a string, not an object", {"type": "app_mention", "text": 42, "user": "U1",
                                                                "channel": "C1", "ts": "1.2"},
                                   {"type": "app_mention"}, {"type": "message", "channel_type": "im", "text": None}])
def test_malformed_signed_events_are_never_a_500(slack, event):
    body = {"token": "x", "team_id": TEAM_ID, "api_app_id": "A0001", "event": event, "type": "event_callback",
            "event_id": "EvMALFORMED" + str(abs(hash(json.dumps(event))))[:6], "event_time": int(time.time())}
    status, _, _ = slack.post_slack(json.dumps(body).encode(), "application/json")
    assert status < 500
    assert still_up(slack)
