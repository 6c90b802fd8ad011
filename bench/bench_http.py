"""Benchmark of the HTTP server: the real `cncf-bot serve` with its real database beside a bare Bolt app.

    python bench/bench_http.py [--seconds 10] [--levels 1,16,64] [--apps bare,nodb,sqlite,postgres,oauth]

Processes on this machine: a fake Slack (tests/fakeslack.py), the server under test, and this
client, which signs every request exactly as Slack does. The servers:
- bare: a Bolt app on the same server stack (bot.server: Starlette on uvicorn) that acks /cncf
  with a fixed text: the floor any Slack app on this stack pays;
- nodb: the bot's app with no database at all (what the engine and its listeners cost);
- sqlite, postgres: `cncf-bot serve` itself (python -m bot.cli serve), with DATABASE_URL on a
  SQLite file or on a fresh schema of the PostgreSQL at --pg: migrations, preferences, the
  question log and the event claims all live.
- oauth: the same on PostgreSQL in the multi-workspace mode, with --teams workspaces installed
  beforehand; the requests come from all of them in turn, so each is authorized against the
  installation store (bolt's authorize, the store's cache) and answered on its own token.
Each level runs for a fixed time; every request is a distinct question (project names in six
phrasings, never repeated, so the answer cache cannot serve them) from one of 2,000 people.
Prints, per app and concurrency: requests per second, p50, p99, max, errors, requests over 3 s
(Slack's limit), and the ratios to the bare app. Asserts nothing.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import itertools
import multiprocessing as mp
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
FORMS = ["what is {}", "tell me about {}", "{} 뭐야?", "is {} graduated", "{} 알려줘", "how mature is {} these days"]
PEOPLE = 2000


def run_fake(port_q) -> None:
    from tests.fakeslack import FakeSlack

    fake = FakeSlack().start()
    port_q.put(fake.port)
    threading.Event().wait()


def run_nodb(api_url: str, port_q) -> None:
    """The bot's own app without any database (NullServices): what the engine and Bolt cost alone."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    from bot.app import build_runtime
    from bot.config import Config
    from bot.server import bind, create_asgi, uvicorn_server
    from handlers.services import NullServices

    config = Config.from_env({"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url,
                              "LOG_LEVEL": "WARNING"})
    runtime = build_runtime(config, services=NullServices(), start_jobs=False)
    asgi = create_asgi(runtime.app, runtime.metrics, signing_secret=SECRET)
    sock = bind("127.0.0.1", 0)
    port_q.put(sock.getsockname()[1])
    uvicorn_server(asgi, host="127.0.0.1", port=0, log_level="warning").run(sockets=[sock])


def run_bare(api_url: str, port_q) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.metrics import BotMetrics
    from bot.server import bind, create_asgi, uvicorn_server

    app = App(client=WebClient(token="xoxb-bench", base_url=api_url), signing_secret=SECRET,
              process_before_response=True)

    @app.command("/cncf")
    def fixed(ack):
        ack("Thanks for asking.")

    asgi = create_asgi(app, BotMetrics(), signing_secret=SECRET)
    sock = bind("127.0.0.1", 0)
    port_q.put(sock.getsockname()[1])
    uvicorn_server(asgi, host="127.0.0.1", port=0, log_level="warning").run(sockets=[sock])


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
                raise RuntimeError(f"the server on port {port} did not start")
            time.sleep(0.05)


def questions(seed: int = 1) -> list[str]:
    from knowledge.engine import Engine

    names = sorted({e.name for e in Engine.load().catalog.entries.values()})
    out = [form.format(name) for name in names for form in FORMS]
    random.Random(seed).shuffle(out)
    return out


class Load:
    """Workers posting signed /cncf requests for `seconds`; each takes the next distinct question."""

    def __init__(self, port: int, fake_url: str, texts: list[str], teams: int = 1):
        self.port, self.fake_url, self.teams = port, fake_url, teams
        self.texts = itertools.cycle(texts)
        self.lock = threading.Lock()
        self.n = 0

    def next_request(self) -> tuple[bytes, dict]:
        with self.lock:
            text, self.n = next(self.texts), self.n + 1
            n = self.n
        team = "T0001" if self.teams == 1 else f"T{n % self.teams:05d}"
        body = urlencode({"team_id": team, "channel_id": "C1", "user_id": f"U{n % PEOPLE:05d}",
                          "command": "/cncf", "text": text, "response_url": f"{self.fake_url}/response/{n}",
                          "trigger_id": "1.2.3"}).encode()
        ts = str(int(time.time()))
        mac = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        return body, {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                      "X-Slack-Signature": "v0=" + mac}

    def run(self, concurrency: int, seconds: float) -> dict:
        latencies: list[float] = []
        errors = 0
        stop = time.perf_counter() + seconds

        def worker() -> None:
            nonlocal errors
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            mine, bad = [], 0
            while time.perf_counter() < stop:
                body, headers = self.next_request()
                t0 = time.perf_counter()
                try:
                    conn.request("POST", "/slack/events", body=body, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    ok = resp.status == 200
                except (OSError, http.client.HTTPException):
                    ok = False
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                mine.append(time.perf_counter() - t0)
                bad += not ok
            conn.close()
            with self.lock:
                latencies.extend(mine)
                errors += bad

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        latencies.sort()
        n = len(latencies)
        return {"rps": n / wall, "p50": latencies[n // 2] * 1000, "p99": latencies[max(int(n * 0.99) - 1, 0)] * 1000,
                "max": latencies[-1] * 1000, "errors": errors, "slow": sum(1 for x in latencies if x > 3.0), "n": n}


def pg_schema(url: str) -> tuple[str, str]:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema, f"{url}{'&' if '?' in url else '?'}options={quote('-csearch_path=' + schema)}"


def drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def install_teams(url: str, teams: int) -> None:
    """Store `teams` installations, as the install flow would, before the server starts."""
    from slack_sdk.oauth.installation_store.models.installation import Installation

    from bot.db import Database, upgrade
    from bot.installations import Store

    db = Database(url)
    upgrade(db)
    store = Store(OAUTH_CLIENT, db.engine)
    for i in range(teams):
        store.save(Installation(app_id="A0001", team_id=f"T{i:05d}", team_name=f"team {i}", user_id="U1",
                                bot_token=f"xoxb-bench-{i}", bot_id=f"B{i}", bot_user_id="UBOT",
                                bot_scopes="chat:write,commands"))
    db.dispose()


OAUTH_CLIENT = "1111.2222"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per concurrency level (default 10)")
    parser.add_argument("--levels", default="1,16,64")
    parser.add_argument("--apps", default="bare,nodb,sqlite,postgres,oauth")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--teams", type=int, default=50, help="workspaces installed for the oauth app (default 50)")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    apps = args.apps.split(",")
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    fake = ctx.Process(target=run_fake, args=(q,), daemon=True)
    fake.start()
    fake_url = f"http://127.0.0.1:{q.get(timeout=30)}"
    texts = questions()
    results: dict[tuple[str, int], dict] = {}
    tmp = tempfile.TemporaryDirectory()
    try:
        for kind in apps:
            proc, schema, server = None, None, None
            if kind in ("bare", "nodb"):
                target = run_bare if kind == "bare" else run_nodb
                server = ctx.Process(target=target, args=(fake_url + "/api/", q), daemon=True)
                server.start()
                port = q.get(timeout=60)
                wait_healthy(port)
            else:
                if kind == "sqlite":
                    url = f"sqlite:///{tmp.name}/bench.sqlite3"
                else:
                    schema, url = pg_schema(args.pg)
                if kind == "oauth":
                    install_teams(url, args.teams)
                port = free_port()
                env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "LOG_"))}
                env |= {"PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": fake_url + "/api/", "DATABASE_URL": url, "PORT": str(port),
                        "LOG_LEVEL": "WARNING", "USER_HASH_KEY": "b" * 32}
                if kind == "oauth":
                    env |= {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": OAUTH_CLIENT, "SLACK_CLIENT_SECRET": "bench"}
                proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"], env=env,
                                        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                wait_healthy(port, proc)
            load = Load(port, fake_url, texts, teams=args.teams if kind == "oauth" else 1)
            load.run(4, 1.5)  # warm up: imports, connections, caches of the code paths
            for conc in levels:
                results[(kind, conc)] = load.run(conc, args.seconds)
                print(f"  {kind} at {conc}: {results[(kind, conc)]['rps']:.0f} req/s", file=sys.stderr)
            if proc is not None:
                proc.terminate()
                proc.wait(30)
            if server is not None:
                server.terminate()
                server.join(timeout=10)
            if schema:
                drop_schema(args.pg, schema)
    finally:
        fake.terminate()
        tmp.cleanup()
    print(f"HTTP /cncf through uvicorn + Starlette, {args.seconds:g} s per level, distinct questions, "
          f"{os.cpu_count()} CPUs")
    print(f"{'app':<9} {'conc':>4} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6} {'>3 s':>5}"
          f" {'x bare':>7} {'p99 x':>6}")
    for kind in apps:
        for conc in levels:
            r = results[(kind, conc)]
            bare = results.get(("bare", conc))
            ratio = f"{r['rps'] / bare['rps']:.2f}" if bare and kind != "bare" else "-"
            p99 = f"{r['p99'] / bare['p99']:.2f}" if bare and kind != "bare" else "-"
            print(f"{kind:<9} {conc:>4} {r['rps']:>7.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['max']:>8.1f} "
                  f"{r['errors']:>6} {r['slow']:>5} {ratio:>7} {p99:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
