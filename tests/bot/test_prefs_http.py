"""Through the real HTTP server and the fake Slack API: /cncf potd subscribe|status|unsubscribe, lang, stats."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.config import Config
from bot.db.models import Subscription
from bot.services import DbServices

from . import potd_fixtures

# pytest fixtures shared by the database tests
db, db_url = potd_fixtures.db, potd_fixtures.db_url

harness = pytest.importorskip("tests.handlers.harness", reason="the Slack app's test harness is not there yet")


@pytest.fixture
def slack(db, db_url, engine):
    config = Config.from_env({"DATABASE_URL": db_url}, need_slack=False)
    h = harness.Harness(engine, services=DbServices(config, engine, db))
    yield h
    h.close()


def run(slack, text: str, user: str = "U100", channel: str = "C100") -> dict:
    status, rid = slack.command(text, user=user, channel=channel)
    assert status == 200
    (reply,) = slack.response(rid)
    return reply


def test_subscribe_status_unsubscribe_over_http(slack, db):
    reply = run(slack, "potd subscribe 10:30 Asia/Seoul ko")
    assert "10:30" in reply["text"] and "Asia/Seoul" in reply["text"]
    assert reply.get("response_type", "ephemeral") == "ephemeral"
    with db.read() as s:
        sub = s.scalar(select(Subscription))
    assert (sub.team_id, sub.channel_id, sub.post_time, sub.timezone, sub.lang) == (
        harness.TEAM_ID, "C100", "10:30", "Asia/Seoul", "ko")
    assert re.fullmatch(r"[0-9a-f]{64}", sub.subscribed_by)  # a keyed hash, never the raw user id
    status = run(slack, "potd status")["text"]
    assert "10:30" in status and "Asia/Seoul" in status and "<@U100>" in status  # the subscriber sees it was them
    other = run(slack, "potd status", user="U555")["text"]
    assert "U100" not in other and ("a member" in other or "한 멤버" in other)
    bad = run(slack, "potd subscribe 24:61")["text"]
    assert "24:61" in bad and "HH:MM" in bad
    assert "nsubscribed" in run(slack, "potd unsubscribe")["text"]
    assert "not subscribed" in run(slack, "potd status")["text"]


def test_lang_and_stats_over_http(slack):
    assert "한국어" in run(slack, "lang ko")["text"]
    assert slack.services.preferred_lang(harness.TEAM_ID, "U100") == "ko"
    run(slack, "what is envoy", user="U200")
    run(slack, "zzqx frobnicator", user="U200")
    member = run(slack, "stats", user="U200")["text"]
    assert re.search(r"\b2 questions, 1 answered", member) and "frobnicator" not in member
    slack.fake.users["U300"] = {"id": "U300", "is_admin": True}
    stats = run(slack, "stats", user="U300")
    text = stats["text"]
    assert re.search(r"\b2 questions, 1 answered", text), text
    assert "zzqx frobnicator (1)" in text
    assert stats.get("response_type", "ephemeral") == "ephemeral"
    assert "English" in run(slack, "lang en")["text"]
    assert slack.services.preferred_lang(harness.TEAM_ID, "U100") == "en"
