"""Dates in questions: a year ("in 2024", "올해", "last year"), a wish for the newest, and which
step of a project's life is meant (accepted, incubating, graduated, archived).

These are slots, like names: they say *what* a question filters on, never *which kind* of
question it is (the intent classifier decides that).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from .model import Entry
from .text import strip_particle

# Word stems that name a step of a project's life; a token naming one starts with its stem.
TRANSITION_STEMS = {
    "graduated": ("graduat", "졸업"),
    "incubating": ("incubat", "인큐베이"),
    "archived": ("archiv", "retire", "아카이브", "아카이빙", "보관", "은퇴", "퇴역"),
    "accepted": ("accept", "join", "admit", "onboard", "donat", "합류", "채택", "가입", "편입", "승인", "들어온",
                 "들어간", "들어왔", "들어갔", "들어옴", "입성", "추가된", "추가됐", "sandbox", "샌드박스"),
}
THIS_YEAR = ("this year", "올해", "금년", "이번 해", "今年")
LAST_YEAR = ("last year", "작년", "지난해", "지난 해", "previous year")
# The newest first: "newest sandbox projects", "최근 졸업한", "recently archived".
RECENT_STEMS = ("newest", "latest", "recent", "new", "newly", "최근", "최신", "새로", "새로운", "요즘", "신규")

# Date fields of an Entry, by transition.
DATE_FIELD = {"accepted": "accepted", "incubating": "incubating", "graduated": "graduated", "archived": "archived"}


@dataclass(frozen=True)
class DateSlots:
    year: int | None = None
    transition: str | None = None
    newest: bool = False

    @property
    def any(self) -> bool:
        return self.year is not None or self.newest


def read_dates(low: str, toks: list[str], today: dt.date) -> DateSlots:
    year = None
    for t in toks:
        if len(t) == 4 and t.isdigit() and 2015 <= int(t) <= today.year + 1:
            year = int(t)
            break
        if t.endswith("년") and t[:-1].isdigit() and len(t) == 5:  # "2024년"
            year = int(t[:-1])
            break
    if year is None:
        if any(p in low for p in THIS_YEAR):
            year = today.year
        elif any(p in low for p in LAST_YEAR):
            year = today.year - 1
    return DateSlots(year, transition_of(toks), any(_is_recent(t) for t in toks))


def transition_of(toks: list[str]) -> str | None:
    """The first step of a project's life the tokens name, if any."""
    for t in toks:
        kind = _token_transition(t)
        if kind:
            return kind
    return None


def _stems_re(stems: tuple[str, ...]) -> re.Pattern:
    """A token that begins with one of the stems; a short English stem ("new") must be the whole token."""
    prefix = [s for s in stems if len(s) > 3 or not s.isascii()]
    whole = [s for s in stems if len(s) <= 3 and s.isascii()]
    parts = [f"(?:{'|'.join(map(re.escape, prefix))})"] if prefix else []
    parts += [f"(?:{'|'.join(map(re.escape, whole))})$"] if whole else []
    return re.compile("|".join(parts))


_TRANSITION_RES = [(kind, _stems_re(stems)) for kind, stems in TRANSITION_STEMS.items()]
_RECENT_RE = _stems_re(RECENT_STEMS)


@lru_cache(maxsize=16384)
def _token_transition(t: str) -> str | None:
    base = strip_particle(t) or t
    for kind, pattern in _TRANSITION_RES:
        if pattern.match(t) or pattern.match(base):
            return kind
    return None


def _is_recent(t: str) -> bool:
    return _RECENT_RE.match(t) is not None


def date_of(e: Entry, transition: str) -> str | None:
    return getattr(e, DATE_FIELD[transition]) or None


def filter_by_date(projects: list[Entry], slots: DateSlots, default: str = "accepted") -> list[Entry]:
    """Projects whose `transition` happened in `year` (any year when none), newest first."""
    kind = slots.transition or default
    found = [e for e in projects if date_of(e, kind)
             and (slots.year is None or date_of(e, kind).startswith(str(slots.year)))]
    return sorted(found, key=lambda e: (date_of(e, kind), e.name.lower()), reverse=True)
