"""Socket Mode: Bolt's built-in handler against a local websocket server, as bolt-python's tests do."""
from __future__ import annotations

import pytest

from bot.app import build_runtime
from bot.config import Config
from bot.server import socket_mode_handler
from tests.fakeslack import TEAM_ID, FakeSlack
from tests.handlers.harness import BOT_TOKEN, RecordingServices


@pytest.fixture(scope="module")
def socket_mode(engine):
    fake = FakeSlack().start()
    config = Config.from_env({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-test",
                              "SLACK_API_URL": fake.api_url, "LOG_FORMAT": "text"})
    assert config.socket_mode and config.slack_signing_secret is None
    runtime = build_runtime(config, engine=engine, services=RecordingServices(), start_jobs=False)
    handler = socket_mode_handler(runtime)
    handler.connect()
    yield fake, runtime
    handler.close()
    fake.stop()


def test_connects_with_the_app_token(socket_mode):
    fake, _ = socket_mode
    (call,) = fake.wait_for("api", "apps.connections.open")
    assert call.headers.get("Authorization") == "Bearer xapp-1-test"
    assert fake.socket_connections >= 1


def test_slash_command_over_socket_mode(socket_mode):
    fake, runtime = socket_mode
    fake.socket_send({"envelope_id": "env-cmd-1", "type": "slash_commands", "accepts_response_payload": True,
                      "payload": {"token": "x", "team_id": TEAM_ID, "channel_id": "C100", "user_id": "U100",
                                  "command": "/cncf", "text": "트레일 맵 3단계", "api_app_id": "A0001",
                                  "response_url": fake.response_url("sm-cmd"), "trigger_id": "1.2.3"}})
    (ack,) = fake.wait_for("socket_ack", "env-cmd-1")
    assert ack.body["envelope_id"] == "env-cmd-1"
    reply = ack.body["payload"]  # the answer rides in the envelope's ack
    assert "3단계" in reply["blocks"][0]["text"]["text"] and reply["response_type"] == "ephemeral"
    assert runtime.services.questions[-1].source == "command"


def test_mention_over_socket_mode_is_answered_once_despite_a_retry(socket_mode):
    fake, _ = socket_mode
    event = {"type": "app_mention", "user": "U100", "text": "<@UBOT> what is keda", "ts": "1700000077.000100",
             "channel": "C200"}
    body = {"type": "event_callback", "team_id": TEAM_ID, "event_id": "EvSOCKET1", "event": event,
            "api_app_id": "A0001", "event_time": 1700000077}
    fake.socket_send({"envelope_id": "env-ev-1", "type": "events_api", "payload": body,
                      "accepts_response_payload": False, "retry_attempt": 0, "retry_reason": ""})
    fake.socket_send({"envelope_id": "env-ev-2", "type": "events_api", "payload": body,
                      "accepts_response_payload": False, "retry_attempt": 1, "retry_reason": "timeout"})
    fake.wait_for("socket_ack", "env-ev-1")
    fake.wait_for("socket_ack", "env-ev-2")
    (post,) = fake.wait_for("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "C200")
    assert post.body["thread_ts"] == "1700000077.000100" and "KEDA" in post.body["text"]
    # a later message proves the retry had its chance and did not post
    event2 = event | {"ts": "1700000078.000100", "text": "<@UBOT> what is envoy"}
    fake.socket_send({"envelope_id": "env-ev-3", "type": "events_api", "accepts_response_payload": False,
                      "payload": body | {"event_id": "EvSOCKET2", "event": event2}})
    fake.wait_for("api", "chat.postMessage", count=2, where=lambda c: c.body.get("channel") == "C200")
    assert len(fake.find("api", "chat.postMessage", where=lambda c: "KEDA" in c.body.get("text", ""))) == 1
