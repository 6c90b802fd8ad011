"""Conversations through the real server, the database services and the fake Slack: follow-ups in
threads and DMs in both languages, ignored chatter, the mention/message double delivery, another
replica continuing a thread, expired threads and the prune."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from sqlalchemy import update

from bot.config import Config
from bot.db.models import ThreadContext
from bot.services import DbServices
from tests.fakeslack import FakeSlack
from tests.handlers.harness import Harness

from . import potd_fixtures

db, db_url = potd_fixtures.db, potd_fixtures.db_url
ROOT_TS = "1700000100.000100"


def replica(engine, db, db_url, fake=None) -> Harness:
    env = {"DATABASE_URL": db_url}
    return Harness(engine, env=env, services=DbServices(Config.from_env(env, need_slack=False), engine, db), fake=fake)


@pytest.fixture
def slack(engine, db, db_url):
    h = replica(engine, db, db_url)
    yield h
    h.close()


def mention(text: str, ts: str = ROOT_TS, **extra) -> dict:
    return {"type": "app_mention", "user": "U100", "text": f"<@UBOT> {text}", "ts": ts, "channel": "C100",
            "event_ts": ts} | extra


def reply_in_thread(text: str, ts: str, thread: str = ROOT_TS, parent: str = "U100", **extra) -> dict:
    return {"type": "message", "channel_type": "channel", "user": "U200", "text": text, "ts": ts,
            "thread_ts": thread, "parent_user_id": parent, "channel": "C100", "event_ts": ts} | extra


def thread_posts(fake: FakeSlack, thread: str = ROOT_TS, channel: str = "C100") -> list[dict]:
    return [m for m in fake.posts(channel) if m.get("thread_ts") == thread and m.get("metadata")]


def wait_posts(fake: FakeSlack, n: int, thread: str = ROOT_TS, channel: str = "C100") -> list[dict]:
    deadline = time.monotonic() + 15
    while len(found := thread_posts(fake, thread, channel)) < n:
        assert time.monotonic() < deadline, f"{len(found)} answers in the thread, wanted {n}"
        time.sleep(0.02)
    return found


def settle(h: Harness) -> None:
    h.event({"type": "message", "channel_type": "im", "user": "U1", "text": "what is envoy", "ts": "1700009000.1",
             "channel": "DSETTLE", "event_ts": "1700009000.1"})
    deadline = time.monotonic() + 15
    while not h.fake.posts("DSETTLE"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.2)


def start_istio_thread(h: Harness) -> None:
    h.event(mention("what is istio"))
    (first,) = wait_posts(h.fake, 1)
    assert "Istio" in first["text"]
    h.services.threads.flush()


def test_follow_ups_in_a_mention_thread_in_english_and_korean(slack):
    start_istio_thread(slack)
    slack.event(reply_in_thread("is it graduated?", "1700000101.1"))
    second = wait_posts(slack.fake, 2)[-1]
    assert "Istio" in second["text"] and "raduated" in second["text"]
    slack.event(reply_in_thread("그거 졸업했어?", "1700000102.1"))
    third = wait_posts(slack.fake, 3)[-1]
    assert "Istio" in third["text"] and "졸업" in third["text"]
    slack.event(reply_in_thread("compare it with linkerd", "1700000103.1"))
    fourth = wait_posts(slack.fake, 4)[-1]
    assert "Istio" in fourth["text"] and "Linkerd" in fourth["text"]
    slack.event(reply_in_thread("what about keda?", "1700000104.1"))  # names its own subject
    fifth = wait_posts(slack.fake, 5)[-1]
    assert "KEDA" in fifth["text"] and "Istio" not in fifth["text"]
    assert slack.services.question_log.flush(5)
    with slack.services.db.read() as s:
        from bot.db.models import Question

        assert {q.source for q in s.query(Question)} == {"mention", "followup"}


def test_chatter_and_threads_the_bot_never_answered_are_ignored(slack):
    start_istio_thread(slack)
    slack.event({"type": "message", "channel_type": "channel", "user": "U200", "text": "is it graduated?",
                 "ts": "1700000201.1", "channel": "C100", "event_ts": "1700000201.1"})  # top level
    slack.event(reply_in_thread("is it graduated?", "1700000202.1", thread="1700000200.000100"))  # another thread
    slack.event(reply_in_thread("is it graduated?", "1700000203.1", subtype="message_changed"))
    slack.event(reply_in_thread("is it graduated?", "1700000204.1", bot_id="B999"))
    settle(slack)
    assert len(slack.fake.posts("C100")) == 1  # only the first answer


def test_a_mention_inside_a_followed_thread_is_answered_once(slack):
    start_istio_thread(slack)
    text = "<@UBOT> compare it with linkerd"
    ts = "1700000301.1"
    slack.event(mention("compare it with linkerd", ts=ts, thread_ts=ROOT_TS))
    slack.event(reply_in_thread(text, ts))  # the same message as a message event, another event id
    settle(slack)
    posts = thread_posts(slack.fake)
    assert len(posts) == 2 and "Linkerd" in posts[-1]["text"]


def test_a_thread_under_a_bot_post_is_followed(slack):
    # e.g. a project-of-the-day post: its thread's parent is the bot's own message
    slack.event(reply_in_thread("what is cilium?", "1700000401.1", thread="1700000400.000100", parent="UBOT"))
    (post,) = wait_posts(slack.fake, 1, thread="1700000400.000100")
    assert "Cilium" in post["text"]


def test_a_dm_follows_up_without_threads(slack):
    for ts, text in (("1700000501.1", "what is envoy"), ("1700000502.1", "is it graduated?")):
        slack.event({"type": "message", "channel_type": "im", "user": "U100", "text": text, "ts": ts,
                     "channel": "D100", "event_ts": ts})
        deadline = time.monotonic() + 15
        while len(slack.fake.posts("D100")) < (1 if ts.endswith("501.1") else 2):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        slack.services.threads.flush()
    last = slack.fake.posts("D100")[-1]
    assert "Envoy" in last["text"] and "raduated" in last["text"]


def test_another_replica_continues_the_thread(engine, db, db_url):
    fake = FakeSlack().start()
    a, b = replica(engine, db, db_url, fake), replica(engine, db, db_url, fake)
    try:
        start_istio_thread(a)
        b.event(reply_in_thread("그거 졸업했어?", "1700000601.1"))
        second = wait_posts(fake, 2)[-1]
        assert "Istio" in second["text"]
    finally:
        a.close()
        b.close()
        fake.stop()


def test_an_expired_thread_is_a_fresh_question(slack, db):
    start_istio_thread(slack)
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=8)
    with db.write() as s:
        s.execute(update(ThreadContext).values(updated_at=old))
    slack.services.threads._cache = type(slack.services.threads._cache)(100)  # as on a fresh replica
    slack.event(reply_in_thread("is it graduated?", "1700000701.1"))  # no longer followed
    slack.event(mention("is it graduated?", ts="1700000702.1", thread_ts=ROOT_TS))  # asked directly
    second = wait_posts(slack.fake, 2)[-1]
    assert "Istio" not in second["text"]
    settle(slack)
    assert len(thread_posts(slack.fake)) == 2


def test_quiet_threads_are_pruned(slack, db):
    store = slack.services.threads
    store.put("T1", "C1", "1.1", {"projects": ["istio"]})
    store.put("T1", "C1", "2.2", {"projects": ["keda"]})
    store.flush()
    with db.write() as s:
        s.execute(update(ThreadContext).where(ThreadContext.thread_ts == "1.1")
                  .values(updated_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=8)))
    assert store.prune() == 1
    with db.read() as s:
        assert [r.thread_ts for r in s.query(ThreadContext)] == ["2.2"]


# -- feedback ---------------------------------------------------------------------------------------

def feedback_click(h: Harness, post: dict, verdict: str, user: str) -> str:
    import uuid

    (block,) = [b for b in post["blocks"] if b["type"] == "context_actions"]
    el = block["elements"][0]
    button = el["positive_button"] if verdict == "up" else el["negative_button"]
    rid = uuid.uuid4().hex
    h.action({"type": "feedback_buttons", "action_id": el["action_id"], "block_id": block["block_id"],
              "value": button["value"]}, user=user, ephemeral=False, response_id=rid,
             message={"ts": post["ts"], "thread_ts": post.get("thread_ts")})
    return rid


def test_feedback_is_recorded_once_per_person_and_counted_in_stats(slack, db):
    from bot.db.models import Feedback

    start_istio_thread(slack)
    (post,) = thread_posts(slack.fake)
    assert post["blocks"][-1]["type"] == "context_actions"  # every posted answer can be rated
    thanks = slack.response(feedback_click(slack, post, "down", "U300"))[0]
    assert "Thanks" in thanks["text"] and thanks.get("replace_original") is not True
    slack.response(feedback_click(slack, post, "down", "U300"))  # the same person again: still one
    slack.response(feedback_click(slack, post, "up", "U301"))
    with db.read() as s:
        rows = s.query(Feedback).all()
    assert sorted(r.helpful for r in rows) == [False, True]
    assert all(r.intent == "project" and r.matched_ids[:1] == ["istio"] and not r.user_hash.startswith("U")
               for r in rows)
    status, rid = slack.command("stats", user="U300")
    member = slack.response(rid)[0]["text"]
    assert "1 helpful, 1 not helpful" in member and "Istio (" not in member
    slack.fake.users["U900"] = {"id": "U900", "is_admin": True}
    status, rid = slack.command("stats", user="U900")
    admin = slack.response(rid)[0]["text"]
    assert "project: Istio (1)" in admin  # the most disliked answers, for admins


def test_a_feedback_click_the_bot_did_not_make_is_acknowledged_and_ignored(slack, db):
    from bot.db.models import Feedback

    for value in ("not json", '{"f": "sideways", "k": "x", "i": "project"}', '{"f": "up"}'):
        status, rid = slack.action({"type": "feedback_buttons", "action_id": "cncf_feedback", "block_id": "feedback",
                                    "value": value}, ephemeral=False)
        assert status == 200
    settle(slack)
    with db.read() as s:
        assert s.query(Feedback).count() == 0


# -- auto-answer channels ------------------------------------------------------------------------

def top_level(text: str, ts: str, channel: str = "C100") -> dict:
    return {"type": "message", "channel_type": "channel", "user": "U200", "text": text, "ts": ts,
            "channel": channel, "event_ts": ts}


def test_an_auto_answer_channel_answers_confident_questions_only(slack, db):
    from bot.db.models import Question

    status, rid = slack.command("channel auto on", user="U100")
    assert "admins" in slack.response(rid)[0]["text"]  # a plain member cannot
    slack.fake.users["U900"] = {"id": "U900", "is_admin": True}
    status, rid = slack.command("channel auto on", user="U900")
    assert "without a mention" in slack.response(rid)[0]["text"]
    slack.event(top_level("what is linkerd?", "1700000801.1"))
    (post,) = wait_posts(slack.fake, 1, thread="1700000801.1")
    assert "Linkerd" in post["text"]
    for i, chatter in enumerate(["lunch anyone?", "thanks!", "zzqx frobnicator", "heading out, see you tomorrow"]):
        slack.event(top_level(chatter, f"1700000802.{i}"))
    slack.event(top_level("what is envoy?", "1700000803.1", channel="C999"))  # not an auto channel
    settle(slack)
    assert len(slack.fake.posts("C100")) == 1 and slack.fake.posts("C999") == []
    assert slack.services.question_log.flush(5)
    with db.read() as s:
        logged = {q.question for q in s.query(Question)}
    assert "lunch anyone?" not in logged and "what is linkerd?" in logged  # chatter is not kept
    status, rid = slack.command("channel auto off", user="U900")
    assert "mentioned" in slack.response(rid)[0]["text"]
    slack.event(top_level("what is keda?", "1700000804.1"))
    settle(slack)
    assert len(slack.fake.posts("C100")) == 1


def test_channels_get_a_compact_card_and_details_gives_the_full_one(slack):
    start_istio_thread(slack)
    (compact,) = thread_posts(slack.fake)
    kinds = [b["type"] for b in compact["blocks"]]
    assert "fields" not in str(compact["blocks"]) and len(kinds) <= 6  # name, sentences, links, credit, feedback
    details = [el for b in compact["blocks"] if b["type"] == "actions" for el in b["elements"]
               if el.get("action_id") == "cncf_open_full"]
    (button,) = details
    block_id = next(b["block_id"] for b in compact["blocks"] if b["type"] == "actions")
    slack.action({"type": "button", "action_id": button["action_id"], "block_id": block_id,
                  "value": button["value"]}, ephemeral=False, message={"ts": compact["ts"], "thread_ts": ROOT_TS})
    full = wait_posts(slack.fake, 2)[-1]
    assert "Istio" in full["text"] and any("fields" in b for b in full["blocks"])  # the whole card
    assert len(json.dumps(full["blocks"])) > len(json.dumps(compact["blocks"]))


def test_a_dm_gets_the_full_card(slack):
    slack.event({"type": "message", "channel_type": "im", "user": "U100", "text": "what is istio",
                 "ts": "1700000901.1", "channel": "D900", "event_ts": "1700000901.1"})
    deadline = time.monotonic() + 15
    while not slack.fake.posts("D900"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert any("fields" in b for b in slack.fake.posts("D900")[0]["blocks"])


def test_chatter_in_a_followed_thread_stays_silent_and_is_not_kept(slack, db):
    from bot.db.models import Question

    start_istio_thread(slack)
    for i, text in enumerate(["thanks, that helps", "lunch anyone?", "@alice can you look at staging today?"]):
        slack.event(reply_in_thread(text, f"1700000950.{i}"))
    slack.event(reply_in_thread("is it graduated?", "1700000951.1"))
    second = wait_posts(slack.fake, 2)[-1]
    assert "Istio" in second["text"]
    settle(slack)
    assert len(thread_posts(slack.fake)) == 2
    assert slack.services.question_log.flush(5)
    with db.read() as s:
        logged = {q.question for q in s.query(Question)}
    assert not logged & {"thanks, that helps", "lunch anyone?"}
