"""The question log, written after the answer: a bounded queue and one writer thread.

Answering never waits for the database. A question is put on the queue (never blocking); the
writer stores what is queued in batches, one transaction each. When the database is slow or down
the queue fills, and what does not fit is dropped and counted rather than held up: the log is
for statistics, the answer is what matters. A batch the database refuses is retried a few times
with a pause, then dropped and counted too.
"""
from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from typing import Callable

from handlers.services import QuestionRecord

from . import prefs
from .db import Database

log = logging.getLogger("cncf_bot.question_log")

QUEUE_MAX = 10_000  # questions waiting for the database; past it new ones are dropped
BATCH_MAX = 200  # questions stored in one transaction
TRIES = 3  # a batch the database refuses is tried this often before it is dropped
PAUSE = 0.5  # seconds between tries, doubled each time
WARN_EVERY = 10.0  # seconds between two log lines about dropped questions


class QuestionLogWriter:
    def __init__(self, db: Database, hash_user: Callable[[str, str], str], now: Callable[[], dt.datetime],
                 on_drop: Callable[[int], None] | None = None, queue_max: int = QUEUE_MAX):
        self.db, self.hash_user, self.now = db, hash_user, now
        self.on_drop = on_drop or (lambda n: None)
        self.dropped = 0
        self.written = 0
        self._warned = 0.0  # when a drop was last logged: one line per WARN_EVERY seconds at most
        self._queue: queue.Queue[tuple[QuestionRecord, dt.datetime] | None] = queue.Queue(maxsize=queue_max)
        self._thread = threading.Thread(target=self._loop, name="question-log", daemon=True)
        self._thread.start()

    def submit(self, record: QuestionRecord) -> None:
        """Queue a question for the log; never blocks, never raises."""
        try:
            self._queue.put_nowait((record, self.now()))
        except queue.Full:
            self._drop(1, "the question log queue is full (the database is slow or down)")

    def close(self, timeout: float = 5.0) -> None:
        """Store what is queued (for at most `timeout` seconds), then stop the writer."""
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(timeout)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is stored or dropped (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._queue.unfinished_tasks

    # -- the writer thread -------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            batch = [first]
            while first is not None and len(batch) < BATCH_MAX:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            items = [b for b in batch if b is not None]
            try:
                if items:
                    self._write(items)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if len(items) < len(batch):  # the stop marker
                return

    def _write(self, items: list[tuple[QuestionRecord, dt.datetime]]) -> None:
        pause = PAUSE
        for attempt in range(1, TRIES + 1):
            try:
                rows = [(self.hash_user(r.team_id, r.user_id), r, at) for r, at in items]
                prefs.log_questions(self.db, rows)
                self.written += len(items)
                return
            except Exception as exc:
                if attempt == TRIES:
                    self._drop(len(items), f"the database refused {len(items)} questions "
                                           f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]})")
                    return
                time.sleep(pause)
                pause *= 2

    def _drop(self, n: int, why: str) -> None:
        self.dropped += n
        try:
            self.on_drop(n)
        except Exception:
            pass
        if time.monotonic() - self._warned >= WARN_EVERY:  # an outage must not flood the log
            self._warned = time.monotonic()
            log.warning("dropped %d question(s) from the log (%d in all): %s", n, self.dropped, why)
