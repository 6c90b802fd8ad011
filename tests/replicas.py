"""Real `cncf-bot serve` replicas on one database, a fake Slack, and a trial of events with duplicates
and killed replicas: the driver shared by tests/bot/test_replicas.py and bench/bench_replicas.py.

A trial sends distinct questions as Slack-signed `app_mention` events, each to one replica. Some
are delivered twice, the second time as Slack's retry to the other replica, both at once. Some
are "killed after acking": the fake Slack holds their first chat.postMessage without storing it,
and once the replica has acked them and is stuck posting, it is killed (SIGKILL) and started
again. Then the trial waits until no event is still being worked on, and counts the answers the
fake Slack stored per question (the key in each answer's metadata).
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakeslack import TEAM_ID, FakeSlack

ROOT = Path(__file__).resolve().parents[1]
SECRET = "replica-signing-secret"
SUBJECTS = ["linkerd", "envoy", "keda", "argo", "flux", "jaeger", "cilium", "falco", "harbor", "etcd", "istio",
            "kyverno", "prometheus", "containerd", "coredns", "helm", "knative", "vitess", "dapr", "thanos"]
FORMS = ["what is {}?", "tell me about {}", "{} 뭐야?", "is {} graduated?", "{} 알려줘", "how mature is {}"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Replica:
    port: int
    env: dict
    proc: subprocess.Popen | None = None
    log: Path | None = None

    def start(self) -> None:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"],
                                     env=self.env | {"PORT": str(self.port)}, cwd=ROOT, stdout=out,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"replica on port {self.port} did not start (see {self.log})")
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def send(self, body: bytes, retry: int = 0) -> int:
        ts = str(int(time.time()))
        mac = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": "v0=" + mac}
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", "/slack/events", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            return resp.status
        except OSError:
            return 0  # the replica is gone (killed): Slack would retry; the claim covers it
        finally:
            conn.close()


@dataclass
class Trial:
    events: int = 1000
    duplicated: float = 0.20
    killed: float = 0.05
    kill_rounds: int = 5
    seed: int = 7
    timeout: float = 5.0  # SLACK_TIMEOUT_SECONDS
    retry: float = 20.0  # SLACK_RETRY_SECONDS
    lease: float = 30.0  # EVENT_LEASE_SECONDS: how long a killed replica's events wait for another
    counts: dict = field(default_factory=dict)


def event_body(i: int, rng: random.Random) -> tuple[bytes, str, str]:
    ts = f"1700{i:06d}.{rng.randint(100000, 999999)}"
    channel = f"C{i % 7:03d}"
    text = rng.choice(FORMS).format(rng.choice(SUBJECTS))
    eid = f"Ev{i:08d}{rng.randint(0, 9999):04d}"
    body = {"token": "x", "team_id": TEAM_ID, "api_app_id": "A0001", "type": "event_callback", "event_id": eid,
            "event_time": int(time.time()),
            "event": {"type": "app_mention", "user": f"U{i % 50:04d}", "text": f"<@UBOT> {text}", "ts": ts,
                      "channel": channel, "event_ts": ts},
            "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True}]}
    return json.dumps(body).encode(), f"{channel}:{ts}", eid


def run_trial(db_url: str, trial: Trial, workdir: Path, say=lambda *a: None) -> dict:
    """Run the trial against two replicas; return the counts (see the module docstring)."""
    fake = FakeSlack().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "LOG_", "PORT"))}
    env |= {"PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": "xoxb-replicas", "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING", "LOG_FORMAT": "text",
            "SLACK_TIMEOUT_SECONDS": str(trial.timeout), "SLACK_RETRY_SECONDS": str(trial.retry),
            "EVENT_LEASE_SECONDS": str(trial.lease),
            "USER_HASH_KEY": "k" * 32}
    replicas = [Replica(free_port(), env, log=workdir / f"replica-{n}.log") for n in range(2)]
    rng = random.Random(trial.seed)
    bodies = [event_body(i, rng) for i in range(trial.events)]
    doomed = set(rng.sample(range(trial.events), round(trial.events * trial.killed)))
    twice = set(rng.sample(sorted(set(range(trial.events)) - doomed), round(trial.events * trial.duplicated)))
    started = time.monotonic()
    try:
        for r in replicas:
            r.start()
        say(f"two replicas up in {time.monotonic() - started:.1f} s")
        acked = {"ok": 0, "failed": 0}
        lock = threading.Lock()

        def deliver(i: int) -> None:
            body, _, _ = bodies[i]
            first, other = replicas[i % 2], replicas[1 - i % 2]
            if i in twice:  # Slack's retry to the other replica, at the same moment
                with ThreadPoolExecutor(2) as two:
                    statuses = list(two.map(lambda job: job[0].send(body, job[1]), [(first, 0), (other, 1)]))
            else:
                statuses = [first.send(body)]
            with lock:
                for st in statuses:
                    acked["ok" if st == 200 else "failed"] += 1

        plain = [i for i in range(trial.events) if i not in doomed]
        t0 = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(deliver, plain))
        send_seconds = time.monotonic() - t0
        # the killed: a round of them to replica 0, held at chat.postMessage, then SIGKILL and restart
        rounds = [sorted(doomed)[k::trial.kill_rounds] for k in range(trial.kill_rounds)]
        kills = 0
        for group in (g for g in rounds if g):
            keys = {bodies[i][1] for i in group}
            for key in keys:
                fake.fail("chat.postMessage", mode="hang", where=lambda b, key=key: _key(b) == key)
            for i in group:
                assert replicas[0].send(bodies[i][0]) == 200
            _wait(lambda: len(fake.find("api", "chat.postMessage", where=lambda c: c.status == 0
                                        and _key(c.body) in keys)) >= len(keys), 30, "held posts")
            replicas[0].kill()
            kills += 1
            replicas[0].start()
        say(f"sent {trial.events} events ({len(twice)} twice, {len(doomed)} to a replica then killed "
            f"in {kills} kills) in {time.monotonic() - started:.1f} s")
        want = {bodies[i][1] for i in range(trial.events)}
        try:
            _wait(lambda: want <= set(_answered(fake)), 60 + 4 * trial.lease, "every event answered")
        except AssertionError:
            pass  # counted as lost below, with what the database says about them
        time.sleep(trial.lease + 2)  # anything still to come (a late repeat) would come now
        per_key = _answered(fake)
        lost = [bodies[i][2] for i in range(trial.events) if bodies[i][1] not in per_key]
        if lost:
            say(f"lost: {lost[:10]}; their claims: {_claims(db_url, lost[:10])}")
        counts = {"events": trial.events, "delivered_twice": len(twice), "killed_after_ack": len(doomed),
                  "kills": kills, "acks_ok": acked["ok"], "acks_failed": acked["failed"],
                  "answered_once": sum(1 for k in want if per_key.get(k) == 1),
                  "answered_twice_or_more": sum(1 for k in want if per_key.get(k, 0) > 1),
                  "lost": sum(1 for k in want if k not in per_key),
                  "send_seconds": round(send_seconds, 2), "total_seconds": round(time.monotonic() - started, 1)}
        return counts
    finally:
        fake.release()
        for r in replicas:
            r.stop()
        fake.stop()


def _claims(db_url: str, ids: list[str]) -> list:
    from sqlalchemy import select

    from bot.db import Database
    from bot.db.models import EventClaim

    db = Database(db_url)
    try:
        with db.read() as s:
            return [(r.event_id, r.state, r.outcome, r.attempts, r.owner) for r in
                    s.scalars(select(EventClaim).where(EventClaim.event_id.in_(ids)))]
    finally:
        db.dispose()


def _key(body: dict) -> str | None:
    meta = body.get("metadata")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            return None
    return ((meta or {}).get("event_payload") or {}).get("key")


def _answered(fake: FakeSlack) -> dict[str, int]:
    per: dict[str, int] = {}
    for m in fake.posts():
        key = ((m.get("metadata") or {}).get("event_payload") or {}).get("key")
        if key:
            per[key] = per.get(key, 0) + 1
    return per


def _wait(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
