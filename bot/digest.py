"""The "what changed" digest: after a knowledge sync with changes, one post per subscribed channel.

`/cncf digest subscribe|unsubscribe|status` keeps `digest_subscriptions`. `cncf-bot digest run`
(a CronJob) posts the newest knowledge version's promotions, new sandbox projects and archivals to
every channel subscribed before that version was stored, exactly once per channel and version:
the post is claimed first (a unique row in `digest_posts`, with a lease), like the project of the
day. A claim whose runner died is taken over after its lease, and the channel's history is
searched for the digest (message metadata) before posting again.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass, field
from typing import Any, Callable

from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from handlers.blocks import context, esc, header, section
from handlers.services import CommandContext, Reply

from .db import Database
from .db.models import DigestPost, DigestSubscription, KnowledgeVersion

log = logging.getLogger("cncf_bot.digest")
LEASE = dt.timedelta(minutes=5)
METADATA_EVENT = "cncf_bot_digest"
PAUSE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})

TEXT = {
    "usage": ("Usage: `/cncf digest subscribe [en|ko]`, `/cncf digest unsubscribe`, `/cncf digest status`.",
              "사용법: `/cncf digest subscribe [en|ko]`, `/cncf digest unsubscribe`, `/cncf digest status`"),
    "subscribed": ("This channel now gets a post listing promotions, new sandbox projects and archivals after "
                   "each knowledge update.",
                   "이제 이 채널에 지식 업데이트마다 승격, 새 샌드박스 프로젝트, 보관 처리를 알려 드릴게요."),
    "unsubscribed": ("This channel no longer gets the what-changed digest.", "이 채널의 변경 요약 구독을 해지했어요."),
    "not": ("This channel does not get the digest. Try `/cncf digest subscribe`.",
            "이 채널은 변경 요약을 구독하지 않아요. `/cncf digest subscribe`로 구독해 보세요."),
    "status": ("This channel gets the what-changed digest ({lang}) since {since}.",
               "이 채널은 {since}부터 변경 요약({lang})을 받고 있어요."),
    "title": ("What changed in the CNCF (knowledge of {date})", "CNCF 변경 사항 ({date} 기준)"),
    "promoted": ("Promoted", "승격"), "added": ("New sandbox projects", "새 샌드박스 프로젝트"),
    "archived": ("Archived", "보관 처리"),
    "credit": ("Facts from the CNCF Landscape (CC-BY-4.0).", "사실 정보 출처: CNCF Landscape (CC-BY-4.0)"),
}


def tr(key: str, lang: str, **kw) -> str:
    en, ko = TEXT[key]
    return (ko if lang == "ko" else en).format(**kw)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def worth_posting(changes: dict) -> bool:
    return bool(changes.get("promoted") or [a for a in changes.get("added", []) if "sandbox" in a]
                or changes.get("archived"))


def digest_message(version: KnowledgeVersion, lang: str) -> tuple[str, list[dict]]:
    c = version.changes or {}
    groups = [("promoted", c.get("promoted") or []),
              ("added", [a.rsplit(" (", 1)[0] for a in c.get("added") or [] if a.endswith("(sandbox)")]),
              ("archived", c.get("archived") or [])]
    title = tr("title", lang, date=version.data_date)
    blocks = [header(title)]
    lines = [title]
    for key, items in groups:
        if items:
            body = "\n".join(f"• {esc(i)}" for i in items[:40]) + (f"\n… +{len(items) - 40}" if len(items) > 40 else "")
            blocks.append(section(f"*{esc(tr(key, lang))}*\n{body}"))
            lines.append(f"{tr(key, lang)}: " + ", ".join(items[:40]))
    blocks.append(context(esc(tr("credit", lang))))
    return "\n".join(lines)[:3000], blocks


class DigestCommands:
    def __init__(self, db: Database, hash_user: Callable[[str, str], str], now: Callable[[], dt.datetime] = utcnow):
        self.db, self.hash_user, self.now = db, hash_user, now

    def handle(self, args: str, ctx: CommandContext, lang: str) -> Reply:
        words = args.lower().split()
        sub = words[0] if words else ""
        if sub == "subscribe":
            choice = next((w for w in words[1:] if w in ("en", "ko")), lang)
            who = self.hash_user(ctx.team_id, ctx.user_id)
            with self.db.write() as s:
                row = s.get(DigestSubscription, (ctx.team_id, ctx.channel_id))
                if row is None:
                    s.add(DigestSubscription(team_id=ctx.team_id, channel_id=ctx.channel_id, lang=choice, active=True,
                                             subscribed_by=who, subscribed_at=self.now()))
                else:
                    if not row.active:  # a new subscription: versions stored while away are not theirs
                        row.subscribed_at = self.now()
                    row.lang, row.active, row.subscribed_by = choice, True, who
            return Reply(text=tr("subscribed", choice))
        if sub in ("unsubscribe", "stop"):
            with self.db.write() as s:
                row = s.get(DigestSubscription, (ctx.team_id, ctx.channel_id))
                if row is None or not row.active:
                    return Reply(text=tr("not", lang))
                row.active = False
            return Reply(text=tr("unsubscribed", lang))
        if sub == "status":
            with self.db.read() as s:
                row = s.get(DigestSubscription, (ctx.team_id, ctx.channel_id))
            if row is None or not row.active:
                return Reply(text=tr("not", lang))
            return Reply(text=tr("status", lang, lang=row.lang, since=row.subscribed_at.strftime("%Y-%m-%d")))
        return Reply(text=tr("usage", lang))


@dataclass
class DigestResult:
    version: int | None = None
    posted: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    not_installed: list[str] = field(default_factory=list)  # channels of workspaces without an installation

    def summary(self) -> str:
        if self.version is None:
            return "digest: no knowledge version with changes to tell"
        return (f"digest of knowledge version {self.version}: {len(self.posted)} posted, "
                f"{len(self.recovered)} found already posted, {len(self.skipped)} already done, "
                f"{len(self.failed)} failed"
                + (f", {len(self.not_installed)} skipped (not installed)" if self.not_installed else ""))


class DigestRunner:
    def __init__(self, db: Database, client: Any, now: Callable[[], dt.datetime] = utcnow,
                 client_for: Callable[[str], Any] | None = None):
        """`client` for every channel, or `client_for(workspace_id)`: None when it has not installed."""
        self.db, self.client, self.now = db, client, now
        self.client_for = client_for or (lambda workspace_id: client)
        self.owner = f"{socket.gethostname()}:{os.getpid()}"[:128]

    def run(self) -> DigestResult:
        with self.db.read() as s:
            version = s.scalar(select(KnowledgeVersion).order_by(KnowledgeVersion.id.desc()).limit(1))
            subs = s.scalars(select(DigestSubscription).where(DigestSubscription.active.is_(True))).all()
        result = DigestResult()
        if version is None or not worth_posting(version.changes or {}):
            return result
        result.version = version.id
        for sub in subs:
            if sub.subscribed_at > version.created_at:
                continue  # subscribed after this version: the next one is theirs
            self._one(sub, version, result)
        return result

    def _one(self, sub: DigestSubscription, version: KnowledgeVersion, result: DigestResult) -> None:
        name = f"{sub.team_id}/{sub.channel_id}"
        try:
            client = self.client_for(sub.team_id)
        except Exception as exc:  # the installations could not be read: the next run tries again
            log.warning("digest to %s: its workspace's token could not be read (%s)", name, type(exc).__name__)
            result.failed.append(name)
            return
        if client is None:
            result.not_installed.append(name)
            return
        claim = self._claim(sub, version.id)
        if claim is None:
            result.skipped.append(name)
            return
        uncertain = claim == "retake"
        if uncertain:
            looked, ts = self._find_posted(client, sub.channel_id, version.id)
            if ts:
                self._finish(sub, version.id, "posted", ts)
                result.recovered.append(name)
                return
            if not looked:  # Slack could not say whether it arrived: ask again next run, never repost blind
                self._release(sub, version.id)
                result.failed.append(name)
                return
        text, blocks = digest_message(version, sub.lang)
        try:
            resp = client.chat_postMessage(channel=sub.channel_id, text=text, blocks=blocks,
                                                metadata={"event_type": METADATA_EVENT,
                                                          "event_payload": {"version": version.id}})
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else str(exc.response.status_code)
            log.warning("digest to %s failed: %s", name, error)
            if error in PAUSE_ERRORS:
                self._finish(sub, version.id, "abandoned", None)
            else:  # the lease runs out and the next run tries again (looking first)
                self._release(sub, version.id)
            result.failed.append(name)
            return
        except Exception as exc:  # a timeout or a drop: the post may have arrived; the next run looks first
            log.warning("digest to %s: %s", name, type(exc).__name__)
            result.failed.append(name)
            return
        self._finish(sub, version.id, "posted", resp.get("ts"))
        result.posted.append(name)

    def _claim(self, sub: DigestSubscription, version: int) -> str | None:
        at = self.now()
        try:
            with self.db.write() as s:
                s.add(DigestPost(team_id=sub.team_id, channel_id=sub.channel_id, version=version, status="claimed",
                                 owner=self.owner, lease_until=at + LEASE, attempts=1))
            return "new"
        except IntegrityError:
            pass
        with self.db.write() as s:
            taken = s.execute(update(DigestPost).where(
                DigestPost.team_id == sub.team_id, DigestPost.channel_id == sub.channel_id,
                DigestPost.version == version, DigestPost.status == "claimed", DigestPost.lease_until <= at)
                .values(owner=self.owner, lease_until=at + LEASE, attempts=DigestPost.attempts + 1)).rowcount
        return "retake" if taken == 1 else None

    def _release(self, sub: DigestSubscription, version: int) -> None:
        with self.db.write() as s:
            s.execute(update(DigestPost).where(DigestPost.team_id == sub.team_id,
                                               DigestPost.channel_id == sub.channel_id, DigestPost.version == version)
                      .values(lease_until=self.now()))

    def _finish(self, sub: DigestSubscription, version: int, status: str, ts: str | None) -> None:
        with self.db.write() as s:
            s.execute(update(DigestPost).where(DigestPost.team_id == sub.team_id,
                                               DigestPost.channel_id == sub.channel_id, DigestPost.version == version)
                      .values(status=status, message_ts=ts))

    def _find_posted(self, client: Any, channel: str, version: int) -> tuple[bool, str | None]:
        """(whether Slack answered, the digest's ts if it is in the channel's recent history)."""
        try:
            resp = client.conversations_history(channel=channel, limit=200, include_all_metadata=True)
        except Exception:
            return False, None
        for m in resp.get("messages") or []:
            meta = m.get("metadata") or {}
            if meta.get("event_type") == METADATA_EVENT and (meta.get("event_payload") or {}).get("version") == version:
                return True, m.get("ts")
        return True, None
