"""Event claims: each Slack event answered once across replicas, and never lost to a dead one.

A replica records every event it will answer in `event_claims` (keyed by Slack's `event_id`, a
unique insert) before it acks. The row says who works on it and until when (`lease_until`):

- a new id: this replica answers it (`new`);
- an id already answered, failed, or being answered under a live lease: nothing (`skip`), whether
  the delivery is Slack's retry or the same event reaching another replica;
- an id whose lease is over (its replica died after acking): this replica takes it over
  (`retake`) and answers, after looking in the thread for an answer the dead one may have posted.

Slack's retry headers alone decide nothing. Besides the deliveries Slack makes, each replica runs
a `Sweeper` that takes over events whose lease ran out (Slack does not retry an event that was
acked) and replays them through the app. A row keeps the event body only until the event is
answered; rows are deleted KEEP after they arrived, so the table stays small and its two indexes
keep every query's cost flat.

The database must not hold up the ack: a claim waits at most CLAIM_WAIT seconds. When the
database is slow or down the replica falls back on its own memory of event ids (answering each
once per process) and counts it; the thread check catches the rare repeat that allows.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import orjson
from sqlalchemy import and_, delete, select, update

from handlers.deps import EventDeduper

from .db import Database
from .db.models import EventClaim

log = logging.getLogger("cncf_bot.delivery")

NEW, RETAKE, SKIP = "new", "retake", "skip"
CLAIM_WAIT = 1.0  # seconds an ack waits for its claim before the replica trusts its own memory
BACKLOG_MAX = 64  # claims waiting for the database; past it, memory at once
KEEP = dt.timedelta(hours=1)  # how long an event id is remembered (Slack retries for about 5 min)
REPLAY_WITHIN = dt.timedelta(minutes=15)  # an older unfinished event is too late to answer
MAX_ATTEMPTS = 3  # replicas that may try one event before it is marked failed
WARN_EVERY = 10.0


def replica_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class EventClaims:
    """The `event_claims` table: claim, finish, take over, forget."""

    def __init__(self, db: Database, *, lease: float, owner: str | None = None,
                 now: Callable[[], dt.datetime] = utcnow):
        self.db, self.lease, self.now = db, dt.timedelta(seconds=lease), now
        self.owner = owner or replica_name()

    def _insert(self, row: dict):
        if self.db.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        # RETURNING says whether the row went in (rowcount is not reliable here on every driver)
        return (insert(EventClaim).values(**row).on_conflict_do_nothing(index_elements=["event_id"])
                .returning(EventClaim.event_id))

    def claim(self, event_id: str, team_id: str, body: dict) -> str:
        at = self.now()
        row = {"event_id": event_id[:64], "team_id": (team_id or "")[:32], "received_at": at, "state": "working",
               "owner": self.owner, "lease_until": at + self.lease, "attempts": 1,
               "payload": orjson.dumps(body).decode()}
        with self.db.write() as s:
            if s.execute(self._insert(row)).first() is not None:
                return NEW
            return RETAKE if self._take(s, event_id[:64], at) else SKIP

    def _take(self, s, event_id: str, at: dt.datetime) -> bool:
        """Take an event over when its lease is over (compare-and-set: one taker wins)."""
        taken = s.execute(update(EventClaim)
                          .where(EventClaim.event_id == event_id, EventClaim.state == "working",
                                 EventClaim.lease_until <= at, EventClaim.attempts < MAX_ATTEMPTS)
                          .values(owner=self.owner, lease_until=at + self.lease, attempts=EventClaim.attempts + 1))
        return taken.rowcount == 1

    def finish(self, event_id: str, outcome: str) -> None:
        state = "done" if outcome in ("posted", "found", "ignored") else "failed"
        with self.db.write() as s:
            s.execute(update(EventClaim).where(EventClaim.event_id == event_id[:64])
                      .values(state=state, outcome=outcome[:32], payload=None))

    def take_expired(self, limit: int = 20) -> tuple[list[tuple[str, dict]], int]:
        """Events whose lease is over, now this replica's to answer; and how many were given up."""
        at = self.now()
        taken: list[tuple[str, dict]] = []
        with self.db.write() as s:
            # too old to answer, or tried by enough replicas: given up, and said so once
            failed = s.execute(update(EventClaim)
                               .where(EventClaim.state == "working", EventClaim.lease_until <= at,
                                      (EventClaim.received_at < at - REPLAY_WITHIN)
                                      | (EventClaim.attempts >= MAX_ATTEMPTS))
                               .values(state="failed", outcome="abandoned", payload=None)).rowcount
            ids = s.scalars(select(EventClaim.event_id)
                            .where(EventClaim.state == "working", EventClaim.lease_until <= at)
                            .order_by(EventClaim.lease_until).limit(limit)).all()
            for event_id in ids:
                if self._take(s, event_id, at):
                    payload = s.scalar(select(EventClaim.payload).where(EventClaim.event_id == event_id))
                    try:
                        taken.append((event_id, orjson.loads(payload or b"{}")))
                    except orjson.JSONDecodeError:
                        s.execute(update(EventClaim).where(EventClaim.event_id == event_id)
                                  .values(state="failed", outcome="unreadable", payload=None))
        return taken, failed

    def prune(self) -> int:
        """Forget events received more than KEEP ago (a retry that late is not coming)."""
        with self.db.write() as s:
            return s.execute(delete(EventClaim).where(and_(EventClaim.received_at < self.now() - KEEP,
                                                           EventClaim.state != "working"))).rowcount

    def count(self, state: str | None = None) -> int:
        from sqlalchemy import func

        with self.db.read() as s:
            q = select(func.count()).select_from(EventClaim)
            return s.scalar(q.where(EventClaim.state == state) if state else q) or 0


class EventLedger:
    """What the handlers call (Services.receive_event / finish_event): claims with a bounded wait.

    A claim that the database does not confirm within CLAIM_WAIT seconds, or that fails, is
    decided by this process's memory instead (`on_fallback` counts it). Finishing never waits.
    """

    def __init__(self, claims: EventClaims, *, wait: float = CLAIM_WAIT,
                 on_fallback: Callable[[str], None] | None = None):
        self.claims, self.wait = claims, wait
        self.on_fallback = on_fallback or (lambda why: None)
        self.memory = EventDeduper()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="event-claim")
        self._backlog = 0
        self._pending: dict[str, object] = {}  # claims still being written, by event id
        self._lock = threading.Lock()
        self._warned = 0.0

    def receive(self, event_id: str, team_id: str, body: dict) -> str:
        with self._lock:
            busy = self._backlog >= BACKLOG_MAX
            if not busy:
                self._backlog += 1
        if busy:
            return self._fallback(event_id, "backlog")
        future = self._pool.submit(self._claim, event_id, team_id, body)
        with self._lock:
            self._pending[event_id] = future
        future.add_done_callback(lambda _f, e=event_id: self._pending.pop(e, None))
        try:
            verdict = future.result(timeout=self.wait)
        except Exception as exc:  # slow or failing database: this process's memory decides
            self._warn(exc)
            return self._fallback(event_id, "timeout" if isinstance(exc, TimeoutError) else "error")
        self.memory.claim(event_id)  # so a later fallback also knows it
        return verdict

    def _claim(self, event_id: str, team_id: str, body: dict) -> str:
        try:
            return self.claims.claim(event_id, team_id, body)
        finally:
            with self._lock:
                self._backlog -= 1

    def _fallback(self, event_id: str, why: str) -> str:
        try:
            self.on_fallback(why)
        except Exception:
            pass
        # the database could not say whether another replica has it: look in the thread before posting
        return RETAKE if self.memory.claim(event_id) else SKIP

    def _warn(self, exc: BaseException) -> None:
        if time.monotonic() - self._warned > WARN_EVERY:
            self._warned = time.monotonic()
            log.warning("could not record an event in the database (%s); answering it from memory",
                        type(exc).__name__ if not isinstance(exc, TimeoutError) else "too slow")

    def finish(self, event_id: str, outcome: str) -> None:
        claim = self._pending.get(event_id)

        def run() -> None:
            if claim is not None:  # a claim that outlived its wait: finish after it, not before
                try:
                    claim.result(timeout=30)
                except Exception:
                    pass
            try:
                self.claims.finish(event_id, outcome)
            except Exception as exc:  # its lease runs out; whoever takes it over finds the answer
                self._warn(exc)

        self._pool.submit(run)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


class Sweeper:
    """Each `every` seconds: take over events whose lease ran out and replay them; hourly, prune."""

    def __init__(self, claims: EventClaims, replay: Callable[[str, dict], Any], *, every: float,
                 on_abandoned: Callable[[int], None] | None = None):
        self.claims, self.replay, self.every = claims, replay, every
        self.on_abandoned = on_abandoned or (lambda n: None)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="event-sweeper", daemon=True)
        self._pruned = 0.0
        self._warned = 0.0

    def start(self) -> "Sweeper":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)

    def sweep(self) -> int:
        taken, failed = self.claims.take_expired()
        if failed:
            log.warning("gave up %d event(s) that no replica could answer in time", failed)
            self.on_abandoned(failed)
        for event_id, body in taken:
            log.warning("answering event %s, which the replica that acked it did not finish", event_id)
            try:
                self.replay(event_id, body)
            except Exception:
                log.exception("replaying event %s failed", event_id)
        if time.monotonic() - self._pruned > 3600:
            self._pruned = time.monotonic()
            self.claims.prune()
        return len(taken)

    def _loop(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self.sweep()
            except Exception as exc:  # the database is down: the next round tries again
                if time.monotonic() - self._warned > 60:
                    self._warned = time.monotonic()
                    log.warning("could not look for unfinished events (%s)", type(exc).__name__)
