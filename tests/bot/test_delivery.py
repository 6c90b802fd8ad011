"""Never lost, never twice: event claims across replicas and answers that survive Slack's failures.

Through the real server with the real database services (SQLite and PostgreSQL) and the fake
Slack, which stores what chat.postMessage accepts (also when it then drops the connection or
answers late) and answers conversations.replies / history with message metadata.
"""
from __future__ import annotations

import datetime as dt
import time

import orjson
import pytest

from bot.config import Config
from bot.db.models import EventClaim
from bot.services import DbServices
from tests.fakeslack import FakeSlack
from tests.handlers.harness import Harness, wait_metric

from . import potd_fixtures

db, db_url = potd_fixtures.db, potd_fixtures.db_url

FAST = {"SLACK_TIMEOUT_SECONDS": "1", "SLACK_RETRY_SECONDS": "15", "EVENT_LEASE_SECONDS": "25"}


def mention(text: str, ts: str, channel: str = "C100", **extra) -> dict:
    return {"type": "app_mention", "user": "U100", "text": f"<@UBOT> {text}", "ts": ts, "channel": channel,
            "event_ts": ts} | extra


def replica(engine, db, db_url, fake: FakeSlack | None = None, env: dict | None = None, jobs: bool = False):
    env = {"DATABASE_URL": db_url} | FAST | (env or {})
    config = Config.from_env(env, need_slack=False)
    return Harness(engine, env=env, services=DbServices(config, engine, db), fake=fake, jobs=jobs)


@pytest.fixture
def slack(engine, db, db_url):
    h = replica(engine, db, db_url)
    yield h
    h.close()


def answers(fake: FakeSlack, channel: str, ts: str) -> list[dict]:
    return fake.posts(channel, key=f"{channel}:{ts}")


def settle(h: Harness, ts: str = "1700009999.1") -> None:
    """A later question answered: everything sent before it has been handled (one pool, in order)."""
    h.event(mention("what is envoy", ts, channel="CSETTLE"))
    deadline = time.monotonic() + 15
    while not answers(h.fake, "CSETTLE", ts):
        assert time.monotonic() < deadline, "the settling question was never answered"
        time.sleep(0.02)
    time.sleep(0.2)


def wait_answers(fake: FakeSlack, channel: str, ts: str, n: int = 1, timeout: float = 15) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(found := answers(fake, channel, ts)) < n:
        assert time.monotonic() < deadline, f"{len(found)} answer(s) for {channel}:{ts}, wanted {n}"
        time.sleep(0.02)
    return found


def finished_claim(db, eid: str, timeout: float = 15) -> EventClaim:
    """The claim once it is no longer being worked on (outcomes are stored after the post)."""
    deadline = time.monotonic() + timeout
    while True:
        with db.read() as s:
            row = s.get(EventClaim, eid)
        if row is not None and row.state != "working":
            return row
        assert time.monotonic() < deadline, f"{eid} still {row and row.state}"
        time.sleep(0.05)


# -- retries and duplicates -------------------------------------------------------------------------

def test_a_retry_of_an_answered_event_is_not_answered_again(slack):
    status, eid = slack.event(mention("what is linkerd", "1700000001.1"))
    assert status == 200
    wait_answers(slack.fake, "C100", "1700000001.1")
    for n in (1, 2):
        assert slack.event(mention("what is linkerd", "1700000001.1"), event_id=eid, retry=n)[0] == 200
    settle(slack)
    assert len(answers(slack.fake, "C100", "1700000001.1")) == 1
    row = finished_claim(slack.services.db, eid)
    assert (row.state, row.outcome, row.payload) == ("done", "posted", None)  # the text is not kept


def test_the_same_event_at_two_replicas_and_after_a_restart_is_answered_once(engine, db, db_url):
    fake = FakeSlack().start()
    a, b = replica(engine, db, db_url, fake), replica(engine, db, db_url, fake)
    try:
        _, eid = a.event(mention("what is keda", "1700000002.1"))
        b.event(mention("what is keda", "1700000002.1"), event_id=eid, retry=1)
        wait_answers(fake, "C100", "1700000002.1")
        a.close()
        c = replica(engine, db, db_url, fake)  # the first replica, restarted
        c.event(mention("what is keda", "1700000002.1"), event_id=eid, retry=2)
        settle(c)
        c.close()
        assert len(answers(fake, "C100", "1700000002.1")) == 1
    finally:
        b.close()
        fake.stop()


def dead_replicas_claim(db, eid: str, body: dict, *, seconds_ago: float = 60) -> None:
    """What a replica that acked an event and died leaves behind: a working claim, lease over."""
    at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds_ago)
    with db.write() as s:
        s.add(EventClaim(event_id=eid, team_id="T0001", received_at=at, state="working", owner="dead:1",
                         lease_until=at + dt.timedelta(seconds=12), attempts=1,
                         payload=orjson.dumps(body).decode()))


def event_body(event: dict, eid: str) -> dict:
    return {"token": "x", "team_id": "T0001", "api_app_id": "A0001", "event": event, "type": "event_callback",
            "event_id": eid, "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}]}


def test_an_event_acked_by_a_replica_that_died_is_answered_by_another(engine, db, db_url):
    ev = mention("what is flux", "1700000003.1")
    dead_replicas_claim(db, "EvDEAD1", event_body(ev, "EvDEAD1"))
    h = replica(engine, db, db_url, env={"EVENT_LEASE_SECONDS": "12", "SLACK_RETRY_SECONDS": "8"},
                jobs=True)  # its sweeper runs every 2 s
    try:
        (post,) = wait_answers(h.fake, "C100", "1700000003.1")
        assert "Flux" in post["text"] and post["thread_ts"] == "1700000003.1"
        # it looked in the thread first, since the dead replica may have posted
        assert h.fake.find("api", "conversations.replies")
        assert finished_claim(db, "EvDEAD1").state == "done"
    finally:
        h.close()


def test_a_dead_replicas_answer_that_did_arrive_is_not_posted_again(engine, db, db_url):
    fake = FakeSlack().start()
    ev = mention("what is argo", "1700000004.1")
    # the dead replica's post reached Slack before it died
    fake._api_answer("chat.postMessage", {"channel": "C100", "text": "Argo ...", "thread_ts": "1700000004.1",
                                          "metadata": {"event_type": "cncf_bot_answer",
                                                       "event_payload": {"key": "C100:1700000004.1"}}})
    dead_replicas_claim(db, "EvDEAD2", event_body(ev, "EvDEAD2"))
    h = replica(engine, db, db_url, fake, jobs=True)
    try:
        row = finished_claim(db, "EvDEAD2")
        assert (row.state, row.outcome) == ("done", "found")
        assert len(answers(fake, "C100", "1700000004.1")) == 1
    finally:
        h.close()
        fake.stop()


def test_a_retry_after_the_lease_ran_out_is_answered_by_the_replica_it_reaches(slack, db):
    ev = mention("what is jaeger", "1700000005.1")
    dead_replicas_claim(db, "EvDEAD3", event_body(ev, "EvDEAD3"))
    assert slack.event(ev, event_id="EvDEAD3", retry=1)[0] == 200
    (post,) = wait_answers(slack.fake, "C100", "1700000005.1")
    assert "Jaeger" in post["text"]


# -- Slack failing ------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, times", [(502, 1), (504, 1), (500, 3), (503, 2)])
def test_server_errors_are_retried_until_the_answer_is_posted_once(slack, status, times):
    slack.fake.fail("chat.postMessage", status=status, times=times)
    slack.event(mention("what is linkerd", "1700000010.1"))
    (post,) = wait_answers(slack.fake, "C100", "1700000010.1")
    assert "Linkerd" in post["text"]
    settle(slack)
    assert len(answers(slack.fake, "C100", "1700000010.1")) == 1
    wait_metric(slack, 'cncf_bot_answer_deliveries_total{outcome="posted"}')


def test_rate_limits_are_waited_out_without_holding_up_other_answers(slack):
    slack.fake.fail("chat.postMessage", status=429, headers={"Retry-After": "2"}, times=3,
                    where=lambda body: body.get("channel") == "CSLOW")
    slack.event(mention("what is linkerd", "1700000011.1", channel="CSLOW"))
    time.sleep(0.3)
    started = time.monotonic()
    # many answers to another channel while the first waits for its Retry-After: none waits with it
    for i in range(20):
        slack.event(mention("what is keda", f"1700000012.{i}", channel="COTHER"))
    for i in range(20):
        wait_answers(slack.fake, "COTHER", f"1700000012.{i}")
    others_done = time.monotonic() - started
    (post,) = wait_answers(slack.fake, "CSLOW", "1700000011.1", timeout=20)
    assert others_done < 2.0 * 3  # far less than the three Retry-After waits of the first
    assert [c.status for c in slack.fake.find("api", "chat.postMessage",
                                              where=lambda c: c.body.get("channel") == "CSLOW")] == [429, 429, 429, 200]


def test_a_post_dropped_after_slack_accepted_it_is_not_posted_twice(slack):
    slack.fake.fail("chat.postMessage", mode="drop")
    slack.event(mention("what is envoy", "1700000013.1"))
    wait_metric(slack, 'cncf_bot_answer_deliveries_total{outcome="found"} 1')  # it looked before a repeat
    settle(slack)
    assert len(answers(slack.fake, "C100", "1700000013.1")) == 1
    assert slack.fake.find("api", "conversations.replies")


def test_a_post_slower_than_the_client_timeout_gets_no_apology_after_it(slack):
    slack.fake.fail("chat.postMessage", mode="slow", delay=2.5)  # the client gives up after 1 s
    slack.event(mention("what is envoy", "1700000014.1"))
    wait_metric(slack, 'cncf_bot_answer_deliveries_total{outcome="found"} 1')
    time.sleep(2)  # the slow answer comes back meanwhile
    settle(slack)
    thread = [m for m in slack.fake.posts("C100") if m.get("thread_ts") == "1700000014.1"]
    assert len(thread) == 1 and "Envoy" in thread[0]["text"]  # no apology, no repeat


def test_a_dm_answer_dropped_after_acceptance_is_found_in_the_history(slack):
    slack.fake.fail("chat.postMessage", mode="drop")
    dm = {"type": "message", "channel_type": "im", "user": "U100", "text": "what is cilium",
          "ts": "1700000015.1", "channel": "D100", "event_ts": "1700000015.1"}
    slack.event(dm)
    wait_metric(slack, 'cncf_bot_answer_deliveries_total{outcome="found"} 1')
    settle(slack)
    assert len(answers(slack.fake, "D100", "1700000015.1")) == 1
    assert slack.fake.find("api", "conversations.history")


def test_a_refusing_channel_is_not_retried_and_is_counted(slack):
    slack.fake.fail("chat.postMessage", error="not_in_channel")
    slack.event(mention("what is linkerd", "1700000016.1"))
    wait_metric(slack, 'cncf_bot_answer_deliveries_total{outcome="refused"} 1')
    settle(slack)
    assert len(slack.fake.find("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "C100")) == 1


def test_giving_up_is_bounded_counted_and_apologises_only_when_nothing_arrived(engine, db, db_url):
    h = replica(engine, db, db_url, env={"SLACK_RETRY_SECONDS": "2"})
    try:
        h.fake.fail("chat.postMessage", status=429, headers={"Retry-After": "1"}, times=2,
                    where=lambda body: body.get("channel") == "C100")
        h.event(mention("what is linkerd", "1700000017.1"))
        wait_metric(h, 'cncf_bot_answers_given_up_total{reason="ratelimited"} 1', timeout=15)
        # certainly not delivered (429 every time): one short apology, and it arrived
        thread = [m for m in h.fake.posts("C100") if m.get("thread_ts") == "1700000017.1"]
        assert len(thread) == 1 and "Slack" in thread[0]["text"] and not thread[0].get("metadata")

        h.fake.fail("chat.postMessage", status=503, times=20, where=lambda body: body.get("channel") == "C200")
        h.event(mention("what is linkerd", "1700000018.1", channel="C200"))
        wait_metric(h, 'cncf_bot_answers_given_up_total{reason="503"} 1', timeout=15)
        time.sleep(0.5)
        assert h.fake.posts("C200") == []  # 5xx: it may have arrived, so no apology that could follow it
    finally:
        h.close()


# -- a sick database ----------------------------------------------------------------------------------

def test_events_are_answered_from_memory_when_the_database_is_down(engine, tmp_path):
    from bot.db import Database

    url = "postgresql+psycopg://postgres@127.0.0.1:9/nothing"  # nothing listens on port 9
    env = {"DATABASE_URL": url} | FAST
    config = Config.from_env(env, need_slack=False)
    h = Harness(engine, env=env, services=DbServices(config, engine, Database(url)))
    try:
        _, eid = h.event(mention("what is linkerd", "1700000020.1"))
        wait_answers(h.fake, "C100", "1700000020.1")
        h.event(mention("what is linkerd", "1700000020.1"), event_id=eid, retry=1)
        settle(h)
        assert len(answers(h.fake, "C100", "1700000020.1")) == 1  # once per process, from memory
        wait_metric(h, "cncf_bot_event_claim_fallbacks_total")
    finally:
        h.close()


def test_slow_slack_posts_cannot_starve_the_database_subcommands(engine, db, db_url):
    h = replica(engine, db, db_url, env={"SLACK_TIMEOUT_SECONDS": "5", "SLACK_RETRY_SECONDS": "20",
                                         "EVENT_LEASE_SECONDS": "60"})
    try:
        h.fake.fail("chat.postMessage", mode="slow", delay=4, times=16)
        for i in range(16):  # every answer worker waits on Slack
            h.event(mention("what is linkerd", f"1700000030.{i}", channel="CBUSY"))
        h.fake.wait_for("api", "chat.postMessage", count=8, where=lambda c: c.body.get("channel") == "CBUSY")
        status, rid = h.command("lang ko", user="U777")
        assert status == 200
        # answered within the ack: the subcommand did not queue behind the posts
        assert "한국어" in h.acks[rid]["text"]
    finally:
        h.close()
