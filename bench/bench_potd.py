"""Benchmark: the project of the day for 2,000 subscribed channels, on SQLite and PostgreSQL.

Posts against the fake Slack Web API from the tests (which enforces one post per second per
channel and can add a per-call latency like the real Slack's) and prints, per database and
number of workers: total time, database queries per post (counted with SQLAlchemy's
before_cursor_execute event) and peak Python memory (tracemalloc, measured in a second pass
so tracing does not slow the timed one). It measures; it asserts nothing.

    python bench/bench_potd.py [--channels 2000] [--workers 1,8] [--latency-ms 0]
                               [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402
from sqlalchemy import event, insert  # noqa: E402

from bot import potd  # noqa: E402
from bot.db import Database, upgrade  # noqa: E402
from bot.db.models import Subscription  # noqa: E402
from bot.potd_runner import PotdRunner  # noqa: E402
from knowledge.engine import Engine  # noqa: E402
from tests.bot.fake_slack_potd import FakeSlack  # noqa: E402

UTC = dt.timezone.utc
SUBSCRIBED = dt.datetime(2025, 3, 1, 0, 0, tzinfo=UTC)
AT = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def seed(db: Database, n: int) -> None:
    nxt, _ = potd.next_slot(SUBSCRIBED, "09:00", "UTC")
    rows = [dict(team_id="T1", channel_id=f"C{i:06d}", post_time="09:00", timezone="UTC", lang="en" if i % 2 else "ko",
                 include_sandbox=bool(i % 3 == 0), active=True, subscribed_by="U1", subscribed_at=SUBSCRIBED,
                 next_post_at=nxt) for i in range(n)]
    with db.write() as s:
        s.execute(insert(Subscription), rows)


def one_run(url: str, make_db_url, catalog, n: int, workers: int, latency: float, trace: bool) -> dict:
    db_url, cleanup = make_db_url()
    db = Database(db_url)
    fake = FakeSlack(rate_limit=True, latency=latency, keep_bodies=False)
    api = fake.start()
    try:
        upgrade(db)
        seed(db, n)
        client = WebClient(token="xoxb-bench", base_url=api, retry_handlers=[], timeout=30)
        runner = PotdRunner(db, catalog, client, workers=workers)
        queries = [0]

        @event.listens_for(db.engine, "before_cursor_execute")
        def count(*_a, **_k):
            queries[0] += 1

        if trace:
            tracemalloc.start()
        t0 = time.perf_counter()
        result = runner.run_due(AT)
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        again = runner.run_due(AT + dt.timedelta(minutes=1))  # nothing more: every channel has its post
        channels = {p["channel"] for p in fake.posts}
        return dict(seconds=elapsed, posted=len(result.posted), queries=queries[0], peak=peak,
                    slack_posts=len(fake.posts), distinct=len(channels), retrying=len(result.retrying),
                    second_run_posted=len(again.posted))
    finally:
        fake.stop()
        db.dispose()
        cleanup()


def sqlite_url():
    d = tempfile.TemporaryDirectory()
    return f"sqlite:///{d.name}/bench.sqlite3", d.cleanup


def postgres_url_factory(base: str):
    def make():
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        plain = base.replace("+psycopg", "")
        with psycopg.connect(plain, autocommit=True) as c:
            c.execute(f'CREATE SCHEMA "{schema}"')

        def cleanup():
            with psycopg.connect(plain, autocommit=True) as c:
                c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

        sep = "&" if "?" in base else "?"
        return f"{base}{sep}options={quote('-csearch_path=' + schema)}", cleanup
    return make


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", type=int, default=2000)
    ap.add_argument("--workers", default="1,8", help="comma-separated worker counts to try")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="added to every chat.postMessage")
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    catalog = Engine.load().catalog
    targets = [("sqlite", sqlite_url)]
    if not args.no_postgres:
        try:
            import psycopg

            with psycopg.connect(args.postgres.replace("+psycopg", ""), connect_timeout=3):
                pass
            targets.append(("postgresql", postgres_url_factory(args.postgres)))
        except Exception as exc:
            print(f"(PostgreSQL skipped: {exc})")
    print(f"{args.channels} channels, fake Slack: 1 post/s/channel, +{args.latency_ms:g} ms per post")
    print(f"{'database':<11} {'workers':>7} {'total s':>8} {'posts/s':>8} {'queries/post':>12} "
          f"{'peak MiB':>9}  check")
    for name, make in targets:
        for w in [int(x) for x in args.workers.split(",")]:
            timed = one_run(name, make, catalog, args.channels, w, args.latency_ms / 1000, trace=False)
            traced = one_run(name, make, catalog, args.channels, w, args.latency_ms / 1000, trace=True)
            ok = (timed["slack_posts"] == timed["distinct"] == args.channels and not timed["second_run_posted"])
            print(f"{name:<11} {w:>7} {timed['seconds']:>8.2f} {timed['posted'] / timed['seconds']:>8.0f} "
                  f"{timed['queries'] / max(timed['posted'], 1):>12.2f} {traced['peak'] / 2**20:>9.1f}  "
                  f"{'one post per channel' if ok else 'MISMATCH ' + str(timed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
