"""Project of the day, the pure part: which project a channel gets, when, and what the post says.

No database and no network here; bot/potd_runner.py does the claiming and posting.

Rotation: each channel walks its pool (graduated and incubating projects, plus sandbox when
the subscription asks) in an order shuffled per channel and per round but reproducible (a hash
of team, channel, round and project id). No project comes twice until every project in the
pool has been posted; then a new round starts. Archived projects are never in the pool, and a
project added by a knowledge import simply takes its place in the current round.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Iterable
from zoneinfo import ZoneInfo

from handlers.blocks import context, esc, fit_message, project_card
from knowledge.loader import Catalog
from knowledge.model import Entry
from knowledge.text import first_sentence

DEFAULT_MATURITIES = ("graduated", "incubating")
DEFAULT_TIME = "09:00"
UTC = dt.timezone.utc
METADATA_EVENT = "cncf_potd"  # chat.postMessage metadata, to recognise our own posts


# -- rotation ---------------------------------------------------------------------------------------

def pool(catalog: Catalog, include_sandbox: bool = False) -> list[str]:
    maturities = DEFAULT_MATURITIES + (("sandbox",) if include_sandbox else ())
    return sorted(e.id for e in catalog.entries.values() if e.maturity in maturities)


def _rank(team_id: str, channel_id: str, cycle: int, project_id: str) -> bytes:
    return hashlib.sha256(f"{team_id}\x1f{channel_id}\x1f{cycle}\x1f{project_id}".encode()).digest()


def rotation_order(team_id: str, channel_id: str, cycle: int, ids: Iterable[str]) -> list[str]:
    return sorted(ids, key=lambda i: _rank(team_id, channel_id, cycle, i))


def pick_project(team_id: str, channel_id: str, pool_ids: list[str],
                 history: list[tuple[int, str]]) -> tuple[str, int] | None:
    """The next project and its round, given the channel's posted (round, project) in post order."""
    if not pool_ids:
        return None
    cycle = max((c for c, _ in history), default=0)
    seen = {p for c, p in history if c == cycle}
    remaining = [p for p in pool_ids if p not in seen]
    if not remaining:
        cycle += 1
        remaining = list(pool_ids)
    order = rotation_order(team_id, channel_id, cycle, remaining)
    # A new round should not open with the project that closed the last one.
    if len(order) > 1 and history and order[0] == history[-1][1]:
        order = order[1:]
    return order[0], cycle


# -- schedule ---------------------------------------------------------------------------------------

TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time(text: str) -> str | None:
    """'9:05' -> '09:05'; None when it is not a 24-hour HH:MM time."""
    m = TIME_RE.match(text.strip())
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


ZONE_ALIASES = {"utc": "UTC", "gmt": "UTC", "z": "UTC", "kst": "Asia/Seoul", "seoul": "Asia/Seoul",
                "jst": "Asia/Tokyo", "tokyo": "Asia/Tokyo"}


def parse_zone(text: str) -> str | None:
    """An IANA time zone name, matched case-insensitively ('asia/seoul' -> 'Asia/Seoul'), or None."""
    name = ZONE_ALIASES.get(text.strip().lower(), text.strip())
    return _zone_names().get(name.lower())


@functools.cache
def _zone_names() -> dict[str, str]:
    import zoneinfo

    return {z.lower(): z for z in zoneinfo.available_timezones()}


def local_date(at: dt.datetime, tz: str) -> dt.date:
    return at.astimezone(ZoneInfo(tz)).date()


def slot(day: dt.date, post_time: str, tz: str) -> dt.datetime:
    """The UTC instant of `post_time` on local `day`. A time skipped by a daylight-saving jump
    lands just after the jump (02:30 on a spring-forward night posts at 03:30)."""
    h, m = (int(x) for x in post_time.split(":"))
    local = dt.datetime.combine(day, dt.time(h, m), tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def next_slot(after: dt.datetime, post_time: str, tz: str) -> tuple[dt.datetime, dt.date]:
    """The first slot strictly after `after`, and its local date."""
    day = local_date(after, tz)
    s = slot(day, post_time, tz)
    if s > after:
        return s, day
    day += dt.timedelta(days=1)
    return slot(day, post_time, tz), day


# -- the post ---------------------------------------------------------------------------------------

TEXT = {
    "title": {"en": "Project of the day · {date}", "ko": "오늘의 프로젝트 · {date}"},
    "fallback": {"en": "Project of the day: {name}", "ko": "오늘의 프로젝트: {name}"},
    "learn_more": {"en": "💬 Learn more: mention me in this thread with a question, e.g. “what is {name} used for?”",
                   "ko": "💬 더 알아보기: 이 스레드에서 저를 멘션하고 질문해 보세요. 예: “{name}은 어디에 쓰나요?”"},
}


@dataclass
class Message:
    text: str
    blocks: list[dict]


def potd_message(entry: Entry, lang: str, day: dt.date, catalog: Catalog) -> Message:
    name = entry.display_name(lang)
    summary = first_sentence(entry.summary.get(lang))
    text = TEXT["fallback"][lang].format(name=name) + (f" — {summary}" if summary else "")
    blocks = [context(f"*{esc(TEXT['title'][lang].format(date=day.isoformat()))}*")]
    blocks += project_card(entry, lang, catalog)
    blocks.append(context(esc(TEXT["learn_more"][lang].format(name=entry.name))))
    return Message(text=text[:3000], blocks=fit_message(blocks))
