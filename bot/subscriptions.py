"""`/cncf potd ...`: subscribe, unsubscribe, status and preview for the current channel."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.blocks import context, esc
from handlers.services import CommandContext, Reply
from knowledge.loader import Catalog

from . import potd
from .db.models import Post, Subscription
from .db.session import Database
from .messages import msg
from .prefs import UserHasher
from .potd_runner import channel_posts

log = logging.getLogger("cncf_bot.potd")


@dataclass
class SubscribeRequest:
    post_time: str | None = None
    timezone: str | None = None
    lang: str | None = None
    include_sandbox: bool = False


class BadRequest(ValueError):
    def __init__(self, key: str, value: str):
        super().__init__(key)
        self.key, self.value = key, value


def parse_subscribe(words: list[str]) -> SubscribeRequest:
    """`[HH:MM] [TIMEZONE] [en|ko] [sandbox]`, in any order."""
    req = SubscribeRequest()
    for w in words:
        low = w.lower()
        if low in ("en", "ko") and req.lang is None:
            req.lang = low
        elif low in ("sandbox", "+sandbox") and not req.include_sandbox:
            req.include_sandbox = True
        elif ":" in w and "/" not in w or w[:1].isdigit():
            if req.post_time is not None:
                raise BadRequest("potd.too_many", w)
            req.post_time = potd.parse_time(w)
            if req.post_time is None:
                raise BadRequest("potd.bad_time", w)
        else:
            if req.timezone is not None:
                raise BadRequest("potd.too_many", w)
            req.timezone = potd.parse_zone(w)
            if req.timezone is None:
                raise BadRequest("potd.bad_zone", w)
    return req


def slack_user_defaults(client: Any, user_id: str) -> tuple[str | None, str | None]:
    """The person's Slack time zone and language ('ko' for a Korean locale), when Slack tells us."""
    if client is None:
        return None, None
    try:
        resp = client.users_info(user=user_id, include_locale=True)
        user = resp.get("user") or {}
    except Exception as exc:  # missing scope, network, a test without Slack: fall back to defaults
        log.info("users.info failed for the subscriber: %s", exc)
        return None, None
    tz = user.get("tz")
    tz = potd.parse_zone(tz) if isinstance(tz, str) and tz else None
    locale = str(user.get("locale") or "")
    lang = "ko" if locale.lower().startswith("ko") else ("en" if locale else None)
    return tz, lang


def channel_ref(ctx: CommandContext, lang: str) -> str:
    return f"<#{ctx.channel_id}>" if ctx.channel_id[:1] in ("C", "G") else msg("this_channel", lang)


def fmt_local(at: dt.datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def pool_name(sub: Subscription | SubscribeRequest, lang: str) -> str:
    return msg("pool.sandbox" if sub.include_sandbox else "pool.default", lang)


class PotdCommands:
    def __init__(self, db: Database, catalog: Any, now=None, hash_user: Any = None):
        self.db = db
        # who subscribed is kept as a keyed hash (bot.prefs.UserHasher), never the raw user id
        self.hash_user = hash_user or UserHasher(db)
        self._catalog = catalog
        self.now = now or (lambda: dt.datetime.now(potd.UTC))

    @property
    def catalog(self) -> Catalog:
        return self._catalog() if callable(self._catalog) else self._catalog

    def handle(self, args: str, ctx: CommandContext, lang: str, preferred: str | None) -> Reply:
        words = args.split()
        sub = words[0].lower() if words else "help"
        if sub == "subscribe":
            return self.subscribe(words[1:], ctx, lang, preferred)
        if sub in ("unsubscribe", "stop"):
            return self.unsubscribe(ctx, lang)
        if sub == "status":
            return self.status(ctx, lang)
        if sub in ("preview", "today"):
            return self.preview(ctx, lang)
        if sub == "help":
            return Reply(text=msg("potd.usage", lang))
        return Reply(text=msg("unknown_sub", lang, value=esc(sub[:40])) + "\n\n" + msg("potd.usage", lang))

    def _find(self, s, ctx: CommandContext) -> Subscription | None:
        return s.scalar(select(Subscription).where(Subscription.team_id == ctx.team_id,
                                                   Subscription.channel_id == ctx.channel_id))

    def subscribe(self, words: list[str], ctx: CommandContext, lang: str, preferred: str | None) -> Reply:
        try:
            req = parse_subscribe(words)
        except BadRequest as exc:
            return Reply(text=msg(exc.key, lang, value=esc(exc.value[:60])))
        notes = []
        tz, slack_lang = (None, None)
        if req.timezone is None or (req.lang is None and preferred is None):
            tz, slack_lang = slack_user_defaults(ctx.client, ctx.user_id)
        if req.timezone is None:
            req.timezone = tz or "UTC"
            if tz is None:
                notes.append(msg("potd.zone_guess", lang))
        req.lang = req.lang or preferred or slack_lang or lang
        req.post_time = req.post_time or potd.DEFAULT_TIME
        now = self.now()
        nxt, _ = potd.next_slot(now, req.post_time, req.timezone)
        who = self.hash_user(ctx.team_id, ctx.user_id)  # before the transaction: it may create the salt
        with self.db.write() as s:
            row = self._find(s, ctx)
            if row is None:
                row = Subscription(team_id=ctx.team_id, channel_id=ctx.channel_id)
                s.add(row)
            row.post_time, row.timezone, row.lang = req.post_time, req.timezone, req.lang
            row.include_sandbox = req.include_sandbox
            row.active = True
            row.subscribed_by, row.subscribed_at = who, now
            row.unsubscribed_by = row.unsubscribed_at = None
            row.paused_reason = row.paused_at = None
            row.next_post_at = nxt
        reply_lang = req.lang
        text = msg("potd.subscribed", reply_lang, channel=channel_ref(ctx, reply_lang), time=req.post_time,
                   zone=req.timezone, language=msg(f"language.{req.lang}", reply_lang),
                   pool=pool_name(req, reply_lang), next=fmt_local(nxt, req.timezone))
        text = "\n".join([text, *notes, msg("potd.invite", reply_lang)])
        return Reply(text=text)

    def unsubscribe(self, ctx: CommandContext, lang: str) -> Reply:
        who = self.hash_user(ctx.team_id, ctx.user_id)
        with self.db.write() as s:
            row = self._find(s, ctx)
            if row is None or not row.active:
                return Reply(text=msg("potd.not_subscribed", lang))
            row.active = False
            row.unsubscribed_by, row.unsubscribed_at = who, self.now()
        return Reply(text=msg("potd.unsubscribed", lang, channel=channel_ref(ctx, lang)))

    def status(self, ctx: CommandContext, lang: str) -> Reply:
        with self.db.read() as s:
            row = self._find(s, ctx)
            if row is None or not row.active:
                return Reply(text=msg("potd.not_subscribed", lang))
            last = s.scalar(select(Post).where(Post.team_id == ctx.team_id, Post.channel_id == ctx.channel_id,
                                               Post.status == "posted").order_by(Post.local_date.desc()).limit(1))
            today = potd.local_date(self.now(), row.timezone)
            pending = s.scalar(select(Post).where(Post.team_id == ctx.team_id, Post.channel_id == ctx.channel_id,
                                                  Post.local_date == today, Post.status == "retry"))
        last_text = msg("potd.never", lang)
        if last is not None:
            e = self.catalog.entries.get(last.project_id)
            name = esc(e.display_name(lang)) if e else last.project_id
            last_text = f"{last.local_date.isoformat()} · {name}"
        if row.paused_reason:
            next_text = "-"
        else:
            nxt = row.next_post_at or potd.next_slot(self.now(), row.post_time, row.timezone)[0]
            next_text = fmt_local(max(nxt, self.now()), row.timezone)
        lines = [msg("potd.status", lang, channel=channel_ref(ctx, lang), time=row.post_time, zone=row.timezone,
                     language=msg(f"language.{row.lang}", lang), pool=pool_name(row, lang),
                     who=self._who(row, ctx, lang), since=fmt_local(row.subscribed_at, row.timezone),
                     last=last_text, next=next_text)]
        if pending is not None and not row.paused_reason:
            lines.append(msg("potd.retrying", lang, error=esc(pending.last_error or "?")))
        if row.paused_reason:
            fix_key = f"potd.fix.{row.paused_reason}"
            fix = msg(fix_key, lang) if fix_key in _FIXES else ""
            lines.append(msg("potd.paused", lang, when=fmt_local(row.paused_at or self.now(), row.timezone),
                             reason=esc(row.paused_reason), fix=fix))
        return Reply(text="\n".join(lines))

    def _who(self, row: Subscription, ctx: CommandContext, lang: str) -> str:
        """The asker, when they are the subscriber (the hash matches); otherwise just "a member"."""
        if row.subscribed_by and row.subscribed_by == self.hash_user(ctx.team_id, ctx.user_id):
            return f"<@{ctx.user_id}>"
        return msg("potd.a_member", lang)

    def todays_pick(self, team_id: str, channel_id: str, tz: str, include_sandbox: bool) -> str | None:
        """The project this channel gets today: the claimed one, or what the rotation would pick."""
        today = potd.local_date(self.now(), tz)
        with self.db.read() as s:
            claimed, history = channel_posts(s, team_id, channel_id, today)
        if claimed is not None:
            return claimed.project_id
        picked = potd.pick_project(team_id, channel_id, potd.pool(self.catalog, include_sandbox), history)
        return picked[0] if picked else None

    def preview(self, ctx: CommandContext, lang: str) -> Reply:
        with self.db.read() as s:
            row = self._find(s, ctx)
        tz = row.timezone if row is not None and row.active else "UTC"
        sandbox = bool(row is not None and row.active and row.include_sandbox)
        post_lang = row.lang if row is not None and row.active else lang
        pid = self.todays_pick(ctx.team_id, ctx.channel_id, tz, sandbox)
        entry = self.catalog.entries.get(pid) if pid else None
        if entry is None:
            return Reply(text=msg("potd.none_left", lang))
        m = potd.potd_message(entry, post_lang, potd.local_date(self.now(), tz), self.catalog)
        return Reply(text=msg("potd.preview_note", lang) + m.text,
                     blocks=[context(esc(msg("potd.preview_note", lang).rstrip(": ")))] + m.blocks[:49])


_FIXES = {f"potd.fix.{k}" for k in ("not_in_channel", "is_archived", "channel_not_found")}
