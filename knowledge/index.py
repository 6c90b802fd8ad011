"""Indexes built once from the catalog: names and aliases, need keywords, trail-map topics.

Exact lookups are dictionaries keyed by the joined, normalized tokens of a name ("argo cd",
"argo-cd" and "argocd" all give "argocd"). Fuzzy lookups run rapidfuzz's Indel ratio over
names of a similar length only, Korean compared as jamo; names of 4 characters or fewer
only ever match exactly.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .loader import Catalog
from .lru import LRU
from .text import jamo, stem, tokens
from .vocab import CATEGORY_WORDS, STOP_EN, STOP_KO

MIN_FUZZY_LEN = 5  # names of 4 characters (jamo for Korean) or fewer need an exact match
FUZZY_CUTOFF = 75.0  # weakest match offered as "did you mean"
NAME_PREFIX = 4  # characters of a key indexed to skip runs that cannot begin a name or a need keyword

# How much an exact name counts, by kind: a CNCF project over a concept over another entry.
PRIORITY = {"project": 3, "concept": 2, "entry": 1}


@dataclass(frozen=True)
class Target:
    kind: str  # "project" (CNCF), "entry" (other landscape entry) or "concept"
    id: str
    label: str  # the name or alias that gave this key


def key_of(text: str) -> str:
    return "".join(tokens(text))


@dataclass
class Index:
    exact: dict[str, list[Target]] = field(default_factory=dict)
    fuzzy_keys: dict[int, list[str]] = field(default_factory=dict)  # by length: comparable strings
    fuzzy_targets: dict[str, str] = field(default_factory=dict)  # comparable string -> exact key
    need: dict[str, dict[str, float]] = field(default_factory=dict)  # keyword key -> project -> weight
    need_max_len: int = 1
    need_bags: dict[str, list[tuple[frozenset[str], str]]] = field(default_factory=dict)  # stem -> (bag, key)
    need_words: dict[str, dict[str, float]] = field(default_factory=dict)  # one word of a longer keyword
    step_words: dict[str, set[int]] = field(default_factory=dict)
    category_words: dict[str, str] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)  # every token some name or keyword uses
    common_word_names: set[str] = field(default_factory=set)  # entry names that are everyday words
    # every prefix of up to NAME_PREFIX characters of a name's key -> the longest key it begins
    name_prefixes: dict[str, int] = field(default_factory=dict)
    need_prefixes: dict[str, int] = field(default_factory=dict)  # the same for need and step keywords
    # comparable strings by (length, first letter) and (length, second letter)
    _by_first: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    _by_second: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    # candidate pools by (length looked up, letters): the index never changes, so nothing
    # invalidates them; bounded, since every new pair of letters makes one
    _pools: LRU = field(default_factory=lambda: LRU(4096))
    # fuzzy lookups by the word looked up; the index never changes, so nothing invalidates them
    _fuzzy_memo: LRU = field(default_factory=lambda: LRU(20000))

    # -- exact and fuzzy names ------------------------------------------------------------------
    def add_name(self, text: str, target: Target) -> None:
        key = key_of(text)
        if not key:
            return
        bucket = self.exact.setdefault(key, [])
        if any(t.kind == target.kind and t.id == target.id for t in bucket):
            return
        bucket.append(target)
        bucket.sort(key=lambda t: -PRIORITY[t.kind])
        self.vocabulary.update(tokens(text))
        for n in range(1, min(NAME_PREFIX, len(key)) + 1):
            p = key[:n]
            self.name_prefixes[p] = max(self.name_prefixes.get(p, 0), len(key))

    def finish_fuzzy(self) -> None:
        by_len: dict[int, list[str]] = defaultdict(list)
        for key, targets in self.exact.items():
            comparable = jamo(key)
            if len(comparable) < MIN_FUZZY_LEN or key.isdigit():
                continue
            # Other landscape entries are many and often plain words: exact matches only.
            if not any(t.kind != "entry" for t in targets):
                continue
            self.fuzzy_targets[comparable] = key
            by_len[len(comparable)].append(comparable)
        self.fuzzy_keys = dict(by_len)
        for length, keys in by_len.items():
            for k in keys:
                self._by_first.setdefault((length, k[0]), []).append(k)
                if len(k) > 1:
                    self._by_second.setdefault((length, k[1]), []).append(k)

    def fuzzy(self, text: str, limit: int = 3) -> list[tuple[str, float]]:
        """Exact keys whose names look like `text`, best first: [(key, score)]. Remembered:
        words repeat across questions, and the index never changes."""
        # bounded: a long-running bot meets endless typos
        return self._fuzzy_memo.get_or_compute(text, lambda: self._fuzzy(text, limit))

    def _fuzzy(self, text: str, limit: int) -> list[tuple[str, float]]:
        comparable = jamo(text)
        n = len(comparable)
        if n < MIN_FUZZY_LEN - 1:
            return []
        # Typos keep a name's first letter (jamo, in Korean) far more often than not: look there
        # first, and for long words, where a slip in the first letter still shows, among names
        # that a slip there could give (see _slip_pool), never across every name.
        found = process.extract(comparable, self._pool(n, comparable[0]), scorer=fuzz.ratio,
                                score_cutoff=FUZZY_CUTOFF, limit=limit + 2)
        if not found and n >= 7:
            found = process.extract(comparable, self._slip_pool(n, comparable[0], comparable[1]), scorer=fuzz.ratio,
                                    score_cutoff=FUZZY_CUTOFF, limit=limit + 2)
        out: list[tuple[str, float]] = []
        seen: set[str] = set()
        for cand, score, _ in found:
            key = self.fuzzy_targets[cand]
            if key not in seen:
                seen.add(key)
                out.append((key, score))
        return out[:limit]

    def _slip_pool(self, n: int, first: str, second: str) -> list[str]:
        """Names a slip in the first letter could have come from: a wrong first letter (same
        second letter), a letter typed before the name (its first letter is our second), the
        first letter dropped or swapped (its second letter is our first)."""
        def build() -> list[str]:
            out: dict[str, None] = {}
            for length in self._lengths(n):
                for table, ch in ((self._by_second, second), (self._by_first, second), (self._by_second, first)):
                    out.update(dict.fromkeys(table.get((length, ch), ())))
            return list(out)
        return self._pools.get_or_compute((n, first, second), build)

    def _pool(self, n: int, first: str) -> list[str]:
        """Names long enough to reach the cutoff against a string of length n (Indel ratio bound)
        that start with `first`."""
        return self._pools.get_or_compute(
            (n, first), lambda: [k for length in self._lengths(n) for k in self._by_first.get((length, first), ())])

    @staticmethod
    def _lengths(n: int) -> range:
        return range(max(MIN_FUZZY_LEN, int(n * 0.6)), int(n * 1.67) + 2)


def build_index(catalog: Catalog) -> Index:
    idx = Index()
    # a concept's own names: a project's abbreviation that equals one ("Container Network Interface
    # (CNI)") leaves the word to the concept, which names the project among its own
    concept_keys = {key_of(t) for c in catalog.concepts.values() for t in (c.name.en, c.name.ko, *c.aliases)}
    for e in catalog.entries.values():
        kind = "project" if e.is_cncf else "entry"
        target = Target(kind, e.id, e.name)
        idx.add_name(e.name, target)
        base = re.sub(r"\([^)]*\)", " ", e.name).strip()
        if base and base != e.name:
            idx.add_name(base, target)
            for inner in re.findall(r"\(([^)]*)\)", e.name):
                if e.is_cncf and key_of(inner) not in concept_keys:  # "Open Policy Agent (OPA)": its own
                    idx.add_name(inner, target)
        for alias in e.aliases:
            idx.add_name(alias, target)
        if e.is_cncf:
            idx.add_name(e.id, target)
            if e.name_ko:
                idx.add_name(e.name_ko, target)
    for c in catalog.concepts.values():
        target = Target("concept", c.id, c.name.en)
        for text in (c.name.en, c.name.ko, *c.aliases):
            idx.add_name(text, target)
    idx.finish_fuzzy()
    idx.common_word_names = _common_word_names(idx, catalog)
    _build_needs(idx, catalog)
    _build_steps(idx, catalog)
    for key in (*idx.need, *idx.step_words):
        for n in range(1, min(NAME_PREFIX, len(key)) + 1):
            idx.need_prefixes[key[:n]] = max(idx.need_prefixes.get(key[:n], 0), len(key))
    idx.category_words = {key_of(k): v for k, v in CATEGORY_WORDS.items()}
    return idx


_PROSE_WORD = re.compile(r"(?<![A-Za-z\-])[a-z]+(?![A-Za-z\-])")


def _common_word_names(idx: Index, catalog: Catalog) -> set[str]:
    """Names of other landscape entries that are everyday English words ("Keep", "Scale", "Block"):
    a capitalized one-word name that the catalog's own prose uses in lowercase, as a word. Found
    from the data, so a new entry of that kind needs no list."""
    seen: dict[str, int] = defaultdict(int)
    texts = [t for e in catalog.entries.values() for t in (e.summary.en, e.use_when.en, e.avoid_when.en, *e.features.en)]
    texts += [c.summary.en for c in catalog.concepts.values()]
    for text in texts:
        for w in _PROSE_WORD.findall(text):
            seen[w] += 1
    out = set()
    for e in catalog.entries.values():
        key = key_of(e.name)
        if (not e.is_cncf and e.name[:1].isupper() and e.name.isalpha() and seen.get(key, 0) >= 2
                and all(t.kind == "entry" for t in idx.exact.get(key, ()))):
            out.add(key)
    return out


def need_key(text: str) -> str:
    return "".join(stem(t) for t in tokens(text))


def _build_needs(idx: Index, catalog: Catalog) -> None:
    """Three views of the projects' need keywords, each keyword -> {project: weight}:
    whole keywords (rarer ones weigh more, an idf), the same as bags of words in any order,
    and single words of multi-word keywords as a weak signal ("보안" in "보안 스캔")."""
    raw: dict[str, set[str]] = defaultdict(set)
    bags: dict[str, list[tuple[frozenset[str], str]]] = defaultdict(list)
    words: dict[str, set[str]] = defaultdict(set)
    for e in catalog.entries.values():
        if not e.is_cncf or e.maturity == "archived":
            continue
        for kw in (*e.keywords.en, *e.keywords.ko):
            k, parts = need_key(kw), tokens(kw)
            if not k or k in STOP_EN or k in STOP_KO or _names_another_project(idx, key_of(kw), e.id):
                continue  # "containerd" as Kuasar's need would answer questions about containerd
            raw[k].add(e.id)
            idx.need_max_len = max(idx.need_max_len, len(parts))
            if len(parts) < 2:
                continue
            bag = frozenset(stem(t) for t in parts)
            if (bag, k) not in bags[stem(parts[-1])]:
                bags[stem(parts[-1])].append((bag, k))
            for t in parts:
                # names are not needs: "쿠버네티스" in "쿠버네티스 보안" says nothing about the need
                if len(t) >= 2 and t not in STOP_EN and t not in STOP_KO and t not in idx.exact:
                    words[stem(t)].add(e.id)
    idx.need_bags = dict(bags)
    n = max(1, sum(1 for e in catalog.entries.values() if e.is_cncf))
    for k, ids in raw.items():
        weight = math.log(1 + n / len(ids))
        idx.need[k] = {i: weight for i in ids}
        idx.vocabulary.update([k])
    for k, ids in words.items():
        weight = 0.35 * math.log(1 + n / len(ids))
        idx.need_words[k] = {i: weight for i in ids}


def _names_another_project(idx: Index, key: str, own: str) -> bool:
    return any(t.kind == "project" and t.id != own for t in idx.exact.get(key, ()))


def _build_steps(idx: Index, catalog: Catalog) -> None:
    for s in catalog.steps.values():
        for kw in (*s.keywords.en, *s.keywords.ko, s.title.en, s.title.ko):
            k = need_key(kw)
            if k:
                idx.step_words.setdefault(k, set()).add(s.step)
