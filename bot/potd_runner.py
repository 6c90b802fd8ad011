"""Post the project of the day to every channel that is due: exactly once per channel per local date.

Safe to run in many processes at once (the ticker in each `cncf-bot serve` replica, and
`cncf-bot potd run` from a CronJob):

1. A channel is due when its subscription's `next_post_at` has passed.
2. Whoever inserts the unique (team, channel, local_date) row in potd_posts owns that day's
   post; the row is committed before Slack is called. Other processes see it and move on.
3. A claim whose post failed is retried with backoff (status "retry"); a claim whose owner died
   ("claimed" past its lease) is taken over. When the outcome of an earlier attempt is unknown,
   the channel's history is checked for our message (chat.postMessage metadata) first, so a
   post Slack accepted is never repeated.
4. channel_not_found / not_in_channel / is_archived pause the subscription with the reason;
   429 waits for Retry-After; 5xx and network errors are retried on a later tick.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from knowledge.loader import Catalog

from .metrics import count_potd_post
from . import potd
from .db.models import Post, Subscription
from .db.session import Database

log = logging.getLogger("cncf_bot.potd")

PAUSE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
LEASE = dt.timedelta(minutes=5)  # longer than any Slack call (the client times out after 30 s)
MAX_INLINE_WAIT = 30.0  # a longer Retry-After is left for a later tick
MAX_BACKOFF = dt.timedelta(hours=1)


def backoff(attempts: int) -> dt.timedelta:
    """1 min, 2, 4, ... capped at an hour: the first retry is the next tick."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:128]


@dataclass
class RunResult:
    posted: list[str] = field(default_factory=list)     # channel ids
    recovered: list[str] = field(default_factory=list)  # found already posted by a crashed attempt
    retrying: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    skipped: int = 0  # due but another process owns it, already posted, or not yet today
    errors: int = 0  # database trouble: still due, tried again next run
    not_installed: list[str] = field(default_factory=list)  # workspace ids without an installation

    def summary(self) -> str:
        return (f"posted {len(self.posted)}, recovered {len(self.recovered)}, retrying {len(self.retrying)}, "
                f"paused {len(self.paused)}, skipped {self.skipped}"
                + (f", errors {self.errors}" if self.errors else "")
                + (f", not installed {len(self.not_installed)} (workspaces {', '.join(sorted(set(self.not_installed)))}"
                   f": skipped until they install the app)" if self.not_installed else ""))


@dataclass
class _Claim:
    post_id: int
    project_id: str
    day: dt.date
    uncertain: bool
    attempts: int
    claimed_at: dt.datetime


class _Gate:
    """Shared by the worker threads: after a 429, nobody posts until Retry-After has passed."""

    def __init__(self, sleep: Callable[[float], None]):
        self.lock = threading.Lock()
        self.resume = 0.0
        self.sleep = sleep

    def hold(self, seconds: float) -> None:
        with self.lock:
            self.resume = max(self.resume, time.monotonic() + seconds)

    def wait(self) -> None:
        delay = self.resume - time.monotonic()
        if delay > 0:
            self.sleep(delay)


def channel_posts(s, team_id: str, channel_id: str, day: dt.date | None
                  ) -> tuple[Post | None, list[tuple[int, str]]]:
    """In one query: the channel's claim for `day`, and its posts of the current rotation round as
    (round, project) in date order (all that pick_project needs, however long the history)."""
    mine = and_(Post.team_id == team_id, Post.channel_id == channel_id)
    current = (select(func.coalesce(func.max(Post.cycle), 0)).where(mine, Post.status == "posted")
               .scalar_subquery())
    wanted = and_(Post.status == "posted", Post.cycle == current)
    if day is not None:
        wanted = or_(wanted, Post.local_date == day)
    today, history = None, []
    for row in s.scalars(select(Post).where(mine, wanted).order_by(Post.local_date)):
        if row.local_date == day:
            today = row
        if row.status == "posted":
            history.append((row.cycle, row.project_id))
    return today, history


class PotdRunner:
    def __init__(self, db: Database, catalog: Catalog | Callable[[], Catalog], client: Any, *,
                 workers: int = 4, lease: dt.timedelta = LEASE, sleep: Callable[[float], None] = time.sleep,
                 client_for: Callable[[str], Any] | None = None):
        """`client`: one Web API client for every subscription (single-workspace mode); or
        `client_for(workspace_id)`: that workspace's client, None when it has no installation."""
        self.db = db
        self._catalog = catalog
        self.client = client
        self.client_for = client_for or (lambda workspace_id: client)
        self.workers = max(1, workers)
        self.lease = lease
        self.sleep = sleep
        self._pools: dict[tuple[int, bool], tuple[Catalog, list[str]]] = {}

    def pool(self, include_sandbox: bool) -> list[str]:
        """The rotation pool, computed once per catalog (a knowledge reload brings a new catalog)."""
        catalog = self.catalog
        key = (id(catalog), include_sandbox)
        cached = self._pools.get(key)
        if cached is None or cached[0] is not catalog:
            cached = (catalog, potd.pool(catalog, include_sandbox))
            self._pools = {k: v for k, v in self._pools.items() if v[0] is catalog} | {key: cached}
        return cached[1]

    @property
    def catalog(self) -> Catalog:
        # A callable lets the server hand over the engine's current catalog after a reload.
        return self._catalog() if callable(self._catalog) else self._catalog

    # -- the run ------------------------------------------------------------------------------------
    def due(self, at: dt.datetime) -> list[Subscription]:
        with self.db.read() as s:
            return list(s.scalars(select(Subscription).where(
                Subscription.active.is_(True), Subscription.paused_reason.is_(None),
                Subscription.next_post_at <= at).order_by(Subscription.next_post_at, Subscription.id)))

    def run_due(self, at: dt.datetime | None = None) -> RunResult:
        """Post everything due at `at` (now by default) and return what happened."""
        at = at or dt.datetime.now(potd.UTC)
        if at.tzinfo is None:
            raise ValueError("run_due needs an aware datetime")
        result = RunResult()
        gate = _Gate(self.sleep)
        lock = threading.Lock()
        started = time.monotonic()

        def one(sub: Subscription) -> None:
            try:
                outcome, wait = self._process(sub, at, gate)
                if outcome == "rate_limited" and wait is not None and wait <= MAX_INLINE_WAIT:
                    # Honour Retry-After, then try this channel again within the same run.
                    gate.wait()
                    later = at + dt.timedelta(seconds=time.monotonic() - started + 0.001)
                    outcome, _ = self._process(sub, max(later, at + dt.timedelta(seconds=wait)), gate)
            except Exception:  # a database hiccup for one channel must not stop the others
                log.exception("project of the day for %s failed; it stays due", sub.channel_id)
                outcome = "error"
            count_potd_post(outcome)
            with lock:
                if outcome in ("posted", "recovered", "paused"):
                    getattr(result, outcome).append(sub.channel_id)
                elif outcome == "not_installed":
                    result.not_installed.append(sub.team_id)
                elif outcome in ("retry", "rate_limited"):
                    result.retrying.append(sub.channel_id)
                elif outcome == "error":
                    result.errors += 1
                else:
                    result.skipped += 1

        subs = self.due(at)
        if self.workers == 1 or len(subs) <= 1:
            for sub in subs:
                one(sub)
        else:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="potd") as pool:
                for f in [pool.submit(one, sub) for sub in subs]:
                    f.result()
        if subs:
            log.info("project of the day at %s: %s", at.isoformat(), result.summary())
        return result

    def _process(self, sub: Subscription, at: dt.datetime, gate: _Gate) -> tuple[str, float | None]:
        today = potd.local_date(at, sub.timezone)
        today_slot = potd.slot(today, sub.post_time, sub.timezone)
        if sub.next_post_at != today_slot:
            # Due from an earlier day (nothing ran, or retries ran out of day): that day is over.
            self._roll_over(sub, today, today_slot)
            if today_slot > at:
                return "skipped", None
        try:
            client = self.client_for(sub.team_id)
        except Exception as exc:  # the installations could not be read: still due, tried next tick
            log.warning("project of the day for %s: workspace %s's token could not be read (%s)",
                        sub.channel_id, sub.team_id, type(exc).__name__)
            return "error", None
        if client is None:  # uninstalled, or never installed: never another workspace's token
            with self.db.write() as s:
                self._advance(s, sub, today)  # looked at again at tomorrow's slot, not every minute
            log.warning("project of the day for %s skipped: workspace %s has not installed the app",
                        sub.channel_id, sub.team_id)
            return "not_installed", None
        claim = self._claim(sub, today, at)
        if claim is None:
            return "skipped", None
        if claim.uncertain:
            ts = self._find_posted(client, sub.channel_id, claim)
            if ts:
                self._record_posted(sub, claim, ts, at)
                return "recovered", None
        entry = self.catalog.entries.get(claim.project_id)
        if entry is None:  # removed by a knowledge import since it was claimed: pick again next tick
            self._record_retry(sub, claim, at, "project no longer in the catalog", dt.timedelta(0), uncertain=False,
                               repick=True)
            return "retry", None
        msg = potd.potd_message(entry, sub.lang, claim.day, self.catalog)
        gate.wait()
        try:
            resp = client.chat_postMessage(
                channel=sub.channel_id, text=msg.text, blocks=msg.blocks, unfurl_links=False, unfurl_media=False,
                metadata={"event_type": potd.METADATA_EVENT,
                          "event_payload": {"date": claim.day.isoformat(), "project": claim.project_id}})
        except SlackApiError as exc:
            return self._failed(sub, claim, at, exc, gate)
        except Exception as exc:  # network trouble: Slack may or may not have the message
            log.warning("posting to %s failed: %s", sub.channel_id, exc)
            self._record_retry(sub, claim, at, f"network: {exc}"[:255], backoff(claim.attempts), uncertain=True)
            return "retry", None
        self._record_posted(sub, claim, str(resp.get("ts") or ""), at)
        return "posted", None

    def _failed(self, sub: Subscription, claim: _Claim, at: dt.datetime, exc: SlackApiError,
                gate: _Gate) -> tuple[str, float | None]:
        resp = exc.response
        status = getattr(resp, "status_code", 0) or 0
        error = f"http_{status}" if status >= 500 else (
            (resp.get("error") if hasattr(resp, "get") else None) or f"http_{status}")
        if status == 429 or error == "ratelimited":
            headers = getattr(resp, "headers", {}) or {}
            try:
                wait = float(headers.get("Retry-After") or headers.get("retry-after") or 1)
            except ValueError:
                wait = 1.0
            gate.hold(wait)
            self._record_retry(sub, claim, at, "ratelimited", dt.timedelta(seconds=wait), uncertain=False)
            return "rate_limited", wait
        if error in PAUSE_ERRORS:
            self._record_paused(sub, claim, at, error)
            log.warning("project of the day paused in %s: %s", sub.channel_id, error)
            return "paused", None
        log.warning("posting to %s failed (%s, HTTP %s); retrying later", sub.channel_id, error, status)
        self._record_retry(sub, claim, at, str(error)[:255], backoff(claim.attempts), uncertain=False)
        return "retry", None

    # -- claiming -------------------------------------------------------------------------------------
    def _claim(self, sub: Subscription, day: dt.date, at: dt.datetime) -> _Claim | None:
        for _ in range(3):
            try:
                return self._try_claim(sub, day, at)
            except IntegrityError:
                continue  # another process inserted the row first: look again
        return None

    def _try_claim(self, sub: Subscription, day: dt.date, at: dt.datetime) -> _Claim | None:
        me = worker_name()
        with self.db.write() as s:
            row, history = channel_posts(s, sub.team_id, sub.channel_id, day)
            if row is None:
                picked = potd.pick_project(sub.team_id, sub.channel_id, self.pool(sub.include_sandbox), history)
                if picked is None:
                    log.warning("no project to post in %s: the pool is empty", sub.channel_id)
                    return None
                project_id, cycle = picked
                row = Post(team_id=sub.team_id, channel_id=sub.channel_id, local_date=day, project_id=project_id,
                           cycle=cycle, status="claimed", attempts=1, claimed_by=me, claimed_at=at,
                           lease_until=at + self.lease, uncertain=False)
                s.add(row)
                s.flush()
                return _Claim(row.id, project_id, day, False, 1, at)
            if row.status == "posted":
                self._advance(s, sub, day)
                return None
            takeable = or_(and_(Post.status == "retry", Post.next_attempt_at <= at),
                           and_(Post.status == "claimed", Post.lease_until <= at),
                           Post.status == "abandoned")
            # A dead owner may have reached Slack before dying: treat its attempt as uncertain.
            uncertain = row.uncertain or row.status == "claimed"
            taken = s.execute(update(Post).where(Post.id == row.id, Post.status == row.status, takeable).values(
                status="claimed", claimed_by=me, lease_until=at + self.lease, attempts=Post.attempts + 1,
                uncertain=uncertain).execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                return None  # someone else is on it, or its retry time has not come
            return _Claim(row.id, row.project_id, day, uncertain, row.attempts + 1, row.claimed_at)

    def _pick(self, s, sub: Subscription) -> tuple[str, int] | None:
        _, history = channel_posts(s, sub.team_id, sub.channel_id, None)
        return potd.pick_project(sub.team_id, sub.channel_id, self.pool(sub.include_sandbox), history)

    def _find_posted(self, client: Any, channel_id: str, claim: _Claim) -> str | None:
        """The ts of our message for this date if an earlier attempt got it to Slack."""
        try:
            resp = client.conversations_history(
                channel=channel_id, oldest=f"{claim.claimed_at.timestamp() - 60:.6f}", limit=200,
                include_all_metadata=True)
        except Exception as exc:  # no channels:history scope, or Slack trouble: we cannot tell
            log.warning("could not check %s for an earlier post (%s); posting", channel_id, exc)
            return None
        for m in resp.get("messages") or []:
            meta = m.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == potd.METADATA_EVENT and payload.get("date") == claim.day.isoformat():
                return str(m.get("ts") or "recovered")
        return None

    # -- recording outcomes ---------------------------------------------------------------------------
    def _advance(self, s, sub: Subscription, day: dt.date) -> None:
        nxt = potd.slot(day + dt.timedelta(days=1), sub.post_time, sub.timezone)
        s.execute(update(Subscription).where(Subscription.id == sub.id, Subscription.post_time == sub.post_time,
                                             Subscription.timezone == sub.timezone)
                  .values(next_post_at=nxt).execution_options(synchronize_session=False))

    def _roll_over(self, sub: Subscription, today: dt.date, today_slot: dt.datetime) -> None:
        with self.db.write() as s:
            s.execute(update(Post).where(Post.team_id == sub.team_id, Post.channel_id == sub.channel_id,
                                         Post.local_date < today, Post.status == "retry")
                      .values(status="abandoned", last_error="the day ended before a post got through")
                      .execution_options(synchronize_session=False))
            s.execute(update(Subscription).where(Subscription.id == sub.id, Subscription.next_post_at < today_slot)
                      .values(next_post_at=today_slot).execution_options(synchronize_session=False))

    def _record_posted(self, sub: Subscription, claim: _Claim, ts: str, at: dt.datetime) -> None:
        with self.db.write() as s:
            s.execute(update(Post).where(Post.id == claim.post_id).values(
                status="posted", posted_at=at, message_ts=ts[:32], uncertain=False, last_error=None)
                .execution_options(synchronize_session=False))
            self._advance(s, sub, claim.day)

    def _record_retry(self, sub: Subscription, claim: _Claim, at: dt.datetime, error: str, wait: dt.timedelta, *,
                      uncertain: bool, repick: bool = False) -> None:
        when = at + wait
        with self.db.write() as s:
            values: dict = dict(status="retry", next_attempt_at=when, last_error=error, uncertain=uncertain)
            if repick:
                picked = self._pick(s, sub)
                if picked:
                    values.update(project_id=picked[0], cycle=picked[1])
            s.execute(update(Post).where(Post.id == claim.post_id).values(**values)
                      .execution_options(synchronize_session=False))
            s.execute(update(Subscription).where(Subscription.id == sub.id).values(next_post_at=when)
                      .execution_options(synchronize_session=False))

    def _record_paused(self, sub: Subscription, claim: _Claim, at: dt.datetime, error: str) -> None:
        with self.db.write() as s:
            s.execute(update(Post).where(Post.id == claim.post_id).values(
                status="abandoned", last_error=error, uncertain=False).execution_options(synchronize_session=False))
            s.execute(update(Subscription).where(Subscription.id == sub.id).values(
                paused_reason=error, paused_at=at).execution_options(synchronize_session=False))
