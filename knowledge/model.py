"""Typed records of the catalog and the Answer the engine returns.

Everything here is plain data: the loader builds it from YAML, the engine reads it, and the
renderers (plain text here, Block Kit in handlers/) turn an Answer into words.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["en", "ko"]
MATURITIES = ("graduated", "incubating", "sandbox", "archived")
MATURITY_RANK = {m: i for i, m in enumerate(MATURITIES)}
INTENTS = ("project", "compare", "recommend", "list", "trailmap", "concept", "help", "unknown")


@dataclass(frozen=True)
class Text:
    """A piece of prose in both languages; either may be empty while content is written."""

    en: str = ""
    ko: str = ""

    def get(self, lang: str) -> str:
        return (self.ko if lang == "ko" else self.en) or self.en or self.ko


@dataclass(frozen=True)
class TextList:
    en: tuple[str, ...] = ()
    ko: tuple[str, ...] = ()

    def get(self, lang: str) -> tuple[str, ...]:
        return (self.ko if lang == "ko" else self.en) or self.en or self.ko


@dataclass
class Entry:
    """One landscape entry. CNCF projects carry maturity and curated text; others only facts."""

    id: str
    name: str
    category: str
    subcategory: str
    homepage: str = ""
    repo: str = ""
    maturity: str | None = None  # None: not a CNCF project
    accepted: str | None = None
    incubating: str | None = None
    graduated: str | None = None
    archived: str | None = None
    other_paths: tuple[tuple[str, str], ...] = ()
    description: str = ""  # the landscape's own description (quoted with credit, never as our text)
    parent: str = ""  # a subproject: the CNCF project it belongs to (landscape parent_project, or its repo org)
    parent_why: str = ""  # "parent" or the GitHub organisation that made it one
    # curated (knowledge/data/projects/<id>.yaml)
    name_ko: str = ""
    aliases: tuple[str, ...] = ()
    keywords: TextList = field(default_factory=TextList)
    summary: Text = field(default_factory=Text)
    features: TextList = field(default_factory=TextList)
    use_when: Text = field(default_factory=Text)
    avoid_when: Text = field(default_factory=Text)
    related: tuple[str, ...] = ()
    replaced_by: tuple[str, ...] = ()
    trail_step: int | None = None

    @property
    def is_cncf(self) -> bool:
        return self.maturity is not None

    def display_name(self, lang: str) -> str:
        if lang == "ko" and self.name_ko and self.name_ko != self.name:
            return f"{self.name} ({self.name_ko})"
        return self.name

    @property
    def landscape_id(self) -> str:
        """landscape2's id of the item: `category--subcategory--name`, each normalized as it does."""
        return f"{landscape_name(self.category)}--{landscape_name(self.subcategory)}--{landscape_name(self.name)}"

    @property
    def landscape_url(self) -> str:
        return f"https://landscape.cncf.io/?item={quote(self.landscape_id, safe='-+')}"


def landscape_name(value: str) -> str:
    """A category, subcategory or item name normalized as landscape2 does (its `normalize_name`):
    spaces become hyphens, every character that is not a letter, a digit, '-' or '+' becomes a
    hyphen, letters are lowercased, runs of hyphens are one, and one trailing hyphen goes."""
    out = "".join(c.lower() if c in "-+" or unicodedata.category(c)[0] in "LN" else "-"
                  for c in value.replace(" ", "-"))
    out = re.sub("-{2,}", "-", out)
    return out[:-1] if out.endswith("-") else out


@dataclass(frozen=True)
class Concept:
    id: str
    name: Text
    aliases: tuple[str, ...]
    summary: Text
    related_projects: tuple[str, ...] = ()
    related_concepts: tuple[str, ...] = ()
    trail_step: int | None = None


@dataclass(frozen=True)
class ComparisonRow:
    dimension: Text
    values: tuple[Text, ...]  # one per item, in the order of Comparison.items


@dataclass(frozen=True)
class Comparison:
    id: str
    items: tuple[str, ...]  # entry ids, or "concept:<id>"
    title: Text
    rows: tuple[ComparisonRow, ...]
    summary: Text
    curated: bool = True


@dataclass(frozen=True)
class TrailStep:
    step: int
    title: Text
    summary: Text
    todo: Text
    next: Text
    keywords: TextList
    map_projects: tuple[tuple[str, str], ...]  # (entry id, maturity printed on the 2020 map)
    projects: tuple[str, ...]  # projects serving the step today


@dataclass(frozen=True)
class CatalogSource:
    name: str
    url: str
    license: str
    data_date: str
    commit: str = ""


@dataclass
class Candidate:
    """A thing the question may refer to, with how sure we are."""

    kind: Literal["entry", "concept"]
    id: str
    score: float
    matched: str  # the alias or name that matched
    span: tuple[int, int] = (0, 0)  # token span in the question


@dataclass
class Answer:
    """What the engine says. Renderers turn it into text, Block Kit or JSON."""

    intent: str
    lang: Lang
    question: str
    projects: list[Entry] = field(default_factory=list)
    step: int | None = None
    concept: Concept | None = None
    comparison: Comparison | None = None
    maturity: str | None = None
    category: str | None = None
    reasons: dict[str, str] = field(default_factory=dict)  # recommend: why each was picked
    need: str = ""  # recommend: the needs understood, in the question's words
    did_you_mean: bool = False
    hint: str = ""  # unknown: what to try instead
    trail: list[TrailStep] = field(default_factory=list)  # trailmap: the step(s) shown
    concepts: list[Concept] = field(default_factory=list)  # did-you-mean concept candidates
    fact: tuple[str, str | None] | None = None  # project: (transition, date) a date question leads with
    year: int | None = None  # list: the year a date filter keeps
    transition: str | None = None  # list: the step of life the date filter is on (graduated, ...)
    newest: bool = False  # list: newest first
    count: int | None = None  # list: a "how many" question; the count of `projects`
    instead_of: str | None = None  # recommend: the entry id alternatives were asked for

    def render_key(self) -> tuple:
        """Everything a renderer reads from this Answer, as a hashable key: two answers with the
        same key render the same, so renderings can be remembered (the catalog never changes)."""
        return (self.intent, self.lang, self.did_you_mean, tuple(e.id for e in self.projects), self.step,
                self.concept.id if self.concept else None, self.comparison.id if self.comparison else None,
                self.comparison.curated if self.comparison else None, self.maturity, self.category,
                tuple(sorted(self.reasons.items())), self.need, tuple(c.id for c in self.concepts),
                tuple(s.step for s in self.trail), self.question if self.intent == "recommend" else "",
                self.fact, self.year, self.transition, self.newest, self.count, self.instead_of, self.hint)
