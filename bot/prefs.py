"""People's language preference, the question log, and the numbers `/cncf stats` shows.

A person is stored only as HMAC-SHA256(per-install salt, team:user): enough to keep a preference
and count distinct askers, not enough to tell who asked. The salt is generated once per database.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from handlers.services import QuestionRecord

from .db.models import Question, Setting, UserPref, utcnow
from .db.session import Database

SALT_KEY = "user_hash_salt"
LANGS = ("en", "ko")


class UserHasher:
    """team:user -> HMAC-SHA256 hex. The key is USER_HASH_KEY when it is set, so that a reader of the
    database alone cannot re-identify askers; otherwise a random salt kept in the database (the
    embedded default, where database and settings live on the same machine anyway)."""

    def __init__(self, db: Database, key: str | None = None):
        self.db = db
        self._salt: bytes | None = key.encode("utf-8") if key else None
        self._lock = threading.Lock()

    def salt(self) -> bytes:
        if self._salt is None:
            with self._lock:
                if self._salt is None:
                    self._salt = bytes.fromhex(self._load_or_create())
        return self._salt

    def _load_or_create(self) -> str:
        with self.db.read() as s:
            found = s.get(Setting, SALT_KEY)
            if found:
                return found.value
        try:
            with self.db.write() as s:
                found = s.get(Setting, SALT_KEY)
                if found:
                    return found.value
                value = secrets.token_hex(32)
                s.add(Setting(key=SALT_KEY, value=value))
                return value
        except IntegrityError:  # another process created it at the same moment
            with self.db.read() as s:
                return s.get(Setting, SALT_KEY).value

    def __call__(self, team_id: str, user_id: str) -> str:
        return hmac.new(self.salt(), f"{team_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


# -- preferences --------------------------------------------------------------------------------------

def get_lang(db: Database, user_hash: str, team_id: str) -> str | None:
    with db.read() as s:
        return s.scalar(select(UserPref.lang).where(UserPref.team_id == team_id, UserPref.user_hash == user_hash))


def all_langs(db: Database, limit: int) -> dict[tuple[str, str], str] | None:
    """Every chosen language by (team, user hash), or None when there are more than `limit`."""
    with db.read() as s:
        rows = s.execute(select(UserPref.team_id, UserPref.user_hash, UserPref.lang).limit(limit + 1)).all()
    if len(rows) > limit:
        return None
    return {(team, user): lang for team, user, lang in rows}


def set_lang(db: Database, user_hash: str, team_id: str, lang: str | None) -> None:
    """Remember `lang` ('en' or 'ko'), or forget the preference when None ('auto')."""
    for _ in range(2):
        try:
            with db.write() as s:
                row = s.scalar(select(UserPref).where(UserPref.team_id == team_id, UserPref.user_hash == user_hash))
                if lang is None:
                    if row is not None:
                        s.delete(row)
                elif row is None:
                    s.add(UserPref(team_id=team_id, user_hash=user_hash, lang=lang, updated_at=utcnow()))
                else:
                    row.lang, row.updated_at = lang, utcnow()
            return
        except IntegrityError:  # a concurrent first insert: try once more as an update
            continue


# -- the question log ---------------------------------------------------------------------------------

# What a stored question must not keep: other people (mentions, user ids), channel names, and bytes
# some databases cannot store (NUL) or logs cannot show (control characters).
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#C[A-Z0-9]+(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<!([a-z]+)[^>]*>")
_USER_ID = re.compile(r"\b[UW][A-Z0-9]{8,12}\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def storable_question(text: str) -> str:
    """The question as the log keeps it: mentions and user ids replaced, control characters gone."""
    text = _MENTION.sub("@someone", text)
    text = _CHANNEL.sub("#channel", text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1) if m.group(1) in ("channel", "here", "everyone") else "@group",
                        text)
    text = _USER_ID.sub("@someone", text)
    return " ".join(_CONTROL.sub(" ", text).split())[:4000]


def log_question(db: Database, user_hash: str, r: QuestionRecord, at: dt.datetime | None = None) -> None:
    log_questions(db, [(user_hash, r, at or utcnow())])


def log_questions(db: Database, rows: list[tuple[str, QuestionRecord, dt.datetime]]) -> None:
    """Store (user hash, record, when) rows in one transaction."""
    if not rows:
        return
    # one executemany of plain rows: several times less CPU than ORM objects, and the log writer
    # shares the process (and its GIL) with the answers
    values = [{"asked_at": at, "team_id": r.team_id, "user_hash": user_hash, "channel_id": r.channel_id,
               "source": r.source[:16], "question": storable_question(r.question), "intent": r.intent[:32],
               "lang": r.lang[:2], "matched_ids": list(r.matched_ids)[:50], "answered": bool(r.answered),
               "latency_ms": float(r.latency_ms)} for user_hash, r, at in rows]
    with db.engine.execution_options(sqlite_write=True).begin() as conn:
        conn.execute(insert(Question.__table__), values)  # Core: no ORM bookkeeping per row


def prune_questions(db: Database, keep_days: int, now: dt.datetime | None = None) -> int:
    cutoff = (now or utcnow()) - dt.timedelta(days=keep_days)
    with db.write() as s:
        return s.execute(delete(Question).where(Question.asked_at < cutoff)).rowcount or 0


@dataclass
class Stats:
    days: int
    per_day: list[tuple[dt.date, int, int]] = field(default_factory=list)  # (day, asked, answered)
    intents: list[tuple[str, int]] = field(default_factory=list)
    projects: list[tuple[str, int]] = field(default_factory=list)
    unanswered: list[tuple[str, int]] = field(default_factory=list)
    askers: int = 0

    @property
    def total(self) -> int:
        return sum(n for _, n, _ in self.per_day)

    @property
    def answered(self) -> int:
        return sum(a for _, _, a in self.per_day)


def question_stats(db: Database, team_id: str, days: int, now: dt.datetime | None = None, top: int = 5) -> Stats:
    now = now or utcnow()
    since = now - dt.timedelta(days=days)
    with db.read() as s:
        rows = s.execute(select(Question.asked_at, Question.intent, Question.matched_ids, Question.answered,
                                Question.question, Question.user_hash, Question.source)
                         .where(Question.team_id == team_id, Question.asked_at >= since)).all()
    per_day: dict[dt.date, list[int]] = {}
    intents: Counter[str] = Counter()
    projects: Counter[str] = Counter()
    unanswered: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for asked_at, intent, matched, answered, question, _, source in rows:
        d = per_day.setdefault(asked_at.date(), [0, 0])
        d[0] += 1
        d[1] += 1 if answered else 0
        intents[intent] += 1
        for pid in matched or []:
            projects[pid] += 1
        if not answered and source != "dm":  # what someone asked the bot alone is never shown to others
            key = " ".join(question.lower().split())
            unanswered[key] += 1
            shown.setdefault(key, " ".join(question.split()))
    return Stats(days=days, per_day=sorted((k, v[0], v[1]) for k, v in per_day.items()),
                 intents=intents.most_common(top), projects=projects.most_common(top),
                 unanswered=[(shown[k], n) for k, n in unanswered.most_common(10)],
                 askers=len({r[5] for r in rows}))
