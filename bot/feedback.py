"""Feedback on answers: Slack's thumbs up / down, one verdict per person per answer, and its stats."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .db import Database
from .db.models import Feedback


@dataclass
class FeedbackStats:
    helpful: int = 0
    not_helpful: int = 0
    disliked: list[tuple[str, tuple[str, ...], int]] = field(default_factory=list)  # (intent, ids, count)


def record(db: Database, team_id: str, user_hash: str, answer_key: str, helpful: bool, intent: str,
           matched_ids: list[str], at: dt.datetime) -> bool:
    """Store a verdict; True when it is new or changed (a repeated click changes nothing)."""
    for _ in range(2):
        try:
            with db.write() as s:
                row = s.scalar(select(Feedback).where(Feedback.team_id == team_id, Feedback.answer_key == answer_key,
                                                      Feedback.user_hash == user_hash))
                if row is None:
                    s.add(Feedback(team_id=team_id, answer_key=answer_key[:128], user_hash=user_hash,
                                   helpful=helpful, intent=intent[:32], matched_ids=matched_ids[:10], created_at=at))
                    return True
                if row.helpful == helpful:
                    return False
                row.helpful, row.created_at = helpful, at
                return True
        except IntegrityError:  # two clicks at once: the second becomes an update
            continue
    return False


def stats(db: Database, team_id: str, since: dt.datetime, top: int = 5) -> FeedbackStats:
    with db.read() as s:
        rows = s.execute(select(Feedback.helpful, Feedback.intent, Feedback.matched_ids)
                         .where(Feedback.team_id == team_id, Feedback.created_at >= since)).all()
    out = FeedbackStats()
    bad: Counter = Counter()
    for helpful, intent, ids in rows:
        if helpful:
            out.helpful += 1
        else:
            out.not_helpful += 1
            bad[(intent, tuple(ids or ()))] += 1
    out.disliked = [(i, ids, n) for (i, ids), n in bad.most_common(top)]
    return out
