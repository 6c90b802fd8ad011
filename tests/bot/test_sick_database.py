"""A sick database must not hold up answers: a SQLite file locked by another process, through the
real server. The question is answered while the lock is held and logged once it is released."""
from __future__ import annotations

import json
import socket
import sqlite3

import pytest
from sqlalchemy import select

from bot.config import Config
from bot.db.models import Question
from bot.services import make_services
from tests.handlers.harness import Harness


@pytest.fixture
def sick(engine, tmp_path):
    path = tmp_path / "bot.sqlite3"
    config = Config.from_env({"DATABASE_URL": f"sqlite:///{path}"}, need_slack=False)
    services = make_services(config, engine)  # creates the schema
    h = Harness(engine, env={"DATABASE_URL": f"sqlite:///{path}"}, services=services)
    yield h, services, path
    h.close()
    services.close()
    services.db.dispose()


def hold_lock(path) -> sqlite3.Connection:
    """Another process's exclusive lock: no one else may read or write until it is released."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT INTO settings (key, value) VALUES ('lock-test', 'x')")
    return conn


def test_questions_are_answered_while_the_database_is_locked(sick):
    h, services, path = sick
    services.db.engine.dispose()  # the bot's idle connections closed, as after a restart
    lock = hold_lock(path)
    try:
        for q, word in (("what is envoy", "Envoy"), ("쿠버네티스가 뭐야", "쿠버네티스")):
            status, rid = h.command(q)
            assert status == 200
            assert word in h.response(rid)[0]["text"]  # answered now, not after the 30 s busy timeout
        status, _, body = h.request("GET", "/healthz")  # still up: it answers; the database is degraded
        assert status == 200 and json.loads(body) == {"status": "ok", "database": "degraded"}
        assert "cncf_bot_database_up 0" in h.request("GET", "/metrics")[2].decode()
        with sqlite3.connect(path, timeout=0) as other:
            with pytest.raises(sqlite3.OperationalError):
                other.execute("SELECT count(*) FROM questions").fetchone()  # still locked meanwhile
    finally:
        lock.rollback() if lock.in_transaction else None
        lock.close()
    assert services.question_log.flush(timeout=40)
    with services.db.read() as s:
        stored = s.scalars(select(Question.question)).all()
    assert sorted(stored) == sorted(["what is envoy", "쿠버네티스가 뭐야"])
    services._probed = ("degraded", -100.0)  # the next probe is due now
    assert json.loads(h.request("GET", "/healthz")[2]) == {"status": "ok", "database": "ok"}


def test_mentions_are_answered_once_while_the_database_is_locked(sick):
    h, services, path = sick
    services.db.engine.dispose()
    lock = hold_lock(path)
    try:
        ev = {"type": "app_mention", "user": "U100", "text": "<@UBOT> what is linkerd", "ts": "1700000777.1",
              "channel": "C100", "event_ts": "1700000777.1"}
        status, eid = h.event(ev)
        assert status == 200
        (post,) = h.fake.wait_for("api", "chat.postMessage")  # answered from memory, within a second
        assert "Linkerd" in post.body["text"]
        assert h.event(ev, event_id=eid, retry=1)[0] == 200  # Slack's retry: this replica remembers it
        assert "cncf_bot_event_claim_fallbacks_total" in h.request("GET", "/metrics")[2].decode()
    finally:
        lock.rollback() if lock.in_transaction else None
        lock.close()
    h.event({"type": "message", "channel_type": "im", "user": "U100", "text": "what is envoy",
             "ts": "1700000778.1", "channel": "D100", "event_ts": "1700000778.1"})
    h.fake.wait_for("api", "chat.postMessage", count=2)
    assert len(h.fake.posts("C100")) == 1


def test_a_database_that_is_down_still_answers_questions_and_says_so_for_settings(engine):
    from bot.db import Database
    from bot.services import DbServices

    with socket.socket() as s:  # a port where no database listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/cncf"
    services = DbServices(Config.from_env({"DATABASE_URL": url}, need_slack=False), engine, Database(url))
    h = Harness(engine, services=services)
    try:
        status, rid = h.command("what is envoy")
        assert status == 200 and "Envoy" in h.response(rid)[0]["text"]
        for text, lang_word in (("lang ko", "Storage is unavailable"), ("stats", "Storage is unavailable")):
            status, rid = h.command(text)
            assert status == 200 and lang_word in h.response(rid)[0]["text"]
        status, rid = h.command("potd status", user="U900")
        assert "Storage is unavailable" in h.response(rid)[0]["text"]
        body = json.loads(h.request("GET", "/healthz")[2])
        assert body == {"status": "ok", "database": "degraded"}
    finally:
        h.close()
        services.close()
