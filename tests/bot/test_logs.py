"""Logs: one JSON object per line (or readable text), one line per Slack request, and no secrets ever.

The last tests run the real `cncf-bot serve` and `cncf-bot doctor` in a subprocess at DEBUG (where
Bolt logs whole responses, question text included) and look for the configured secrets in
everything they wrote.
"""
from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.config import Config
from bot.logs import REDACTED, install, setup_logging
from tests.fakeslack import TEAM_ID, FakeSlack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.captureWarnings(False)


def capture(fmt: str = "json", secrets_: tuple[str, ...] = (), level: str = "DEBUG") -> io.StringIO:
    stream = io.StringIO()
    install(level, fmt, secrets_, stream)
    return stream


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


# -- formats ----------------------------------------------------------------------------------------

def test_json_is_one_object_per_line_with_the_extra_fields(restore_logging):
    stream = capture("json")
    log = logging.getLogger("cncf_bot.test")
    log.info("hello %s", "world", extra={"kind": "command", "latency_ms": 1.5})
    log.warning("second\nline")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "hello world" and first["level"] == "info" and first["logger"] == "cncf_bot.test"
    assert first["kind"] == "command" and first["latency_ms"] == 1.5
    assert first["time"].endswith("Z")
    assert second["message"] == "second\nline"  # a newline in a message stays inside its JSON line


def test_json_by_default_off_a_terminal_text_on_one():
    assert Config.from_env({}, need_slack=False, is_tty=False).log_format == "json"
    assert Config.from_env({}, need_slack=False, is_tty=True).log_format == "text"
    assert Config.from_env({"LOG_FORMAT": "text"}, need_slack=False, is_tty=False).log_format == "text"


def test_text_lines_are_readable(restore_logging):
    stream = capture("text")
    logging.getLogger("cncf_bot.requests").info("slack request", extra={"kind": "event", "outcome": "ok"})
    line = stream.getvalue().strip()
    assert " INFO cncf_bot.requests: slack request" in line
    assert line.endswith("kind=event outcome=ok")
    with pytest.raises(ValueError):
        json.loads(line)


def test_exceptions_carry_their_traceback(restore_logging):
    stream = capture("json")
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("x").exception("it failed")
    (rec,) = json_lines(stream)
    assert rec["level"] == "error" and "ValueError: broken" in rec["traceback"]


def test_level_is_respected(restore_logging):
    stream = capture("json", level="WARNING")
    logging.getLogger("x").info("quiet")
    logging.getLogger("x").warning("loud")
    assert [r["message"] for r in json_lines(stream)] == ["loud"]


# -- redaction --------------------------------------------------------------------------------------

BOT = "xoxb-1234567890-0987654321-" + "A" * 24
APP = "xapp-1-A0001-123456-" + "b" * 32
SIGNING = "8f14e45fceea167a5a36dedd4bea2543"  # no token shape: only the configured value gives it away
DB_PASSWORD = "Tr0ub4dor-and-3"
OTHER_TOKENS = ["xoxp-111-222-333-abcdef", "xoxe-1-My0xLTIxNzU5", "xoxe.xoxp-1-Mi0yLTMyMTc", "xoxa-2-abc",
                "xapp-1-A999-555-fff"]


@pytest.fixture
def secret_config():
    return Config.from_env({"SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": APP, "SLACK_SIGNING_SECRET": SIGNING,
                            "DATABASE_URL": f"postgresql+psycopg://cncf:{DB_PASSWORD}@db:5432/cncf"})


def logged_with(config, emit) -> str:
    stream = io.StringIO()
    setup_logging(config, stream)
    emit(logging.getLogger("cncf_bot.test"))
    return stream.getvalue()


@pytest.mark.parametrize("secret", [BOT, APP, SIGNING, DB_PASSWORD, *OTHER_TOKENS])
@pytest.mark.parametrize("where", ["message", "args", "extra", "nested extra", "traceback"])
def test_secrets_never_reach_the_log(restore_logging, secret_config, secret, where):
    def emit(log):
        if where == "message":
            log.info(f"token is {secret}.")
        elif where == "args":
            log.info("token is %s and %r", secret, {"token": secret})
        elif where == "extra":
            log.info("request", extra={"token": secret})
        elif where == "nested extra":
            log.info("request", extra={"payload": {"headers": [f"Bearer {secret}"]}})
        else:
            try:
                raise RuntimeError(f"Slack said no to {secret}")
            except RuntimeError:
                log.exception("call failed")

    for fmt in ("json", "text"):
        out = logged_with(dataclasses.replace(secret_config, log_format=fmt), emit)
        assert secret not in out, f"{where} ({fmt}):\n{out}"
        assert REDACTED in out


def test_redaction_keeps_the_rest_of_the_line(restore_logging, secret_config):
    out = logged_with(secret_config, lambda log: log.warning("auth.test with %s failed: invalid_auth", BOT))
    (rec,) = [json.loads(line) for line in out.splitlines()]
    assert rec["message"] == f"auth.test with {REDACTED} failed: invalid_auth"


@pytest.mark.parametrize("url, shown", [
    ("postgresql://bot:s3cr3t-pw@db.internal:5432/cncf", f"postgresql://bot:{REDACTED}@db.internal:5432/cncf"),
    ("postgresql+psycopg://u:p%40ss@h/db", f"postgresql+psycopg://u:{REDACTED}@h/db"),
    ("https://admin:hunter22@proxy.example.com:8080/", f"https://admin:{REDACTED}@proxy.example.com:8080/"),
    ("redis://:onlypassword@cache:6379/0", f"redis://:{REDACTED}@cache:6379/0"),
])
def test_url_credentials_are_redacted_anywhere(restore_logging, url, shown):
    stream = capture("json")  # no configured secrets: the URL's shape is enough
    logging.getLogger("x").error("cannot connect to %s (retrying)", url)
    assert json_lines(stream)[0]["message"] == f"cannot connect to {shown} (retrying)"


def test_url_credentials_inside_a_traceback(restore_logging):
    stream = capture("json")
    try:
        raise ConnectionError("could not reach postgresql://cncf:pa55word@10.0.0.7/cncf")
    except ConnectionError:
        logging.getLogger("x").exception("database down")
    (rec,) = json_lines(stream)
    assert "pa55word" not in json.dumps(rec) and f"cncf:{REDACTED}@10.0.0.7" in rec["traceback"]


def test_percent_encoded_database_password_is_redacted_both_ways(restore_logging):
    config = Config.from_env({"DATABASE_URL": "postgresql+psycopg://cncf:p%40ss%3Aw0rd!@db/cncf"},
                             need_slack=False)
    out = logged_with(config, lambda log: log.info("pw p@ss:w0rd! or p%40ss%3Aw0rd! in a query string"))
    assert "p@ss:w0rd!" not in out and "p%40ss%3Aw0rd!" not in out


def test_plain_words_are_left_alone(restore_logging):
    stream = capture("json", ("ok",))  # a "secret" too short to redact safely
    logging.getLogger("x").info("all ok: xoxb- prefix, http://example.com/a:b, user@host")
    assert json_lines(stream)[0]["message"] == "all ok: xoxb- prefix, http://example.com/a:b, user@host"


# -- one line per request -------------------------------------------------------------------------------

def request_lines(stream: io.StringIO, count: int, timeout: float = 10.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = [r for r in json_lines(stream) if r["logger"] == "cncf_bot.requests"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


@pytest.mark.parametrize("send, expected", [
    (lambda h: h.command("what is linkerd"), {"kind": "command", "intent": "project", "outcome": "ok"}),
    (lambda h: h.command("help"), {"kind": "command", "intent": "help", "outcome": "ok"}),
    (lambda h: h.command("compare argo flux"), {"kind": "command", "intent": "compare", "outcome": "ok"}),
    (lambda h: h.command("potd"), {"kind": "command", "intent": "potd", "outcome": "ok"}),
    (lambda h: h.command("boom"), {"kind": "command", "intent": "boom", "outcome": "error"}),
    (lambda h: h.event({"type": "app_mention", "user": "U100", "text": "<@UBOT> what is envoy",
                        "ts": "1700000060.1", "channel": "C100"}),
     {"kind": "event", "intent": "project", "outcome": "ok"}),
    (lambda h: h.event({"type": "message", "subtype": "bot_message", "text": "hi", "ts": "1700000061.1",
                        "channel": "C100"}), {"kind": "event", "intent": "none", "outcome": "ignored"}),
    (lambda h: h.event({"type": "app_mention", "user": "U100", "text": "<@UBOT> hi", "ts": "1700000062.1",
                        "channel": "C100"}, retry=1), {"kind": "event", "outcome": "ok"}),  # first seen: answered
    (lambda h: h.action({"type": "button", "action_id": "cncf_open", "block_id": "b",
                         "value": json.dumps({"k": "project", "id": "keda", "l": "en"})}),
     {"kind": "action", "intent": "project", "outcome": "ok"}),
])
def test_each_request_logs_one_line_with_kind_intent_latency_and_outcome(restore_logging, harness, send, expected):
    harness.fake.reset()
    stream = capture("json", level="INFO")
    send(harness)
    time.sleep(0.2)  # deferred work logs when it is done
    (line,) = request_lines(stream, 1)
    assert {k: line[k] for k in expected} == expected
    assert isinstance(line["latency_ms"], float) and line["latency_ms"] >= 0
    assert {"kind", "intent", "latency_ms", "outcome"} <= set(line)


def test_an_answer_slack_refuses_is_logged_as_slack_error(restore_logging, harness):
    harness.fake.reset()
    harness.fake.fail("chat.postMessage", error="not_in_channel")
    stream = capture("json", level="INFO")
    harness.event({"type": "app_mention", "user": "U100", "text": "<@UBOT> what is argo", "ts": "1700000070.1",
                   "channel": "C100"})
    (line,) = request_lines(stream, 1)
    assert line["outcome"] == "slack_error" and line["level"] == "warning" and line["intent"] == "project"


def test_a_badly_signed_request_is_logged_as_rejected(restore_logging, harness):
    stream = capture("json", level="INFO")
    body = urlencode({"command": "/cncf", "text": "hi", "team_id": TEAM_ID}).encode()
    status, _, _ = harness.request("POST", "/slack/events", body, {
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64})
    assert status == 401
    (line,) = request_lines(stream, 1)
    assert line["kind"] == "command" and line["outcome"] == "rejected"


def test_a_slow_subcommand_logs_once_after_its_follow_up(restore_logging, harness):
    harness.fake.reset()
    stream = capture("json", level="INFO")
    harness.services.release.clear()
    _, rid = harness.command("slow")
    assert request_lines(stream, 1, timeout=0.3) == []  # acked empty; still working
    harness.services.release.set()
    harness.fake.wait_for("response", rid)
    (line,) = request_lines(stream, 1)
    assert line["intent"] == "slow" and line["outcome"] == "ok" and line["latency_ms"] >= 250


# -- the real commands, in a subprocess ------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**values: str) -> dict:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "LOG_", "PORT"))}
    return keep | {"PYTHONPATH": str(ROOT)} | values


def wait_until_serving(proc: subprocess.Popen, port: int, timeout: float = 30) -> None:
    """Until `cncf-bot serve` answers /healthz; its stderr in the error when it stops instead."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.communicate(timeout=5)[1]
                raise AssertionError(f"serve did not start: {(err if isinstance(err, str) else err.decode())[-3000:]}")
            time.sleep(0.1)


def signed(secret: str, body: bytes, content_type: str) -> dict:
    ts = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)}


def post(port: int, body: bytes, headers: dict) -> int:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status


def test_serve_never_logs_the_secrets_it_was_given(tmp_path):
    fake = FakeSlack().start()
    bot_token = "xoxb-" + "-".join(str(secrets.randbelow(10**12)) for _ in range(2)) + "-" + secrets.token_hex(12)
    signing = secrets.token_hex(16)
    shaped = ["xoxp-22-33-44-" + secrets.token_hex(8), "xapp-1-A1-2-" + secrets.token_hex(8),
              "xoxe-1-" + secrets.token_hex(8)]
    url_password = "pw" + secrets.token_hex(6)
    port = free_port()
    env = clean_env(SLACK_BOT_TOKEN=bot_token, SLACK_SIGNING_SECRET=signing, SLACK_API_URL=fake.api_url,
                    DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}", PORT=str(port), LOG_LEVEL="DEBUG",
                    LOG_FORMAT="json")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until_serving(proc, port)
        # People paste secrets into questions; at DEBUG, Bolt logs the whole response, question included.
        question = (f"what is {bot_token} {signing} {' '.join(shaped)} "
                    f"postgresql://cncf:{url_password}@db/cncf")
        form = urlencode({"team_id": TEAM_ID, "channel_id": "C100", "user_id": "U100", "command": "/cncf",
                          "text": question, "response_url": fake.response_url("r1")}).encode()
        assert post(port, form, signed(signing, form, "application/x-www-form-urlencoded")) == 200
        event = json.dumps({"type": "event_callback", "team_id": TEAM_ID, "event_id": "Ev" + uuid.uuid4().hex[:8],
                            "event": {"type": "app_mention", "user": "U100", "text": f"<@UBOT> {question}",
                                      "ts": "1700000000.1", "channel": "C100"}}).encode()
        assert post(port, event, signed(signing, event, "application/json")) == 200
        fake.wait_for("api", "chat.postMessage")
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        fake.stop()
    logged = err.decode() + out.decode()
    for secret in [bot_token, signing, url_password, *shaped]:
        assert secret not in logged, f"{secret} leaked"
    records = [json.loads(line) for line in err.decode().splitlines() if line.strip()]
    requests = [r for r in records if r["logger"] == "cncf_bot.requests"]
    assert {(r["kind"], r["outcome"]) for r in requests} >= {("command", "ok"), ("event", "ok")}
    assert any(REDACTED in json.dumps(r) for r in records)  # the secrets were there to be redacted


def test_doctor_never_prints_the_secrets_it_was_given(tmp_path):
    fake = FakeSlack().start()
    bot_token = "xoxb-77-88-" + secrets.token_hex(12)
    app_token = "xapp-1-A77-88-" + secrets.token_hex(12)
    signing = secrets.token_hex(16)
    db_password = "pw" + secrets.token_hex(8)
    env = clean_env(SLACK_BOT_TOKEN=bot_token, SLACK_APP_TOKEN=app_token, SLACK_SIGNING_SECRET=signing,
                    SLACK_API_URL=fake.api_url, LOG_LEVEL="DEBUG", LOG_FORMAT="json",
                    DATABASE_URL=f"postgresql+psycopg://cncf:{db_password}@127.0.0.1:{free_port()}/cncf")
    fake.fail("auth.test", error="invalid_auth")
    try:
        p = subprocess.run([sys.executable, "-m", "bot.cli", "doctor"], env=env, cwd=tmp_path,
                           capture_output=True, timeout=120, check=False)
    finally:
        fake.stop()
    everything = p.stdout.decode() + p.stderr.decode()
    assert p.returncode == 1
    assert "cannot connect to postgresql+psycopg://cncf:" in p.stdout.decode()
    for secret in (bot_token, app_token, signing, db_password):
        assert secret not in everything, f"{secret} leaked"


def test_the_oauth_exchanges_one_time_values_and_the_client_secret_are_redacted(restore_logging):
    config = Config.from_env({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c1ient-secret-value",
                              "SLACK_SIGNING_SECRET": "s", "LOG_LEVEL": "DEBUG"}, need_slack=False)
    out = logged_with(config, lambda log: log.debug(
        "Sending a request - url: https://slack.com/api/oauth.v2.access, body_params: {'code': '1234.5678.abcd', "
        "'client_id': '1.2'}, secret c1ient-secret-value; redirect ?code=9999.1&state=4b2f-77 (error code: 500)"))
    (rec,) = [json.loads(line) for line in out.splitlines()]
    message = rec["message"]
    for value in ("1234.5678.abcd", "9999.1", "4b2f-77", "c1ient-secret-value"):
        assert value not in message
    assert "'client_id': '1.2'" in message and "error code: 500" in message  # the rest stays readable
