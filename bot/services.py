"""Compose the Services the Slack handlers use (see handlers/services.py), backed by the database.

`make_services` upgrades the schema and returns `DbServices`; `start_background` starts the
project-of-the-day ticker (a daemon thread that runs due posts each minute and prunes the
question log hourly) and returns a function that stops it.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from knowledge.lru import LRU

from handlers.blocks import context, esc, fields, header, section
from handlers.services import CommandContext, QuestionRecord, Reply, Services

from . import feedback, potd, prefs
from .config import Config
from .db import Database, upgrade
from .delivery import EventClaims, EventLedger, Sweeper
from .messages import msg
from .potd_runner import PotdRunner
from .question_log import QuestionLogWriter
from .subscriptions import PotdCommands
from .channels import ChannelSettings
from .digest import DigestCommands
from .threads import ThreadStore

log = logging.getLogger("cncf_bot.services")
STATS_DAYS = 14
PREF_CACHE_MAX = 20_000  # people whose language is remembered
PREF_TTL = 60.0  # seconds a remembered language is trusted before it is read again
PREF_WAIT = 0.25  # seconds an answer waits for a language read from the database
SNAPSHOT_MAX = 200_000  # chosen languages held in memory whole; past it, each person is read alone
SNAPSHOT_STALE = 600.0  # seconds an unrefreshed snapshot is still trusted (the database is down)
PROBE_WAIT = 1.0  # seconds the health probe waits for the database
PROBE_EVERY = 10.0  # seconds a probe's result stands
ADMIN_TTL = 600.0  # seconds Slack's word that someone is an admin stands


class DbServices:
    subcommands: frozenset[str] = frozenset({"potd", "lang", "stats", "channel", "digest"})

    def __init__(self, config: Config, engine: Any, db: Database, now: Callable[[], dt.datetime] | None = None):
        self.config = config
        self.engine = engine  # knowledge.engine.Engine; read .catalog each time (a reload may swap it)
        self.db = db
        self.now = now or (lambda: dt.datetime.now(potd.UTC))
        self.hash_user = prefs.UserHasher(db, key=config.user_hash_key)
        self.potd = PotdCommands(db, lambda: self.engine.catalog, self.now, hash_user=self.hash_user)
        self.question_log = QuestionLogWriter(db, self.hash_user, self.now)
        # the multi-workspace mode's installations (bot.installations); None with a fixed bot token
        self.workspaces = None
        if config.oauth:
            from .installations import Workspaces

            self.workspaces = Workspaces(db, config.slack_client_id or "", config.slack_client_secret or "",
                                         api_url=config.slack_api_url,
                                         grace=dt.timedelta(days=config.uninstall_grace_days))
        # (team, user) -> (language or None, when read); a change made here updates it at once, one
        # made on another replica shows within PREF_TTL; least recently used go first when full
        self._langs: LRU = LRU(PREF_CACHE_MAX)
        # Every chosen language, read whole and refreshed each PREF_TTL in the background: people
        # who never chose one (most) are then answered without asking the database at all.
        self._snapshot: dict[tuple[str, str], str] | None = None
        self._snapshot_at = -SNAPSHOT_STALE
        self._refreshing = False
        self._pref_reads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pref-read")
        self._reading: dict[tuple[str, str], Any] = {}  # reads in flight, by person
        self._lock = threading.Lock()
        self._warned = 0.0
        self._probed: tuple[str, float] = ("ok", -PROBE_EVERY)
        self._admins: LRU = LRU(PREF_CACHE_MAX)  # (team, user) -> (admin or owner, when asked)
        self.on_probe: Callable[[bool], None] | None = None  # the database_up gauge
        self.claims = EventClaims(db, lease=config.event_lease)
        self.events = EventLedger(self.claims, on_fallback=lambda why: self.on_claim_fallback(why))
        self.on_claim_fallback: Callable[[str], None] = lambda why: None
        self.threads = ThreadStore(db, now=self.now)
        self.channels = ChannelSettings(db, self.now)
        self.digest = DigestCommands(db, self.hash_user, self.now)

    def auto_answer(self, team_id: str, channel_id: str) -> bool:
        """Whether the bot answers without a mention in this channel; never raises."""
        try:
            return self.channels.auto_answer(team_id, channel_id)
        except Exception:
            return False

    def channel_command(self, args: str, ctx: CommandContext, lang: str) -> Reply:
        words = args.lower().split()
        if len(words) != 2 or words[0] != "auto" or words[1] not in ("on", "off") or not ctx.channel_id.startswith(
                ("C", "G")):
            return Reply(text=msg("channel.usage", lang))
        if not self._is_admin(ctx):
            return Reply(text=msg("channel.admins", lang))
        on = words[1] == "on"
        self.channels.set_auto(ctx.team_id, ctx.channel_id, on, self.hash_user(ctx.team_id, ctx.user_id))
        return Reply(text=msg("channel.on" if on else "channel.off", lang))

    # -- feedback (bot.feedback) ----------------------------------------------------------------------
    def record_feedback(self, team_id: str, user_id: str, key: str, helpful: bool, intent: str,
                        ids: list[str]) -> bool:
        return feedback.record(self.db, team_id, self.hash_user(team_id, user_id), key, helpful, intent, ids,
                               self.now())

    # -- thread context (bot.threads) -----------------------------------------------------------------
    def thread_memory(self, team_id: str, channel_id: str, thread_ts: str) -> dict | None:
        return self.threads.get(team_id, channel_id, thread_ts)

    def remember_thread(self, team_id: str, channel_id: str, thread_ts: str, memory: dict) -> None:
        self.threads.put(team_id, channel_id, thread_ts, memory)

    # -- events, once across replicas (bot.delivery) ----------------------------------------------------
    def receive_event(self, event_id: str, team_id: str, body: dict) -> str:
        return self.events.receive(event_id, team_id, body)

    def finish_event(self, event_id: str, outcome: str) -> None:
        self.events.finish(event_id, outcome)

    # -- Services --------------------------------------------------------------------------------------
    def preferred_lang(self, team_id: str, user_id: str) -> str | None:
        """The person's language, from the cache; a read of the database waits at most PREF_WAIT
        seconds (then the question is answered in its own language, and the read fills the cache
        for next time). Never raises: a sick database must not hold up an answer."""
        key = (team_id, user_id)
        cached = self._langs.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[1] < PREF_TTL:
            return cached[0]
        if now - self._snapshot_at > PREF_TTL:
            self._refresh_snapshot()
        snapshot = self._snapshot
        if snapshot is not None and now - self._snapshot_at < SNAPSHOT_STALE:
            try:
                return snapshot.get((team_id, self.hash_user(team_id, user_id)))
            except Exception:  # the salt could not be read: fall through to the last known language
                return cached[0] if cached is not None else None
        with self._lock:  # one read per person at a time: a slow database must not pile them up
            future = self._reading.get(key)
            if future is None:
                future = self._reading[key] = self._pref_reads.submit(self._read_lang, key)
        try:
            return future.result(timeout=PREF_WAIT)
        except Exception:  # slow, or the database failed: the last known language, if any
            return cached[0] if cached is not None else None

    def _refresh_snapshot(self) -> None:
        """Read every chosen language again, on a background thread, one read at a time."""
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True

        def read() -> None:
            try:
                snap = prefs.all_langs(self.db, SNAPSHOT_MAX)
                self._snapshot, self._snapshot_at = snap, time.monotonic()
            except Exception as exc:
                if time.monotonic() - self._warned > 10:
                    self._warned = time.monotonic()
                    log.warning("could not read language preferences (%s); using the last known ones",
                                type(exc).__name__)
            finally:
                self._refreshing = False

        try:
            self._pref_reads.submit(read)
        except RuntimeError:  # shut down
            self._refreshing = False

    def _read_lang(self, key: tuple[str, str]) -> str | None:
        try:
            lang = prefs.get_lang(self.db, self.hash_user(*key), key[0])
        except Exception as exc:
            if time.monotonic() - self._warned > 10:  # one line per outage, not one per question
                self._warned = time.monotonic()
                log.warning("could not read language preferences (%s); answering in each question's language",
                            type(exc).__name__)
            raise
        finally:
            with self._lock:
                self._reading.pop(key, None)
        self._langs.put(key, (lang, time.monotonic()))
        return lang

    def log_question(self, record: QuestionRecord) -> None:
        self.question_log.submit(record)  # after the answer, off the answer path

    def database_status(self) -> str:
        """"ok" or "degraded": a SELECT 1 that must answer within PROBE_WAIT seconds, remembered for
        PROBE_EVERY seconds (the health endpoint is polled often; the database must not be)."""
        now = time.monotonic()
        if now - self._probed[1] < PROBE_EVERY:
            return self._probed[0]
        future = self._pref_reads.submit(self._probe)
        try:
            status = "ok" if future.result(timeout=PROBE_WAIT) else "degraded"
        except Exception:
            status = "degraded"
        self._probed = (status, now)
        if self.on_probe:
            self.on_probe(status == "ok")
        return status

    def _probe(self) -> bool:
        from sqlalchemy import text

        with self.db.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def _may_read_questions(self, ctx: CommandContext) -> bool:
        """A workspace admin or owner (users.info), or someone named in STATS_VIEWERS."""
        return ctx.user_id in self.config.stats_viewers or self._is_admin(ctx)

    def _is_admin(self, ctx: CommandContext) -> bool:
        """A workspace admin or owner, by users.info (remembered ADMIN_TTL seconds)."""
        key = (ctx.team_id, ctx.user_id)
        known = self._admins.get(key)
        if known is not None and time.monotonic() - known[1] < ADMIN_TTL:
            return known[0]
        allowed = False
        try:
            user = (ctx.client.users_info(user=ctx.user_id).get("user") or {}) if ctx.client else {}
            allowed = bool(user.get("is_admin") or user.get("is_owner"))
        except Exception as exc:  # Slack could not tell: counts only
            log.info("users.info failed for /cncf stats: %s", exc)
        self._admins.put(key, (allowed, time.monotonic()))
        return allowed

    def close(self) -> None:
        self.question_log.close()
        self.events.close()  # the outcomes still on their way are stored
        self.threads.close()
        self._pref_reads.shutdown(wait=False)

    def subcommand(self, name: str, args: str, ctx: CommandContext, lang: str) -> Reply:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return self._subcommand(name, args, ctx, lang)
        except SQLAlchemyError as exc:  # the database is down or refusing: say so, in their language
            log.warning("/cncf %s: the database is unavailable (%s: %s)", name, type(exc).__name__,
                        str(exc).splitlines()[0][:200])
            return Reply(text=msg("storage.unavailable", lang))

    def _subcommand(self, name: str, args: str, ctx: CommandContext, lang: str) -> Reply:
        if name == "potd":
            preferred = self.preferred_lang(ctx.team_id, ctx.user_id)
            return self.potd.handle(args, ctx, lang, preferred)
        if name == "lang":
            return self.set_lang(args, ctx, lang)
        if name == "stats":
            return self.stats(ctx, lang)
        if name == "channel":
            return self.channel_command(args, ctx, lang)
        if name == "digest":
            return self.digest.handle(args, ctx, lang)
        return Reply(text=f"`{esc(name[:40])}` is not available here.")

    def todays_project(self, team_id: str) -> str | None:
        """For the App Home: what the team's channels got today, else the team's own pick of the day."""
        try:
            from sqlalchemy import select

            from .db.models import Post
            since = self.now() - dt.timedelta(hours=24)
            with self.db.read() as s:
                pid = s.scalar(select(Post.project_id).where(Post.team_id == team_id, Post.status == "posted",
                                                             Post.posted_at >= since)
                               .order_by(Post.posted_at.desc()).limit(1))
            if pid and pid in self.engine.catalog.entries:
                return pid
            # Nothing posted: walk a per-team shuffle of the pool, one project a (UTC) day.
            ids = potd.rotation_order(team_id, "home", 0, potd.pool(self.engine.catalog))
            return ids[self.now().date().toordinal() % len(ids)] if ids else None
        except Exception:
            log.exception("could not find today's project")
            return None

    # -- /cncf lang -------------------------------------------------------------------------------------
    def set_lang(self, args: str, ctx: CommandContext, lang: str) -> Reply:
        choice = args.strip().lower()
        user = self.hash_user(ctx.team_id, ctx.user_id)
        if not choice:
            current = prefs.get_lang(self.db, user, ctx.team_id)
            value = msg(f"language.{current}", lang) if current else msg("lang.auto_name", lang)
            return Reply(text=msg("lang.current", current or lang, value=value))
        if choice in prefs.LANGS:
            prefs.set_lang(self.db, user, ctx.team_id, choice)
            self._langs.put((ctx.team_id, ctx.user_id), (choice, time.monotonic()))
            if self._snapshot is not None:
                self._snapshot[(ctx.team_id, user)] = choice
            return Reply(text=msg("lang.set", choice))
        if choice == "auto":
            prefs.set_lang(self.db, user, ctx.team_id, None)
            self._langs.put((ctx.team_id, ctx.user_id), (None, time.monotonic()))
            if self._snapshot is not None:
                self._snapshot.pop((ctx.team_id, user), None)
            return Reply(text=msg("lang.auto", lang))
        return Reply(text=msg("lang.bad", lang, value=esc(choice[:40])))

    # -- /cncf stats ------------------------------------------------------------------------------------
    def stats(self, ctx: CommandContext, lang: str) -> Reply:
        days = min(STATS_DAYS, self.config.query_log_days)
        # the questions asked a moment ago count too: let the writer catch up, for a second at most
        self.question_log.flush(timeout=1.0)
        st = prefs.question_stats(self.db, ctx.team_id, days, self.now())
        title = msg("stats.title", lang, days=days)
        if not st.total:
            return Reply(text=msg("stats.none", lang, days=days))
        rate = round(100 * st.answered / st.total)
        biggest = max(n for _, n, _ in st.per_day)
        day_lines = [f"{d.isoformat()}  {'▇' * max(1, round(12 * n / biggest))} {n}" for d, n, _ in st.per_day]
        entries = self.engine.catalog.entries
        projects = [(entries[p].name if p in entries else p, n) for p, n in st.projects]
        admin = self._may_read_questions(ctx)
        if admin:
            unanswered = "\n".join(f"• {esc(q[:150])} ({n})" for q, n in st.unanswered) or "-"
        else:  # what people asked is theirs: counts for everyone, text for admins and owners
            unanswered = msg("stats.text_hidden", lang, n=st.total - st.answered)
        fb = feedback.stats(self.db, ctx.team_id, self.now() - dt.timedelta(days=days))
        verdicts = msg("stats.feedback", lang, up=fb.helpful, down=fb.not_helpful)
        if admin and fb.disliked:
            verdicts += "\n" + "\n".join(
                f"• {i}: {esc(', '.join(entries[p].name if p in entries else p for p in ids) or '-')} ({n})"
                for i, ids, n in fb.disliked)
        blocks = [header(title),
                  section(esc(msg("stats.total", lang, total=st.total, answered=st.answered, rate=rate))),
                  section(f"*{esc(msg('stats.per_day', lang))}*\n```" + esc("\n".join(day_lines[-days:])) + "```"),
                  fields([(msg("stats.intents", lang), "\n".join(f"{i}: {n}" for i, n in st.intents) or "-"),
                          (msg("stats.projects", lang), "\n".join(f"{p}: {n}" for p, n in projects) or "-")]),
                  section(f"*{esc(msg('stats.unanswered', lang))}*\n{unanswered}"),
                  section(verdicts),
                  context(esc(msg("stats.privacy", lang, keep=self.config.query_log_days)))]
        text = "\n".join([title, msg("stats.total", lang, total=st.total, answered=st.answered, rate=rate),
                          *day_lines, msg("stats.unanswered", lang) + ":", unanswered, verdicts])
        return Reply(text=text, blocks=blocks)


def open_database(config: Config) -> Database:
    db = Database(config.database_url)
    upgrade(db)
    return db


def make_services(config: Config, engine: Any) -> Services:
    return DbServices(config, engine, open_database(config))


class Ticker:
    """Each minute: post what is due; each hour: delete questions older than QUERY_LOG_DAYS."""

    def __init__(self, runner: PotdRunner, prune: Callable[[], int], interval: float = 60.0):
        self.runner, self.prune, self.interval = runner, prune, interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="potd-ticker", daemon=True)
        self._last_prune = 0.0

    def _loop(self) -> None:
        import time
        while not self.stopped.is_set():
            try:
                self.runner.run_due()
            except Exception:
                log.exception("the project-of-the-day tick failed; trying again next minute")
            if time.monotonic() - self._last_prune >= 3600:
                try:
                    n = self.prune()
                    if n:
                        log.info("deleted %d questions older than the retention period", n)
                    self._last_prune = time.monotonic()
                except Exception:
                    log.exception("pruning the question log failed")
            # Wake at the start of the next minute, so posts go out on the minute.
            self.stopped.wait(self.interval - (time.time() % self.interval) + 0.05)

    def start(self) -> "Ticker":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=35)


def posting_client(client: Any) -> Any:
    """The app's client without its automatic retries: a retried chat.postMessage after a dropped
    connection could post twice, and the runner retries through its claim table instead."""
    try:
        fresh = type(client)(token=client.token, base_url=client.base_url, timeout=client.timeout,
                             retry_handlers=[])
    except Exception:  # not a slack_sdk WebClient (tests may pass something else): use it as it is
        return client
    if getattr(client, "metrics", None) is not None:
        fresh.metrics = client.metrics
    return fresh


def start_background(config: Config, services: Services, engine: Any, client: Any,
                     replay: Callable[[str, dict], Any] | None = None,
                     on_abandoned: Callable[[int], None] | None = None,
                     client_for: Callable[[str], Any] | None = None) -> Callable[[], None]:
    """The daily-post ticker and, given `replay(event_id, body)`, the sweeper that finishes events
    other replicas acked but never answered. `client_for(workspace_id)`: the daily post's client
    for a workspace (None: not installed); one client for all by default."""
    if not isinstance(services, DbServices):
        return lambda: None
    db = services.db
    runner = PotdRunner(db, lambda: engine.catalog, posting_client(client), client_for=client_for)

    def prune() -> int:
        services.threads.prune()  # quiet threads are forgotten
        if services.workspaces is not None:
            services.workspaces.purge_due()  # departed workspaces whose grace period is over
            services.workspaces.prune_states()  # install links that expired unused
        return prefs.prune_questions(db, config.query_log_days)

    ticker = Ticker(runner, prune).start()
    every = min(max(config.event_lease / 6, 1.0), 30.0)
    sweeper = Sweeper(services.claims, replay, every=every, on_abandoned=on_abandoned).start() if replay else None

    def stop() -> None:
        # the jobs only: the services are closed by the runtime once the answers in flight are
        # done, so their outcomes, thread memories and logged questions are still stored
        ticker.stop()
        if sweeper:
            sweeper.stop()

    return stop
