"""Thread context: what the bot last answered in each conversation, shared by every replica.

A follow-up ("is it graduated?") may reach any replica, so the memory of a thread lives in the
database (`thread_context`), written after each answer and read when a message arrives in a
thread. Reads go through a local cache and wait at most READ_WAIT seconds (a sick database makes
a follow-up a fresh question, never a late one); writes never hold up an answer. Rows untouched
for TTL are deleted by `prune`.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import orjson
from sqlalchemy import delete, select

from knowledge.lru import LRU

from .db import Database
from .db.models import ThreadContext
from .prefs import storable_question

log = logging.getLogger("cncf_bot.threads")

TTL = dt.timedelta(days=7)  # a thread quiet this long is forgotten
READ_WAIT = 0.3  # seconds a message waits for its thread's memory
CACHE = 20_000  # threads remembered locally
CACHE_TTL = 30.0  # seconds a locally known memory is trusted (another replica may have answered since)
NONE_TTL = 2.0  # seconds "this thread has no memory" is trusted


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class ThreadStore:
    def __init__(self, db: Database, now: Callable[[], dt.datetime] = utcnow):
        self.db, self.now = db, now
        self._cache: LRU = LRU(CACHE)  # key -> (memory dict or None, when)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="thread-read")
        self._writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thread-write")  # in order
        self._warned = 0.0
        self._lock = threading.Lock()

    def get(self, team: str, channel: str, thread: str) -> dict | None:
        key = (team, channel, thread)
        hit = self._cache.get(key)
        # "no memory" is trusted only briefly: another replica may answer in the thread any moment
        if hit is not None and time.monotonic() - hit[1] < (CACHE_TTL if hit[0] is not None else NONE_TTL):
            return hit[0]
        future = self._pool.submit(self._read, key)
        try:
            memory = future.result(timeout=READ_WAIT)
        except Exception as exc:
            self._warn("read", exc)
            return hit[0] if hit is not None else None
        self._cache.put(key, (memory, time.monotonic()))
        return memory

    def _read(self, key: tuple[str, str, str]) -> dict | None:
        with self.db.read() as s:
            row = s.get(ThreadContext, key)
        if row is None or row.updated_at < self.now() - TTL:
            return None
        try:
            return orjson.loads(row.memory)
        except orjson.JSONDecodeError:
            return None

    def put(self, team: str, channel: str, thread: str, memory: dict) -> None:
        memory = dict(memory, question=storable_question(str(memory.get("question") or ""))[:500])
        key = (team[:32], channel[:32], thread[:32])
        self._cache.put(key, (memory, time.monotonic()))
        self._writes.submit(self._write, key, memory)

    def _write(self, key: tuple[str, str, str], memory: dict) -> None:
        try:
            with self.db.write() as s:
                row = s.get(ThreadContext, key)
                data = orjson.dumps(memory).decode()
                if row is None:
                    s.add(ThreadContext(team_id=key[0], channel_id=key[1], thread_ts=key[2], memory=data,
                                        updated_at=self.now()))
                else:
                    row.memory, row.updated_at = data, self.now()
        except Exception as exc:  # a follow-up elsewhere will be a fresh question: no worse than before
            self._warn("write", exc)

    def prune(self) -> int:
        with self.db.write() as s:
            return s.execute(delete(ThreadContext).where(ThreadContext.updated_at < self.now() - TTL)).rowcount or 0

    def count(self) -> int:
        from sqlalchemy import func

        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(ThreadContext)) or 0

    def flush(self) -> None:
        """Wait for the writes queued so far (tests, shutdown)."""
        self._writes.submit(lambda: None).result(timeout=10)

    def close(self) -> None:
        self._writes.shutdown(wait=True)
        self._pool.shutdown(wait=False)

    def _warn(self, what: str, exc: BaseException) -> None:
        if time.monotonic() - self._warned > 10:
            self._warned = time.monotonic()
            log.warning("could not %s a thread's context (%s)", what, type(exc).__name__)
