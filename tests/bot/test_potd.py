"""Project of the day: rotation, schedule, exactly-once posting and Slack errors, on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import potd
from bot.db.models import Post, Subscription
from bot.potd_runner import PotdRunner
from bot.subscriptions import PotdCommands
from handlers.services import CommandContext

from . import potd_fixtures
from .potd_fixtures import UTC

# pytest fixtures shared by the database tests
db, db_url = potd_fixtures.db, potd_fixtures.db_url
fake_slack, slack_client = potd_fixtures.fake_slack, potd_fixtures.slack_client

ROOT = Path(__file__).resolve().parents[2]
START = dt.datetime(2025, 3, 1, 0, 0, tzinfo=UTC)


def subscribe(db, catalog, channel: str, args: str = "09:00 UTC en", at: dt.datetime = START, team: str = "T1"):
    cmds = PotdCommands(db, catalog, now=lambda: at)
    ctx = CommandContext(team_id=team, channel_id=channel, user_id="U1")
    reply = cmds.handle(f"subscribe {args}", ctx, "en", None)
    assert "Subscribed" in reply.text or "구독" in reply.text, reply.text
    return cmds


def posts(db, channel: str | None = None) -> list[Post]:
    with db.read() as s:
        q = select(Post).order_by(Post.local_date)
        if channel:
            q = q.where(Post.channel_id == channel)
        return list(s.scalars(q))


def runner(db, catalog, client, **kw) -> PotdRunner:
    kw.setdefault("sleep", lambda s: None)
    return PotdRunner(db, catalog, client, **kw)


# -- the pure part -----------------------------------------------------------------------------------

def test_pool_has_graduated_and_incubating_and_never_archived(catalog):
    ids = potd.pool(catalog)
    assert ids and all(catalog.entries[i].maturity in ("graduated", "incubating") for i in ids)
    with_sandbox = potd.pool(catalog, include_sandbox=True)
    assert set(ids) < set(with_sandbox)
    assert not any(catalog.entries[i].maturity == "archived" for i in with_sandbox)


def test_rotation_is_reproducible_and_differs_by_channel(catalog):
    ids = potd.pool(catalog)
    a = potd.rotation_order("T1", "C1", 0, ids)
    assert a == potd.rotation_order("T1", "C1", 0, list(reversed(ids)))
    assert a != potd.rotation_order("T1", "C2", 0, ids)
    assert sorted(a) == ids


def test_new_round_starts_after_the_pool_is_exhausted_without_an_immediate_repeat():
    pool = ["a", "b", "c"]
    history: list[tuple[int, str]] = []
    for _ in range(9):
        pid, cycle = potd.pick_project("T", "C", pool, history)
        history.append((cycle, pid))
    rounds = [[p for c, p in history if c == r] for r in range(3)]
    assert all(sorted(r) == pool for r in rounds)
    assert all(history[i][1] != history[i + 1][1] for i in range(len(history) - 1))


def test_imported_project_joins_and_archived_project_leaves(catalog):
    ids = potd.pool(catalog)
    gone = ids[0]
    entries = dict(catalog.entries)
    entries[gone] = dataclasses.replace(entries[gone], maturity="archived")
    entries["brand-new"] = dataclasses.replace(entries[ids[1]], id="brand-new", name="Brand New")
    changed = dataclasses.replace(catalog, entries=entries)
    new_pool = potd.pool(changed)
    assert "brand-new" in new_pool and gone not in new_pool
    history = [(0, p) for p in ids[1:]]  # everything else already posted this round
    assert potd.pick_project("T", "C", new_pool, history) == ("brand-new", 0)


def test_slots_across_daylight_saving():
    ny = "America/New_York"
    # 2025-03-09: clocks jump 02:00 -> 03:00; a 02:30 slot lands at 03:30 the same day.
    s = potd.slot(dt.date(2025, 3, 9), "02:30", ny)
    assert s.astimezone(ZoneInfo(ny)).strftime("%Y-%m-%d %H:%M") == "2025-03-09 03:30"
    assert potd.slot(dt.date(2025, 3, 8), "09:00", ny).hour == 14  # EST
    assert potd.slot(dt.date(2025, 3, 10), "09:00", ny).hour == 13  # EDT
    nxt, day = potd.next_slot(dt.datetime(2025, 3, 9, 0, 0, tzinfo=UTC), "09:00", "Asia/Seoul")
    assert day == dt.date(2025, 3, 9) and nxt == dt.datetime(2025, 3, 9, 0, 0, tzinfo=UTC) + dt.timedelta(days=1) \
        or nxt == dt.datetime(2025, 3, 10, 0, 0, tzinfo=UTC)


def test_message_has_the_card_and_a_learn_more_prompt(catalog):
    e = catalog.entries[potd.pool(catalog)[0]]
    m = potd.potd_message(e, "ko", dt.date(2025, 3, 1), catalog)
    assert "오늘의 프로젝트" in m.text and e.name in m.text
    assert m.blocks[0]["type"] == "context" and "2025-03-01" in m.blocks[0]["elements"][0]["text"]
    assert any(b["type"] == "header" for b in m.blocks)
    assert "스레드" in m.blocks[-1]["elements"][0]["text"]
    assert len(m.blocks) <= 50


# -- exactly once ------------------------------------------------------------------------------------

def test_two_potd_run_processes_at_the_same_instant_post_once_per_channel(db, catalog, fake_slack, db_url):
    channels = [f"C{i:03d}" for i in range(24)]
    zones = ["UTC", "Asia/Seoul", "America/New_York", "Europe/Berlin"]
    for i, ch in enumerate(channels):
        subscribe(db, catalog, ch, f"08:00 {zones[i % 4]} en")
    at = "2025-03-02T13:00:00+00:00"  # 08:00 has passed everywhere on the 2nd (local dates differ)
    env = dict(os.environ, DATABASE_URL=db_url, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=fake_slack.api_url,
               PYTHONPATH=str(ROOT))
    env.pop("SLACK_SIGNING_SECRET", None)
    cmd = [sys.executable, "-m", "bot.cli", "potd", "run", "--at", at]
    procs = [subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    per_channel = Counter(p["channel"] for p in fake_slack.posts)
    assert per_channel == {ch: 1 for ch in channels}
    assert {p.status for p in posts(db)} == {"posted"}
    # and a third run at the same instant adds nothing
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, timeout=60)
    assert len(fake_slack.posts) == len(channels)


def test_crash_between_claim_and_post_is_retried_and_posts_once(db, catalog, fake_slack, slack_client):
    subscribe(db, catalog, "C1")
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    r = runner(db, catalog, slack_client)
    (sub,) = r.due(at)
    # A process claims today's post and dies before calling Slack.
    assert r._claim(sub, at.date(), at) is not None
    assert r.run_due(at + dt.timedelta(minutes=1)).posted == []  # its lease still holds
    assert fake_slack.posts == []
    result = r.run_due(at + dt.timedelta(minutes=6))  # lease over: taken over
    assert result.posted == ["C1"] and len(fake_slack.posts) == 1
    r.run_due(at + dt.timedelta(minutes=7))
    r.run_due(at + dt.timedelta(hours=5))
    assert len(fake_slack.posts) == 1
    (row,) = posts(db)
    assert row.status == "posted" and row.attempts == 2


def test_a_post_slack_accepted_before_a_crash_is_not_repeated(db, catalog, fake_slack, slack_client):
    subscribe(db, catalog, "C1")
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    r = runner(db, catalog, slack_client)
    (sub,) = r.due(at)
    claim = r._claim(sub, at.date(), at)
    # Slack got the message, but the process died before writing down that it did.
    fake_slack.add_post("C1", {"text": "x", "metadata": {
        "event_type": potd.METADATA_EVENT, "event_payload": {"date": "2025-03-01", "project": claim.project_id}}})
    result = r.run_due(at + dt.timedelta(minutes=6))
    assert result.recovered == ["C1"] and len(fake_slack.posts) == 1
    (row,) = posts(db)
    assert row.status == "posted" and row.message_ts == fake_slack.posts[0]["ts"]


def test_sixty_days_post_sixty_different_projects(db, catalog, fake_slack, slack_client):
    subscribe(db, catalog, "C1", "09:30 Asia/Seoul ko")
    r = runner(db, catalog, slack_client, workers=1)
    for day in range(60):
        at = dt.datetime(2025, 3, 1, 1, 0, tzinfo=UTC) + dt.timedelta(days=day)  # 10:00 in Seoul
        assert r.run_due(at).posted == ["C1"]
    ids = [p["metadata"]["event_payload"]["project"] for p in fake_slack.posts]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert set(ids) <= set(potd.pool(catalog))
    dates = [p["metadata"]["event_payload"]["date"] for p in fake_slack.posts]
    assert len(set(dates)) == 60


@pytest.mark.parametrize("start", [dt.datetime(2025, 3, 7, tzinfo=UTC), dt.datetime(2025, 10, 31, tzinfo=UTC)],
                         ids=["spring-forward", "fall-back"])
def test_seoul_and_new_york_post_once_per_local_day_across_daylight_saving(db, catalog, fake_slack, slack_client,
                                                                           start):
    subscribe(db, catalog, "CSEOUL", "09:00 Asia/Seoul", at=start)
    subscribe(db, catalog, "CNY", "09:00 America/New_York", at=start)
    subscribe(db, catalog, "CNY0230", "02:30 America/New_York", at=start)  # skipped/repeated hour
    subscribe(db, catalog, "CNY0130", "01:30 America/New_York", at=start)
    r = runner(db, catalog, slack_client, workers=1)
    for tick in range(5 * 24 * 4):  # every 15 minutes for five days
        r.run_due(start + dt.timedelta(minutes=15 * tick))
    zone = {"CSEOUL": "Asia/Seoul", "CNY": "America/New_York", "CNY0230": "America/New_York",
            "CNY0130": "America/New_York"}
    by_channel: dict[str, list[Post]] = defaultdict(list)
    for p in posts(db):
        by_channel[p.channel_id].append(p)
    for ch, rows in by_channel.items():
        days = [p.local_date for p in rows]
        assert len(days) == len(set(days)), (ch, days)
        assert all(p.status == "posted" for p in rows)
        assert days == sorted(days) and len(days) >= 4
        # consecutive local days, none skipped
        assert all((b - a).days == 1 for a, b in zip(days, days[1:], strict=False)), (ch, days)
        for p in rows:
            local = p.posted_at.astimezone(ZoneInfo(zone[ch]))
            assert local.date() == p.local_date
    for p in by_channel["CSEOUL"] + by_channel["CNY"]:
        assert p.posted_at.astimezone(ZoneInfo(zone[p.channel_id])).strftime("%H:%M") == "09:00"
    assert Counter(p["channel"] for p in fake_slack.posts) == {ch: len(rows) for ch, rows in by_channel.items()}


# -- Slack errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
def test_a_paused_channel_posts_nothing(db, catalog, fake_slack, slack_client, error):
    cmds = subscribe(db, catalog, "C1")
    subscribe(db, catalog, "C2")
    fake_slack.fail("C1", error=error)
    r = runner(db, catalog, slack_client)
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    result = r.run_due(at)
    assert result.paused == ["C1"] and result.posted == ["C2"]
    calls_before = len(fake_slack.calls)
    for day in range(1, 4):
        r.run_due(at + dt.timedelta(days=day))
    assert [p["channel"] for p in fake_slack.posts] == ["C2"] * 4
    assert not any(body.get("channel") == "C1" for _, body in fake_slack.calls[calls_before:])
    ctx = CommandContext(team_id="T1", channel_id="C1", user_id="U1")
    cmds.now = lambda: at + dt.timedelta(days=3)
    status = cmds.handle("status", ctx, "en", None).text
    assert "Paused" in status and error in status
    # Subscribing again resumes the channel.
    cmds.handle("subscribe 09:00 UTC en", ctx, "en", None)
    assert r.run_due(at + dt.timedelta(days=4)).posted.count("C1") == 1


def test_rate_limited_post_waits_for_retry_after_and_posts_once(db, catalog, fake_slack, slack_client):
    subscribe(db, catalog, "C1")
    fake_slack.fail("C1", status=429, retry_after=3)
    slept: list[float] = []
    r = runner(db, catalog, slack_client, sleep=slept.append)
    result = r.run_due(dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    assert result.posted == ["C1"] and len(fake_slack.posts) == 1
    assert slept and 2.0 < max(slept) <= 3.0
    assert [m for m, b in fake_slack.calls if m == "chat.postMessage"] == ["chat.postMessage"] * 2


def test_server_error_is_retried_on_the_next_tick(db, catalog, fake_slack, slack_client):
    subscribe(db, catalog, "C1")
    fake_slack.fail("C1", status=503)
    r = runner(db, catalog, slack_client)
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert r.run_due(at).retrying == ["C1"]
    assert r.run_due(at + dt.timedelta(seconds=30)).posted == []  # not before the backoff
    assert r.run_due(at + dt.timedelta(minutes=1)).posted == ["C1"]
    r.run_due(at + dt.timedelta(minutes=2))
    assert len(fake_slack.posts) == 1
    (row,) = posts(db)
    assert row.status == "posted" and row.attempts == 2


def test_failed_day_is_given_up_and_the_next_day_posts(db, catalog, fake_slack, slack_client):
    subscribe(db, catalog, "C1")
    fake_slack.fail("C1", status=500, times=1000)
    r = runner(db, catalog, slack_client)
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    for m in range(0, 15 * 60, 30):  # Slack down for the rest of the day
        r.run_due(at + dt.timedelta(minutes=m))
    fake_slack.failures["C1"].clear()
    r.run_due(at + dt.timedelta(days=1))
    rows = posts(db)
    assert [(p.local_date.isoformat(), p.status) for p in rows] == [("2025-03-01", "abandoned"),
                                                                    ("2025-03-02", "posted")]
    assert len(fake_slack.posts) == 1


def test_unsubscribed_channel_posts_nothing(db, catalog, fake_slack, slack_client):
    cmds = subscribe(db, catalog, "C1")
    cmds.handle("unsubscribe", CommandContext(team_id="T1", channel_id="C1", user_id="U2"), "en", None)
    runner(db, catalog, slack_client).run_due(dt.datetime(2025, 3, 2, 9, 0, tzinfo=UTC))
    assert fake_slack.posts == []
    with db.read() as s:
        sub = s.scalar(select(Subscription))
    hashed = cmds.hash_user
    assert not sub.active and sub.unsubscribed_by == hashed("T1", "U2") and sub.subscribed_by == hashed("T1", "U1")


def test_sandbox_subscription_draws_from_sandbox_too(db, catalog, fake_slack, slack_client):
    subscribe(db, catalog, "C1", "09:00 UTC en sandbox")
    r = runner(db, catalog, slack_client, workers=1)
    for day in range(40):
        r.run_due(dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC) + dt.timedelta(days=day))
    maturities = {catalog.entries[p["metadata"]["event_payload"]["project"]].maturity for p in fake_slack.posts}
    assert "sandbox" in maturities and "archived" not in maturities


def test_after_the_whole_pool_a_new_round_begins(db, catalog, fake_slack, slack_client):
    pool = potd.pool(catalog)
    subscribe(db, catalog, "C1")
    r = runner(db, catalog, slack_client, workers=1)
    for day in range(len(pool) + 5):
        r.run_due(dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC) + dt.timedelta(days=day))
    ids = [p["metadata"]["event_payload"]["project"] for p in fake_slack.posts]
    assert sorted(ids[:len(pool)]) == pool  # every project once
    second = ids[len(pool):]
    assert len(second) == 5 == len(set(second)) and second[0] != ids[len(pool) - 1]
    assert {p.cycle for p in posts(db)} == {0, 1}


def test_the_serve_ticker_posts_what_is_due_and_stops(db, db_url, engine, fake_slack, slack_client):
    import time

    from bot.config import Config
    from bot.services import DbServices, start_background

    now = dt.datetime.now(UTC)
    # Subscribed two days ago for 00:00 UTC: today's post is due the moment the ticker starts.
    subscribe(db, engine.catalog, "CTICK", "00:00 UTC en", at=now - dt.timedelta(days=2))
    config = Config.from_env({"DATABASE_URL": db_url}, need_slack=False)
    stop = start_background(config, DbServices(config, engine, db), engine, slack_client)
    try:
        for _ in range(200):  # wait for the first tick (it runs at start)
            if fake_slack.posts:
                break
            time.sleep(0.05)
    finally:
        stop()
    assert [p["channel"] for p in fake_slack.posts] == ["CTICK"]
    (row,) = posts(db)
    assert row.local_date == now.date() and row.status == "posted"


def test_app_home_shows_what_the_team_got_today(db, db_url, engine, fake_slack, slack_client):
    from bot.config import Config
    from bot.services import DbServices

    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    config = Config.from_env({"DATABASE_URL": db_url}, need_slack=False)
    svc = DbServices(config, engine, db, now=lambda: at + dt.timedelta(hours=1))
    fallback = svc.todays_project("T1")
    assert engine.catalog.entries[fallback].maturity in ("graduated", "incubating")
    subscribe(db, engine.catalog, "C1")
    runner(db, engine.catalog, slack_client).run_due(at)
    assert svc.todays_project("T1") == fake_slack.posts[0]["metadata"]["event_payload"]["project"]
