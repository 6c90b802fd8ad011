"""Posting an answer with chat.postMessage so that it arrives, and arrives once.

Every answer carries message metadata (`cncf_bot_answer`, with a key naming the question: its
channel and message ts), so the bot can recognise its own answer in a thread. A `Delivery`
tries, and on failure decides by what Slack can have seen:

- 429: wait for Retry-After (capped at `max_wait`), then post again;
- the request never reached Slack (connection refused, no such host): back off, post again;
- it may have reached Slack (5xx, a timeout, a connection dropped after sending): back off, then
  look in the thread (conversations.replies, or the DM's history) for the answer before posting;
- any other Slack error (not_in_channel, invalid_blocks...): stop, it will not get better.

Waits never hold a worker: the next step is scheduled on one timer thread and runs on the answer
pool. After `deadline` seconds the delivery gives up; that is counted, and the person gets a
short apology only when the answer certainly did not arrive (never after one that did).
"""
from __future__ import annotations

import heapq
import itertools
import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

from .services import Reply

log = logging.getLogger("cncf_bot.posting")

ANSWER_EVENT = "cncf_bot_answer"
SORRY = ("Sorry, Slack would not take my answer just now; please ask again in a minute. "
         "/ 죄송해요, 지금 Slack에 답을 올리지 못했어요. 잠시 후 다시 물어봐 주세요.")
# Looking in the thread cannot work (no history scope, not a member): post, at least once.
CANNOT_LOOK = frozenset({"missing_scope", "not_in_channel", "channel_not_found", "thread_not_found",
                         "not_allowed_token_type", "no_permission"})


@dataclass
class PostPolicy:
    deadline: float = 120.0  # seconds after the first attempt when a delivery gives up
    max_wait: float = 30.0  # the longest single wait (a longer Retry-After is capped)
    backoff: float = 1.0  # the first pause after a failure, doubled each time (with jitter)


class Later:
    """One timer thread: `call_in(seconds, fn)` runs fn (via `submit`) once the time has come."""

    def __init__(self, submit: Callable[[Callable[[], None]], Any]):
        self.submit = submit
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def call_in(self, seconds: float, fn: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + max(0.0, seconds), next(self._seq), fn))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="post-later", daemon=True)
                self._thread.start()
            self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cond.wait(None if not self._heap else self._heap[0][0] - time.monotonic())
                _, _, fn = heapq.heappop(self._heap)
            try:
                self.submit(fn)
            except RuntimeError:  # the pool is shut down: the process is stopping
                return


def never_reached(exc: BaseException) -> bool:
    """True when the request certainly did not reach Slack (refused, unresolvable)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (ConnectionRefusedError, socket.gaierror)):
            return True
        exc = getattr(exc, "reason", None) or exc.__cause__ or exc.__context__
    return False


def retry_after(resp: Any, cap: float) -> float:
    headers = getattr(resp, "headers", {}) or {}
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    try:
        return min(max(float(raw), 0.0), cap)
    except (TypeError, ValueError):
        return min(1.0, cap)


@dataclass
class Delivery:
    """One answer on its way to one conversation; `start()` and forget it, `done(outcome)` tells.

    outcome: posted; found (an earlier attempt had arrived); refused (a Slack error that retrying
    cannot fix); gave_up (out of time).
    """

    client: Any  # a WebClient without automatic retries
    channel: str
    reply: Reply
    key: str  # names the question, in the answer's metadata
    thread_ts: str | None = None
    since: str | None = None  # for a DM answered outside a thread: the question's ts
    uncertain: bool = False  # an earlier attempt may have arrived: look before posting
    policy: PostPolicy = field(default_factory=PostPolicy)
    run: Callable[[Callable[[], None]], Any] = lambda fn: fn()  # where a step runs (the answer pool)
    later: Later | None = None
    done: Callable[[str], None] = lambda outcome: None
    on_retry: Callable[[str], None] = lambda reason: None
    on_give_up: Callable[[str], None] = lambda reason: None
    started: float = field(default_factory=time.monotonic)
    attempts: int = 0
    last: str = ""

    def start(self) -> None:
        self.step()

    # -- one attempt -----------------------------------------------------------------------------
    def step(self) -> None:
        try:
            self._step()
        except Exception:  # a bug here must not lose the claim's outcome
            log.exception("posting an answer failed")
            self._end("refused")

    def _step(self) -> None:
        if self.uncertain:
            found = self.look()
            if found:
                self._end("found")
                return
            if found is None:  # Slack cannot tell us now: ask again later rather than risk a repeat
                self._again(self._backoff(), "look_failed")
                return
        self.attempts += 1
        try:
            self.client.chat_postMessage(
                channel=self.channel, text=self.reply.text, blocks=self.reply.blocks or None,
                thread_ts=self.thread_ts, unfurl_links=False, unfurl_media=False,
                metadata={"event_type": ANSWER_EVENT, "event_payload": {"key": self.key}})
        except SlackApiError as exc:
            status = exc.response.status_code
            # an HTML error page comes back as a made-up "error" sentence: the status says more
            self.last = str(exc.response.get("error") or status) if status < 500 and isinstance(
                exc.response.data, dict) else str(status)
            if status == 429:
                self.uncertain = False
                self._again(retry_after(exc.response, self.policy.max_wait), "rate_limited")
            elif status >= 500:
                self.uncertain = True  # Slack may have stored it before failing
                self._again(self._backoff(), "server_error")
            else:
                log.warning("chat.postMessage to %s refused: %s", self.channel, self.last)
                self._end("refused")
            return
        except Exception as exc:  # the connection: refused, timed out, dropped
            self.last = type(exc).__name__
            self.uncertain = not never_reached(exc)
            self._again(self._backoff(), "timeout" if self.uncertain else "connection")
            return
        self._end("posted")

    def look(self) -> bool | None:
        """Is our answer already in the conversation? None: Slack cannot say right now."""
        try:
            if self.thread_ts:
                resp = self.client.conversations_replies(channel=self.channel, ts=self.thread_ts,
                                                         include_all_metadata=True, limit=200)
            else:
                resp = self.client.conversations_history(channel=self.channel, oldest=self.since or "0",
                                                         inclusive=True, include_all_metadata=True, limit=100)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if error in CANNOT_LOOK:
                log.warning("cannot look for an earlier answer in %s (%s); posting", self.channel, error)
                return False
            return None
        except Exception:
            return None
        for message in resp.get("messages") or []:
            meta = message.get("metadata") or {}
            if meta.get("event_type") == ANSWER_EVENT and (meta.get("event_payload") or {}).get("key") == self.key:
                return True
        return False

    # -- waiting and ending ----------------------------------------------------------------------
    def _backoff(self) -> float:
        n = max(self.attempts, 1)
        return min(self.policy.backoff * 2 ** (n - 1), self.policy.max_wait) * random.uniform(0.8, 1.2)

    def _again(self, wait: float, reason: str) -> None:
        if time.monotonic() + wait - self.started > self.policy.deadline:
            self._give_up(reason)
            return
        self.on_retry(reason)
        if self.later is None:
            time.sleep(wait)
            self.step()
        else:
            self.later.call_in(wait, lambda: self.run(self.step))

    def _give_up(self, reason: str) -> None:
        log.warning("gave up posting an answer to %s after %d attempt(s) in %.0f s (last: %s)",
                    self.channel, self.attempts, time.monotonic() - self.started, self.last or reason)
        self.on_give_up(reason)
        if not self.uncertain:  # it certainly did not arrive: one plain word, no retries
            try:
                self.client.chat_postMessage(channel=self.channel, text=SORRY, thread_ts=self.thread_ts)
            except Exception:
                pass
        self._end("gave_up")

    def _end(self, outcome: str) -> None:
        try:
            self.done(outcome)
        except Exception:
            log.exception("recording a delivery's outcome failed")
