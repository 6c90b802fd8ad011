"""Preferences, the question log, /cncf stats and the /cncf potd commands, through DbServices."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.config import Config
from bot.db.models import Question, Subscription, UserPref
from bot.services import DbServices, make_services
from handlers.services import CommandContext, QuestionRecord

from . import potd_fixtures
from .potd_fixtures import UTC

# pytest fixtures shared by the database tests
db, db_url = potd_fixtures.db, potd_fixtures.db_url
fake_slack, slack_client = potd_fixtures.fake_slack, potd_fixtures.slack_client

NOW = dt.datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def services(db, db_url, engine):
    config = Config.from_env({"DATABASE_URL": db_url, "QUERY_LOG_DAYS": "30", "STATS_VIEWERS": "U1"},
                             need_slack=False)
    clock = {"now": NOW}
    svc = DbServices(config, engine, db, now=lambda: clock["now"])
    svc.clock = clock
    return svc


def logged(services, rec) -> None:
    """Log a question and wait until the writer stored it (the log is written after the answer)."""
    services.log_question(rec)
    assert services.question_log.flush()


def ctx(user="U1", channel="C1", client=None):
    return CommandContext(team_id="T1", channel_id=channel, user_id=user, channel_name="general", client=client)


def record(question="what is kubernetes", intent="project", ids=("kubernetes",), answered=True, user="U1",
           lang="en"):
    return QuestionRecord(team_id="T1", user_id=user, channel_id="C1", source="command", question=question,
                          intent=intent, lang=lang, matched_ids=list(ids), answered=answered, latency_ms=3.5)


# -- /cncf lang --------------------------------------------------------------------------------------

def test_lang_en_ko_auto(services):
    assert services.preferred_lang("T1", "U1") is None
    assert "한국어" in services.subcommand("lang", "ko", ctx(), "en").text
    assert services.preferred_lang("T1", "U1") == "ko"
    assert services.preferred_lang("T1", "U2") is None
    assert "English" in services.subcommand("lang", "EN", ctx(), "ko").text
    assert services.preferred_lang("T1", "U1") == "en"
    services.subcommand("lang", "auto", ctx(), "en")
    assert services.preferred_lang("T1", "U1") is None
    bad = services.subcommand("lang", "<!channel>", ctx(), "en").text
    assert "<!channel>" not in bad and "&lt;!channel&gt;" in bad
    assert "auto" in services.subcommand("lang", "", ctx(), "en").text


def test_user_ids_are_stored_hashed_with_a_per_install_salt(services, db, engine):
    services.subcommand("lang", "ko", ctx(user="U0SECRET"), "en")
    logged(services, record(user="U0SECRET"))
    with db.read() as s:
        pref = s.scalar(select(UserPref))
        q = s.scalar(select(Question))
    assert "U0SECRET" not in pref.user_hash and len(pref.user_hash) == 64
    assert q.user_hash == pref.user_hash
    other = DbServices(services.config, engine, db)
    assert other.hash_user("T1", "U0SECRET") == pref.user_hash  # same install, same salt
    import hashlib
    assert pref.user_hash != hashlib.sha256(b"T1:U0SECRET").hexdigest()  # not a bare, guessable hash


# -- the question log and /cncf stats -------------------------------------------------------------------

def test_stats_show_questions_per_day_top_intents_projects_and_unanswered(services):
    for days_ago, rec in [(0, record()), (0, record(question="kubernetes vs nomad", intent="compare",
                                                    ids=("kubernetes", "nomad"))),
                          (1, record(question="what is <!channel> mesh?", intent="unknown", ids=(), answered=False)),
                          (1, record(question="What is  <!channel> mesh?", intent="unknown", ids=(), answered=False)),
                          (2, record(question="prometheus", ids=("prometheus",)))]:
        services.clock["now"] = NOW - dt.timedelta(days=days_ago)
        logged(services, rec)
    services.clock["now"] = NOW
    reply = services.subcommand("stats", "", ctx(), "en")
    assert reply.response_type == "ephemeral"
    assert "5 questions, 3 answered (60%)" in reply.text
    assert "2025-03-10" in reply.text and "2025-03-08" in reply.text
    assert "what is @channel mesh? (2)" in reply.text and "<!channel>" not in str(reply.blocks)
    flat = str(reply.blocks)
    assert "Kubernetes: 2" in flat and "project: 2" in flat and "unknown: 2" in flat
    ko = services.subcommand("stats", "", ctx(), "ko")
    assert "질문 5개" in ko.text


def test_stored_questions_keep_no_people_and_no_control_bytes(services, db):
    logged(services, record(question="<@U0123ABCD|jane> asked me: what is\x00 argo? cc U0ZZZZ9999 in <#C0456|ops>",
                                 answered=False, intent="unknown", ids=()))
    with db.read() as s:
        (stored,) = s.scalars(select(Question.question)).all()
    assert stored == "@someone asked me: what is argo? cc @someone in #channel"


def test_stats_never_show_what_was_asked_in_a_dm(services):
    dm = record(question="my private question about our outage", answered=False, intent="unknown", ids=())
    dm.source = "dm"
    logged(services, dm)
    logged(services, record(question="a public unanswered one", answered=False, intent="unknown", ids=()))
    reply = services.subcommand("stats", "", ctx(), "en")
    assert "2 questions" in reply.text  # counted, like every question
    assert "a public unanswered one" in reply.text and "private question" not in reply.text + str(reply.blocks)


def test_stats_for_another_team_and_empty_log(services):
    logged(services, record())
    reply = services.subcommand("stats", "", CommandContext(team_id="T2", channel_id="C", user_id="U"), "en")
    assert "No questions" in reply.text


def test_old_questions_are_deleted(services, db):
    from bot.prefs import prune_questions

    services.clock["now"] = NOW - dt.timedelta(days=31)
    logged(services, record(question="old"))
    services.clock["now"] = NOW - dt.timedelta(days=29)
    logged(services, record(question="recent"))
    assert prune_questions(db, services.config.query_log_days, NOW) == 1
    with db.read() as s:
        assert [q.question for q in s.scalars(select(Question))] == ["recent"]


def test_log_question_never_raises(engine, tmp_path):
    from bot.db import Database

    config = Config.from_env({}, need_slack=False)
    broken = DbServices(config, engine, Database(f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"))
    broken.log_question(record())  # queued, never raised
    assert broken.preferred_lang("T1", "U1") is None
    assert broken.question_log.flush(timeout=10) and broken.question_log.dropped == 1


def test_make_services_upgrades_the_database(db_url, engine):
    config = Config.from_env({"DATABASE_URL": db_url}, need_slack=False)
    svc = make_services(config, engine)
    assert svc.subcommands == frozenset({"potd", "lang", "stats", "channel", "digest"})
    svc.log_question(record())
    assert svc.todays_project("T1") in engine.catalog.entries
    svc.db.dispose()


# -- /cncf potd ---------------------------------------------------------------------------------------

def test_subscribe_defaults_come_from_the_subscribers_slack_profile(services, fake_slack, slack_client, db):
    fake_slack.users["U1"] = {"id": "U1", "tz": "Asia/Seoul", "locale": "ko-KR"}
    reply = services.subcommand("potd", "subscribe", ctx(client=slack_client), "en")
    assert "09:00" in reply.text and "Asia/Seoul" in reply.text and "구독" in reply.text
    assert "2025-03-11 09:00 KST" in reply.text  # 21:00 in Seoul now: the first post is tomorrow
    with db.read() as s:
        sub = s.scalar(select(Subscription))
    assert (sub.post_time, sub.timezone, sub.lang) == ("09:00", "Asia/Seoul", "ko")
    assert sub.subscribed_by == services.hash_user("T1", "U1") != "U1"
    assert sub.subscribed_at == NOW


def test_subscribe_when_slack_cannot_tell_uses_utc_and_says_so(services, fake_slack, slack_client):
    reply = services.subcommand("potd", "subscribe 7:30 en", ctx(user="UNKNOWN", client=slack_client), "en")
    assert "07:30" in reply.text and "UTC" in reply.text and "could not read your Slack time zone" in reply.text


@pytest.mark.parametrize("args,expect", [
    ("subscribe 25:00", "is not a time"), ("subscribe 9h", "is not a time"),
    ("subscribe 09:00 Mars/Olympus", "is not a time zone"), ("subscribe 09:00 10:00", "at most one"),
    ("subscribe <!here>", "not a time zone"), ("frobnicate", "not a `/cncf potd` command")])
def test_bad_subscribe_arguments_get_a_clear_message_with_an_example(services, args, expect):
    text = services.subcommand("potd", args, ctx(), "en").text
    assert expect in text and "<!here>" not in text
    if "time" in expect:
        assert "/cncf potd subscribe 09:30" in text


def test_status_unsubscribe_and_preview(services, engine):
    c = ctx()
    assert "not subscribed" in services.subcommand("potd", "status", c, "en").text
    services.subcommand("potd", "subscribe 08:15 america/new_york ko sandbox", c, "en")
    status = services.subcommand("potd", "status", c, "en").text
    assert "08:15" in status and "America/New_York" in status and "Korean" in status and "sandbox" in status
    assert "<@U1>" in status and "Next post: 2025-03-10 08:15 EDT" in status and "Last post: not yet" in status
    preview = services.subcommand("potd", "preview", c, "en")
    assert preview.response_type == "ephemeral" and preview.blocks and "오늘의 프로젝트" in preview.text
    assert "unsubscribed" in services.subcommand("potd", "unsubscribe", c, "en").text.lower()
    assert "not subscribed" in services.subcommand("potd", "status", c, "en").text
    assert "/cncf potd subscribe" in services.subcommand("potd", "", c, "en").text


def test_with_user_hash_key_people_are_hashed_by_the_secret_not_a_salt_in_the_database(db, db_url, engine):
    import hashlib
    import hmac

    from bot.db.models import Setting

    key = "k" * 40
    config = Config.from_env({"DATABASE_URL": db_url, "USER_HASH_KEY": key}, need_slack=False)
    svc = DbServices(config, engine, db)
    svc.subcommand("lang", "ko", ctx(user="U0SECRET"), "en")
    with db.read() as s:
        stored = s.scalar(select(UserPref.user_hash))
        salts = s.scalars(select(Setting.key)).all()
    assert stored == hmac.new(key.encode(), b"T1:U0SECRET", hashlib.sha256).hexdigest()
    assert "user_hash_salt" not in salts  # nothing in the database re-identifies anyone
    svc.close()


def test_a_short_user_hash_key_is_a_clear_configuration_error():
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="USER_HASH_KEY"):
        Config.from_env({"USER_HASH_KEY": "short"}, need_slack=False)


def test_stats_show_question_text_to_admins_and_owners_only(services, fake_slack, slack_client):
    logged(services, record(question="what is a frobnicator", answered=False, intent="unknown", ids=()))
    fake_slack.users["U7"] = {"id": "U7", "is_admin": False, "is_owner": False}
    fake_slack.users["U8"] = {"id": "U8", "is_owner": True}
    member = services.subcommand("stats", "", ctx(user="U7", client=slack_client), "en")
    owner = services.subcommand("stats", "", ctx(user="U8", client=slack_client), "en")
    nobody_knows = services.subcommand("stats", "", ctx(user="U9", client=slack_client), "ko")  # not found
    assert "1 questions" in member.text and "frobnicator" not in member.text + str(member.blocks)
    assert "admins and owners" in member.text
    assert "what is a frobnicator (1)" in owner.text
    assert "frobnicator" not in nobody_knows.text and "관리자" in nobody_knows.text
