"""What every listener shares: the engine, the services, the Web API client and a few helpers.

`Deps` is built once by `handlers.app.build_app`. The helpers here do the Slack-side work that
all listener kinds have in common: answer a question (timing it, logging it once), post a
message or a response_url reply and count failures, and `Deps.defer`, which runs the work
after the ack, guarded so an exception is logged with its traceback and the person gets a short
apology instead of silence.

Every Slack request is logged once, when its work is done (after the ack, for deferred work),
as one line with the fields kind, intent, latency_ms and outcome (see `track_request`).

Why not Bolt's `lazy=[...]` listeners: they do the same (a thread pool after the ack) but first
deep-copy the whole request context, about 0.6 ms of CPU per request on this machine, more than
the engine needs to answer; and they log a failure in one line without its traceback.
"""
from __future__ import annotations

import contextvars
import functools
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from knowledge.lru import LRU
from knowledge.model import Answer
from knowledge.render_text import render_text

from .blocks import (
    A_SHARE,
    MAX_BLOCKS,
    actions,
    button,
    clip,
    context,
    esc,
    render_blocks,
    value,
)
from . import workspace
from .posting import Delivery, Later, PostPolicy
from .services import NEW, RETAKE, SKIP, CommandContext, QuestionRecord, Reply, Services

log = logging.getLogger("cncf_bot.handlers")
request_log = logging.getLogger("cncf_bot.requests")

APOLOGY = ("Sorry, something went wrong on my side; please try again in a moment. "
           "/ 죄송해요, 처리 중에 문제가 생겼어요. 잠시 후 다시 시도해 주세요.")
ANSWER_CACHE_SIZE = 2048  # distinct questions remembered with their rendered answer
TEXT_MAX = 3000  # the top-level `text` fallback: a notification, not the whole answer
SHARE_QUESTION_MAX = 900  # keeps the share button's JSON value well under 2,000 characters
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


class Hooks:
    """Observation points for the bot's metrics; the default does nothing."""

    def request(self, kind: str) -> None:
        """A Slack request reached the app (kind: command, event, action, view, other)."""

    def workspace_request(self, workspace_id: str) -> None:
        """A Slack request from this workspace (a team id, or an org's enterprise id) reached the app."""

    def answered(self, source: str, intent: str, seconds: float) -> None:
        """A question was answered (source: command, mention, dm, action)."""

    def slack_error(self, method: str, error: str) -> None:
        """A call to Slack failed after its retries (method: API method or 'response_url')."""

    def finished(self, kind: str, intent: str, outcome: str, seconds: float) -> None:
        """A request's work is done, after the ack for deferred work (outcome: see RequestLog)."""

    def post_retry(self, reason: str) -> None:
        """An answer's post failed and will be tried again (rate_limited, server_error, timeout...)."""

    def post_done(self, outcome: str, reason: str = "") -> None:
        """An answer's delivery ended (posted, found, refused, gave_up: with the last reason)."""


# -- one log line per request ------------------------------------------------------------------------

# Worse outcomes win when several are noted: an error after a skipped post is an error.
OUTCOMES = ("ok", "ignored", "skipped", "rejected", "slack_error", "error")


@dataclass
class RequestLog:
    """One Slack request: what it asked (intent) and how it went (outcome).

    outcome: ok; ignored (an event the bot does not answer); skipped (a Slack retry or a
    duplicate event); rejected (acked with a 4xx: bad signature, nothing listens for it);
    slack_error (the answer could not be delivered to Slack); error (a bug: see the traceback).
    """

    kind: str
    hooks: Hooks
    started: float = field(default_factory=time.perf_counter)
    intent: str = "none"
    outcome: str = "ok"
    handed_off: bool = False  # deferred work finishes it, not the request
    done: bool = False

    def note(self, intent: str | None = None, outcome: str | None = None) -> None:
        if intent:
            self.intent = intent
        if outcome and OUTCOMES.index(outcome) > OUTCOMES.index(self.outcome):
            self.outcome = outcome

    def acked(self, status: int) -> None:
        if status >= 500:
            self.note(outcome="error")
        elif status >= 400:
            self.note(outcome="rejected")

    def finish(self) -> None:
        if self.done:
            return
        self.done = True
        seconds = time.perf_counter() - self.started
        try:
            self.hooks.finished(self.kind, self.intent, self.outcome, seconds)
        except Exception:
            log.exception("hooks.finished failed")
        level = logging.WARNING if self.outcome in ("slack_error", "error") else logging.INFO
        fields = {"kind": self.kind, "intent": self.intent, "outcome": self.outcome,
                  "latency_ms": round(seconds * 1000, 3)}
        request_log.log(level, "slack request", extra=fields)


_current_request: contextvars.ContextVar[RequestLog | None] = contextvars.ContextVar("cncf_request", default=None)


@contextmanager
def track_request(kind: str, hooks: Hooks) -> Iterator[RequestLog]:
    """Around one request's dispatch: logged at the end unless work was handed off (`carry_request`)."""
    hooks.request(kind)
    req = RequestLog(kind, hooks)
    token = _current_request.set(req)
    try:
        yield req
    except BaseException:
        req.note(outcome="error")
        req.handed_off = False
        raise
    finally:
        _current_request.reset(token)
        if not req.handed_off:
            req.finish()


def note_request(*, intent: str | None = None, outcome: str | None = None) -> None:
    """Tell the current request (if any) what it is about or how it went."""
    req = _current_request.get()
    if req is not None:
        req.note(intent, outcome)


def carry_request(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func`, to run on another thread as the rest of the current request, which it logs when done."""
    req = _current_request.get()
    context = contextvars.copy_context()  # the request's workspace clients too (handlers.workspace)
    if req is None:
        return lambda *args, **kwargs: context.run(func, *args, **kwargs)
    req.handed_off = True

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return context.run(func, *args, **kwargs)
        except BaseException:
            req.note(outcome="error")
            raise
        finally:
            req.finish()

    return run


class EventDeduper:
    """Remembers recent event ids in memory: `claim` is True the first time an id is seen."""

    def __init__(self, size: int = 10_000):
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def claim(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._seen:
                self._seen.move_to_end(event_id)
                return False
            self._seen[event_id] = None
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True


@dataclass
class Deps:
    engine: Any  # knowledge.engine.Engine
    services: Services
    client: Any  # slack_sdk.WebClient with the bot token and retry handlers
    hooks: Hooks = field(default_factory=Hooks)
    claim_event: Callable[[str], bool] = field(default_factory=lambda: EventDeduper().claim)
    retry_handlers: list | None = None  # for response_url posts; None: slack_sdk's default
    executor: Executor | None = None  # where work runs besides the request
    ack_budget: float = 2.0  # seconds a /cncf answer may take to ride in the ack (Slack allows 3)
    post_client: Any = None  # the client for answers, without automatic retries (Delivery retries)
    policy: PostPolicy = field(default_factory=PostPolicy)
    _later: Later | None = field(default=None, repr=False)
    _storage: Executor | None = field(default=None, repr=False)
    _threads: LRU = field(default_factory=lambda: LRU(10_000), repr=False)  # without services that keep them
    _answers: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _answers_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def slack(self) -> Any:
        """The Web API client for this request's workspace (handlers.workspace), else the app's own."""
        clients = workspace.current()
        return clients.client if clients is not None else self.client

    def poster(self) -> Any:
        """The same without automatic retries, for answers (handlers.posting.Delivery)."""
        clients = workspace.current()
        return clients.poster if clients is not None else (self.post_client or self.client)

    def pool(self) -> Executor:
        if self.executor is None:
            self.executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="cncf-answer")
        return self.executor

    def storage_pool(self) -> Executor:
        """Where subcommands that use the database run: apart from the answers and their posts."""
        if self._storage is None:
            with self._answers_lock:
                if self._storage is None:
                    self._storage = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cncf-storage")
        return self._storage

    def defer(self, func: Callable[..., None], **kwargs: Any) -> None:
        """Run `func(**kwargs)` after the ack, guarded (see `guarded`); it finishes the request's log line."""
        self.pool().submit(carry_request(guarded(self, func)), **kwargs)

    @property
    def catalog(self):
        return self.engine.catalog

    # -- events: once across replicas (bot.delivery), answers delivered once (handlers.posting) ------
    def receive(self, body: dict, context: dict | None = None) -> str:
        """NEW, RETAKE or SKIP for an event about to be acked; a replay (bot.delivery.Sweeper) is a
        RETAKE already claimed. Never raises: when the services cannot tell, memory decides."""
        if (context or {}).get("cncf_replay"):
            return RETAKE
        event_id = str(body.get("event_id") or "")
        if not event_id:
            return NEW
        receive = getattr(self.services, "receive_event", None)
        if receive is not None:
            try:
                return receive(event_id, workspace.workspace_of(body, str(body.get("team_id") or "")), body)
            except Exception:
                log.exception("receive_event failed; deciding from memory")
        return NEW if self.claim_event(event_id) else SKIP

    def take_event(self, ack: Callable[[], Any] | None, func: Callable[..., None], body: dict, context: dict,
                   **kwargs: Any) -> None:
        """What every listener that answers an event does: receive it (before the ack), ack, and
        answer it after the ack unless it is Slack's repeat of one answered or in hand elsewhere
        (`func(deps=, body=, uncertain=, **kwargs)`; uncertain: look in the thread first)."""
        verdict = self.receive(body, context)
        if ack is not None:
            ack()
        if verdict == SKIP:
            note_request(outcome="skipped")
            return
        self.defer(func, deps=self, body=body, uncertain=verdict == RETAKE, **kwargs)

    def finish(self, body: dict, outcome: str) -> None:
        event_id = str(body.get("event_id") or "")
        finish = getattr(self.services, "finish_event", None)
        if event_id and finish is not None:
            try:
                finish(event_id, outcome)
            except Exception:
                log.exception("finish_event failed")

    # -- conversations: what the bot last answered where (handlers.threads) ---------------------------
    def thread_memory(self, team: str, channel: str, thread: str) -> dict | None:
        get = getattr(self.services, "thread_memory", None)
        if get is not None:
            try:
                return get(team, channel, thread)
            except Exception:
                log.exception("thread_memory failed")
                return None
        return self._threads.get((team, channel, thread))

    def remember_thread(self, team: str, channel: str, thread: str, memory: dict) -> None:
        put = getattr(self.services, "remember_thread", None)
        if put is None:
            self._threads.put((team, channel, thread), memory)
            return
        try:
            put(team, channel, thread, memory)
        except Exception:
            log.exception("remember_thread failed")

    def deliver(self, channel: str, reply: Reply, *, key: str, thread_ts: str | None = None,
                since: str | None = None, uncertain: bool = False,
                done: Callable[[str], None] | None = None) -> None:
        """Post an answer through a Delivery (retries, Retry-After, a look in the thread first when
        an earlier attempt may have arrived); `done(outcome)` when it ends. Never raises."""
        if self._later is None:
            self._later = Later(self.pool().submit)
        hooks = self.hooks

        def ended(outcome: str) -> None:
            hooks.post_done(outcome, delivery.last)
            if outcome in ("refused", "gave_up"):
                note_request(outcome="slack_error")
            if done is not None:
                done(outcome)

        delivery = Delivery(client=self.poster(), channel=channel, reply=reply, key=key,
                            thread_ts=thread_ts, since=since, uncertain=uncertain, policy=self.policy,
                            run=self.pool().submit, later=self._later, done=ended, on_retry=hooks.post_retry)
        delivery.start()

    def answer(self, text: str, preferred: str | None) -> tuple[Answer, Reply]:
        """Answer and render a question, remembering the last ANSWER_CACHE_SIZE distinct ones.

        The catalog does not change while the app runs, so the same question (in the same
        preferred language) always gets the same answer; popular questions ("kubernetes",
        "help") then cost a dictionary lookup. Callers must not mutate what they get.
        """
        # "this year" and "last year" read the date, so a remembered answer lasts one day at most
        # keyed by the catalog in force too: a synced version swapped in must not meet old answers
        source = self.engine.catalog.source
        key = (text, preferred, self.engine.today(), source.data_date, source.commit)
        with self._answers_lock:
            hit = self._answers.get(key)
            if hit is not None:
                self._answers.move_to_end(key)
                return hit
        answer = self.engine.ask(text, preferred)
        hit = (answer, message_for(answer, self))
        with self._answers_lock:
            self._answers[key] = hit
            while len(self._answers) > ANSWER_CACHE_SIZE:
                self._answers.popitem(last=False)
        return hit

    def language(self, team_id: str, user_id: str, text: str = "") -> str | None:
        """The person's chosen language, if any; never raises (a broken store must not block answers)."""
        try:
            return self.services.preferred_lang(team_id, user_id)
        except Exception:
            log.exception("preferred_lang failed; following the question's language")
            return None


# -- answering --------------------------------------------------------------------------------------

def message_for(answer: Answer, deps: Deps, offset: int = 0, compact: bool = False) -> Reply:
    """The Block Kit message of an Answer, with its escaped `text` fallback (compact: for channels)."""
    blocks = render_blocks(answer, deps.catalog, offset, compact)
    text = clip(esc(render_text(answer, deps.catalog)), TEXT_MAX)
    return Reply(text=text or " ", blocks=blocks)


def record(deps: Deps, answer: Answer, ctx: CommandContext, source: str, question: str, seconds: float) -> None:
    """Log an answered question once and report its latency; never raises."""
    deps.hooks.answered(source, answer.intent, seconds)
    note_request(intent=answer.intent)
    rec = QuestionRecord(team_id=ctx.team_id, user_id=ctx.user_id, channel_id=ctx.channel_id, source=source,
                         question=question, intent=answer.intent, lang=answer.lang,
                         matched_ids=[e.id for e in answer.projects] + ([answer.concept.id] if answer.concept else []),
                         answered=answer.intent != "unknown" and not answer.did_you_mean,
                         latency_ms=round(seconds * 1000, 3))
    try:
        deps.services.log_question(rec)
    except Exception:  # the protocol says it must not raise; a bug there must not cost the answer
        log.exception("log_question failed")


def answer_question(deps: Deps, question: str, ctx: CommandContext, source: str) -> tuple[Answer, Reply]:
    started = time.perf_counter()
    answer, reply = deps.answer(question, deps.language(ctx.team_id, ctx.user_id))
    record(deps, answer, ctx, source, question, time.perf_counter() - started)
    return answer, reply


def with_share(reply: Reply, what: str | dict, lang: str) -> Reply:
    """Add the "Share in channel" button that reposts the same answer for everyone.

    `what` is the /cncf text that produced the answer, or a button value that rebuilds it
    (see handlers.actions.answer_from_value).
    """
    label = "채널에 공유" if lang == "ko" else "Share in channel"
    data = {"q": what[:SHARE_QUESTION_MAX], "l": lang} if isinstance(what, str) else what
    share = actions([button(label, A_SHARE, value(data))], block_id="share")
    # The answer already fits (render_blocks ends with fit_message, which keeps 1,000 characters
    # under Slack's practical limit): one more small block only needs a free slot.
    return Reply(text=reply.text, blocks=reply.blocks[:MAX_BLOCKS - 1] + [share], response_type=reply.response_type)


def shared_by(reply: Reply, user_id: str, lang: str) -> Reply:
    who = f"<@{user_id}>" if _USER_ID.match(user_id or "") else esc(user_id or "?")
    note = context(f"{who} 님이 공유했어요" if lang == "ko" else f"Shared by {who}")
    return Reply(text=reply.text, blocks=reply.blocks[:MAX_BLOCKS - 1] + [note], response_type="in_channel")


# -- talking to Slack ------------------------------------------------------------------------------

def respond_url(deps: Deps, response_url: str, reply: Reply, *, replace_original: bool = False) -> bool:
    """POST a reply to an interaction's response_url; False (and counted) when Slack refuses it."""
    if not response_url:
        return False
    client = WebhookClient(url=response_url, retry_handlers=deps.retry_handlers) if deps.retry_handlers \
        else WebhookClient(url=response_url)
    payload: dict[str, Any] = {"text": reply.text, "response_type": reply.response_type,
                               "replace_original": replace_original}
    if reply.blocks:
        payload["blocks"] = reply.blocks
    try:
        resp = client.send_dict(payload)
    except Exception as exc:
        deps.hooks.slack_error("response_url", type(exc).__name__)
        note_request(outcome="slack_error")
        log.warning("response_url post failed: %s", exc)
        return False
    if resp.status_code != 200:
        deps.hooks.slack_error("response_url", str(resp.status_code))
        note_request(outcome="slack_error")
        log.warning("response_url post refused: %s %s", resp.status_code, clip(resp.body or "", 200))
        return False
    return True


def post(deps: Deps, channel: str, reply: Reply, thread_ts: str | None = None) -> bool:
    """chat.postMessage; Slack API errors are logged (and counted by the bot's client), not raised."""
    try:
        deps.slack().chat_postMessage(channel=channel, text=reply.text, blocks=reply.blocks or None,
                                     thread_ts=thread_ts, unfurl_links=False, unfurl_media=False)
        return True
    except SlackApiError as exc:
        note_request(outcome="slack_error")
        log.warning("chat.postMessage to %s failed: %s", channel, exc.response.get("error"))
        return False


def apologize(deps: Deps, body: dict) -> None:
    """Tell the person something broke, by whatever way back the payload offers."""
    try:
        sorry = Reply(text=APOLOGY, blocks=[])
        if body.get("response_url"):
            respond_url(deps, body["response_url"], sorry)
            return
        event = body.get("event") or {}
        if event.get("channel"):
            post(deps, event["channel"], sorry, thread_ts=event.get("thread_ts") or event.get("ts"))
            return
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        if user:
            post(deps, user, sorry)
    except Exception:
        log.exception("could not even apologize")


def guarded(deps: Deps, func: Callable[..., None]) -> Callable[..., None]:
    """Wrap deferred work: log any exception with its traceback, then apologize to the person."""

    @functools.wraps(func)
    def run(**kwargs: Any) -> None:
        try:
            func(**kwargs)
        except Exception:
            note_request(outcome="error")
            log.exception("listener %s failed", func.__name__)
            apologize(deps, kwargs.get("body") or {})

    return run


def request_kind(body: dict) -> str:
    if body.get("command"):
        return "command"
    kind = body.get("type")
    if kind in ("event_callback", "url_verification", "app_rate_limited"):
        return "event"
    if kind in ("block_actions", "interactive_message"):
        return "action"
    if kind in ("view_submission", "view_closed"):
        return "view"
    if kind in ("block_suggestion",):
        return "options"
    return "other"
