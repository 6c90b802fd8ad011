"""Retrieval over the projects' own words: any word a project's text uses can serve a need.

Need keywords are curated and exact; people describe needs in words no keyword list foresaw
("what do we bolt on so prometheus keeps a year of metrics"). Each CNCF project's summary,
features, "use it when" and keywords, in both languages, are one document; a question's words
that are not names score the documents with Okapi BM25 (k1 = 1.2, b = 0.75, the usual values).

Hand-rolled rather than bm25s: 255 short documents make a dictionary of postings enough, and
importing bm25s pulls in scipy (about 160 ms), a third of the cold-start budget of `cncf-bot ask`.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict

from .loader import Catalog
from .text import is_hangul, stem, strip_particle, tokens
from .vocab import COMPARE_WORDS, DEFINE_WORDS, HELP_WORDS, RECOMMEND_WORDS, STOP_EN, STOP_KO

K1 = 1.2
B = 0.75
_PLAIN = STOP_EN | STOP_KO | COMPARE_WORDS | RECOMMEND_WORDS | HELP_WORDS | DEFINE_WORDS


def term(t: str) -> str | None:
    """The form a word is indexed and looked up by: Korean without its particle, English stemmed."""
    if t in _PLAIN or t.isdigit() or len(t) < 2:
        return None
    base = (strip_particle(t) or t) if is_hangul(t) else stem(t)
    return None if base in _PLAIN or len(base) < 2 else base


class ProjectRetriever:
    def __init__(self, catalog: Catalog, names: set[str]):
        """`names`: exact name keys, never terms (a project's text naming another project says
        nothing about the need)."""
        self.postings: dict[str, list[tuple[str, int]]] = defaultdict(list)
        lengths: dict[str, int] = {}
        for e in catalog.projects:
            if e.maturity == "archived":
                continue
            text = " ".join((e.summary.en, e.summary.ko, e.use_when.en, e.use_when.ko, *e.features.en,
                             *e.features.ko, *e.keywords.en, *e.keywords.ko))
            terms = [x for x in (term(t) for t in tokens(text)) if x and x not in names]
            if not terms:
                continue
            lengths[e.id] = len(terms)
            for t, n in Counter(terms).items():
                self.postings[t].append((e.id, n))
        self.lengths = lengths
        self.avg = sum(lengths.values()) / max(1, len(lengths))
        n = len(lengths)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, words: list[str]) -> dict[str, float]:
        """BM25 of every project that shares a term with `words`, each term counted once."""
        out: dict[str, float] = defaultdict(float)
        for t in dict.fromkeys(x for x in (term(w) for w in words) if x):
            idf = self.idf.get(t)
            if idf is None:
                continue
            for pid, tf in self.postings[t]:
                norm = tf + K1 * (1 - B + B * self.lengths[pid] / self.avg)
                out[pid] += idf * tf * (K1 + 1) / norm
        return dict(out)
