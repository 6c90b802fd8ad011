"""Reading a question: what names, needs and cue words it contains, before any decision.

1. clean it, guess its language (any Hangul: Korean), split it into tokens;
2. find the names it mentions: every run of up to 6 tokens is looked up exactly (Korean runs
   also without a trailing particle, English ones also in the singular), then what is left is
   looked up fuzzily, run by run (at most 3 tokens);
3. note its cue words (compare, recommend, list, trail map, help), the needs it names, the
   category, maturity and trail-map step it mentions.
No step ever scores the whole question against a name: long questions would drown the name.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .index import MIN_FUZZY_LEN, NAME_PREFIX, Index, Target
from .lru import LRU
from .text import PARTICLES, clean, detect_lang, stem, strip_particle, tokens
from .vocab import (
    CARDINALS,
    COMPARE_WORDS,
    DEFINE_WORDS,
    HELP_WORDS,
    MATURITY_WORDS,
    NEED_SYNONYMS,
    ORDINALS,
    RECOMMEND_WORDS,
    STEP_RE,
    STOP_EN,
    STOP_KO,
    TRAIL_WORDS,
)

_PARTICLES = frozenset(PARTICLES)
CONFIDENT = 88.0  # below it (down to index.FUZZY_CUTOFF) the answer is "did you mean"  # a fuzzy match at least this good, and clear of the runner-up, answers directly
TIE_MARGIN = 3.0
MAX_WINDOW = 6  # the longest project name, "Visual Studio Code Kubernetes Tools", has 5 tokens
MAX_RECOMMEND = 5
CONTEXT_PROJECTS = frozenset({"kubernetes"})
CONTEXT_CONCEPTS = frozenset({"cncf"})  # the setting of most questions, rarely their subject


def maturity_of(token: str) -> str | None:
    """The maturity level a token names; with a Korean particle or ending ("샌드박스로") still one."""
    return MATURITY_WORDS.get(token) or MATURITY_WORDS.get(strip_particle(token) or "")


@dataclass
class Match:
    target: Target
    score: float
    span: tuple[int, int]
    exact: bool
    alternatives: list[tuple[Target, float]] = field(default_factory=list)

    @property
    def confident(self) -> bool:
        if self.exact:
            return True
        runner_up = max((s for t, s in self.alternatives if t.id != self.target.id), default=0.0)
        return self.score >= CONFIDENT and self.score - runner_up >= TIE_MARGIN


@dataclass
class Reading:
    """What the engine read in a question, before choosing an intent."""

    text: str
    lang: str
    toks: list[str]
    matches: list[Match]
    needs: dict[str, list[str]]  # project id -> the keywords that matched it
    need_scores: dict[str, float]
    category: str | None
    maturity: str | None
    step: int | None
    step_from_words: int | None
    cues: set[str]
    need_span: tuple[int, int] | None = None  # the longest need phrase found
    maturity_pos: int = -1  # token index of the maturity word, if any
    need_cells: set[int] = field(default_factory=set)  # tokens some need keyword explained
    strong_need: bool = False  # a whole need keyword matched (single words of phrases are weak)
    strong_projects: frozenset[str] = frozenset()  # projects some whole need keyword credited
    bad_step: int | None = None  # a trail step asked for that does not exist ("step 11")


def _any_of(phrases) -> re.Pattern:
    return re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))


_TRAIL_RE = _any_of(TRAIL_WORDS)


@dataclass
class NeedHits:
    why: dict[str, list[str]]
    scores: dict[str, float]
    step: int | None
    longest: tuple[int, int] | None
    cells: set[int]
    phrase_spans: list[tuple[int, int]]
    strong: bool  # some whole keyword matched, not only single words of longer ones
    strong_ids: frozenset[str] = frozenset()  # the projects whole keywords credited


class Reader:
    """Reads questions against one catalog's index."""

    def __init__(self, index: Index):
        self.index = index
        self._common: LRU = LRU(20000)
        self._step_re = re.compile(STEP_RE)

    def read(self, question: str) -> Reading:
        text = clean(question)
        lang = detect_lang(text)
        low = text.lower()
        toks = tokens(low)
        matches, echo = self._match_names(toks)
        if any(not m.confident for m in matches):
            # A weak guess stands only when nothing else in the question needs explaining:
            # "what is istoi" is about a name; "what kinds of questions can I ask" is not about kbind.
            taken = {k for m in matches for k in range(*m.span)}
            rest = [t for k, t in enumerate(toks) if k not in taken and not self._plain(t)]
            if rest:
                matches = [m for m in matches if m.confident]
        # Need words may overlap a concept or Kubernetes ("backup kubernetes"), not another project.
        # Other landscape entries may be needs too: "run postgres on kubernetes" wants CloudNativePG.
        # A guessed (fuzzy) name does not hide need words either: "multi-cluster management".
        covered = {i for m in matches if m.target.kind == "project" and m.target.id not in CONTEXT_PROJECTS
                   and m.exact for i in range(*m.span)} | echo
        nh = self._match_needs(toks, covered)
        cues = self._cues(low, toks)
        levels = [maturity_of(t) for t in toks]
        maturity_pos = next((i for i, m in enumerate(levels) if m), -1)
        maturity = levels[maturity_pos] if maturity_pos >= 0 else None
        category, cat_span = self._category(toks)
        if cat_span and any(a <= cat_span[0] and cat_span[1] <= b and b - a > cat_span[1] - cat_span[0]
                            for a, b in nh.phrase_spans):
            category = None  # "long term storage": the category word is part of a longer need
        m = self._step_re.search(low)
        step = int(m.group(1) or m.group(2)) if m else None
        if step is None:
            step = next((ORDINALS[t] for t in toks if t in ORDINALS), None)
        if step is None:
            step = next((CARDINALS[b] for a, b in zip(toks, toks[1:]) if a == "step" and b in CARDINALS), None)
        if step is None and _TRAIL_RE.search(low):
            nums = [int(t) for t in toks if t.isdigit()]
            step = nums[0] if len(nums) == 1 else None  # "trail map 6"
        bad_step = None
        if step is not None and not 1 <= step <= 10:
            step, bad_step = None, step
        return Reading(text, lang, toks, matches, nh.why, nh.scores, category, maturity, step, nh.step, cues,
                       nh.longest, maturity_pos, nh.cells, nh.strong, nh.strong_ids, bad_step=bad_step)

    def _windows(self, toks: list[str], longest: int, prefixes: dict[str, int]):
        """(start, end, key, plural) for runs of up to `longest` tokens, longest runs first, Korean
        with and without particle; only runs whose joined text can begin a name (`prefixes`: a
        name's first characters -> its longest key): a long question has hundreds of runs and
        only a few can begin a name."""
        limits = [self._room(t, prefixes) for t in toks]
        for n in range(min(longest, len(toks)), 0, -1):
            for i in range(len(toks) - n + 1):
                if limits[i] <= 0:
                    continue
                run = toks[i:i + n]
                if n == 1 and (run[0] in STOP_EN or run[0] in STOP_KO):
                    continue
                key = "".join(run)
                if len(key) > limits[i] + 3:  # +3: a particle or plural "s" still to strip
                    continue
                yield i, i + n, key, False
                stripped = strip_particle(run[-1])
                if stripped:
                    yield i, i + n, "".join(run[:-1]) + stripped, False
                elif len(run[-1]) > 3 and run[-1].endswith("s") and run[-1].isascii():
                    yield i, i + n, key[:-1], True  # "SIGs", "operators"

    @staticmethod
    def _room(t: str, prefixes: dict[str, int]) -> int:
        """How long a key (a name, or a need keyword) beginning with token `t`, or `t` without its
        particle, can be; 0 when none begins so."""
        room = prefixes.get(t[:NAME_PREFIX], 0)
        stripped = strip_particle(t)
        if stripped:  # "케다가": the name "케다" is shorter than the token
            room = max(room, prefixes.get(stripped[:NAME_PREFIX], 0))
        return room

    def _match_names(self, toks: list[str]) -> tuple[list[Match], set[int]]:
        """The names in the question, and the cells of repeated mentions ("컨테이너디 (containerd)")."""
        idx = self.index
        found: list[Match] = []
        content = [t for t in toks if t not in STOP_EN and t not in STOP_KO]
        for i, j, key, plural in self._windows(toks, MAX_WINDOW, idx.name_prefixes):
            targets = idx.exact.get(key)
            if targets and key in idx.common_word_names and len(content) > 1:
                continue  # "keep up the good work" is not about Keep; "keep?" alone may be
            if targets and plural:
                # a singular guessed from a plural names a project or concept, not a company or
                # a tool ("kinds" is not kind)
                targets = [t for t in targets if t.kind != "entry"]
            if targets:
                found.append(Match(targets[0], 100.0, (i, j), True,
                                   [(t, 100.0) for t in targets[1:]]))
        chosen = self._non_overlapping(found)
        covered = {k for m in chosen for k in range(*m.span)}
        fuzzy: list[Match] = []
        for i, j, key, overlap in self._guess_windows(toks, covered):
            hits = idx.fuzzy(key)
            if not hits:
                continue
            hits = [(k, sc) for k, sc in hits if not (k.endswith(key) and len(k) > len(key))]
            if not hits:
                continue  # "serve" is a word, not a typo of KServe: typos do not drop a name's head
            best_key, best = hits[0]
            if overlap and (best < CONFIDENT or j - i < 3 or any(
                    m.target.kind != "concept" for m in chosen if m.span[0] < j and i < m.span[1])):
                continue  # over a short concept only, and only when clearly better: "horizontal pod autoscalar"
            alts = [(idx.exact[k][0], s) for k, s in hits[1:]]
            fuzzy.append(Match(idx.exact[best_key][0], best, (i, j), False, alts))
        # A name found exactly somewhere is not also guessed elsewhere ("backstage ... 계속 백스테이지").
        exact_ids = {(m.target.kind, m.target.id) for m in chosen}
        fuzzy = [m for m in fuzzy if (m.target.kind, m.target.id) not in exact_ids]
        final = sorted(self._non_overlapping(chosen + fuzzy), key=lambda m: m.span)
        ids = {m.target.id for m in final}
        taken = {k for m in final for k in range(*m.span)}
        echo = {k for m in found if m.target.id in ids for k in range(*m.span)} - taken
        return final, echo

    def _guess_windows(self, toks: list[str], covered: set[int]):
        """(start, end, key, overlap) of the runs of up to 3 tokens worth a fuzzy lookup, longest
        first: runs that are not only common words, not wholly inside an exact name, and, for
        several tokens, neither beginning nor ending on a stop word nor made only of known words."""
        idx = self.index
        stop = [self._stop(t) for t in toks]
        common = [self._common_word(t) for t in toks]
        known = [t in idx.vocabulary for t in toks]
        inside = [k in covered for k in range(len(toks))]
        for n in (3, 2, 1):
            for i in range(len(toks) - n + 1):
                j = i + n
                if n > 1 and (stop[i] or stop[j - 1] or all(known[i:j])):
                    continue  # a guessed name does not begin or end on a stop word; known words
                    # that are no name together are not a typo of one
                if all(common[i:j]) or all(inside[i:j]):
                    continue
                overlap = sum(inside[i:j])
                run = toks[i:j]
                keys = ["".join(run)]
                stripped = strip_particle(run[-1])
                if stripped:
                    keys.append("".join(run[:-1]) + stripped)
                elif len(run[-1]) > 3 and run[-1].endswith("s") and run[-1].isascii():
                    keys.append(keys[0][:-1])
                for key in keys:
                    if (n == 3 and len(key) < 12) or (key.isascii() and len(key) < MIN_FUZZY_LEN - 1):
                        continue
                    yield i, j, key, overlap

    @staticmethod
    def _stop(t: str) -> bool:
        return t in STOP_EN or t in STOP_KO or t in _PARTICLES  # "prometeus 가": a lone particle

    @staticmethod
    def _plain(t: str) -> bool:
        """A word that carries no subject: stop words, cue words, particles-only forms."""
        base = strip_particle(t) or t
        return (t in STOP_EN or t in STOP_KO or base in STOP_KO or t in COMPARE_WORDS or t in RECOMMEND_WORDS
                or t in HELP_WORDS or t in DEFINE_WORDS or t in MATURITY_WORDS or t.isdigit())

    def _is_common(self, run: list[str]) -> bool:
        """Runs made only of plain words, need keywords or cue words are never fuzzy-matched."""
        return all(self._common_word(t) for t in run)

    def _common_word(self, t: str) -> bool:
        # by token; the index never changes, so nothing invalidates these
        hit = self._common.get(t)
        if hit is None:
            idx = self.index
            s = strip_particle(t) or t
            hit = (t in STOP_EN or t in STOP_KO or t in COMPARE_WORDS or t in RECOMMEND_WORDS or t in HELP_WORDS
                   or t in MATURITY_WORDS or t in DEFINE_WORDS or stem(t) in idx.need or s in idx.need
                   or t in idx.category_words or t in idx.step_words)
            self._common.put(t, hit)
        return hit

    @staticmethod
    def _non_overlapping(found: list[Match]) -> list[Match]:
        # Longer spans first, then exact over fuzzy, then by kind priority and score.
        from .index import PRIORITY
        ordered = sorted(found, key=lambda m: (-(m.span[1] - m.span[0]), not m.exact,
                                               -PRIORITY[m.target.kind], -m.score))
        taken: set[int] = set()
        out: list[Match] = []
        seen_ids: set[tuple[str, str]] = set()
        for m in ordered:
            cells = set(range(*m.span))
            if cells & taken or (m.target.kind, m.target.id) in seen_ids:
                continue
            taken |= cells
            seen_ids.add((m.target.kind, m.target.id))
            out.append(m)
        return out

    def _match_needs(self, toks: list[str], covered: set[int]):
        """Need keywords in the question: project -> score, project -> matched phrases, best step.

        Runs are tried longest first; each project is credited for a token at most once, so
        "policy engine" credits a project that lists that phrase, and still credits "policy"
        to projects that only list the single word.
        """
        idx = self.index
        scores: dict[str, float] = defaultdict(float)
        why: dict[str, list[str]] = defaultdict(list)
        credited: dict[str, set[int]] = defaultdict(set)
        phrase_cells: set[int] = set()  # tokens some multi-word keyword already explained
        longest: tuple[int, int] | None = None
        phrase_spans: list[tuple[int, int]] = []
        steps: dict[int, float] = defaultdict(float)
        stems = [stem(NEED_SYNONYMS.get(t, t)) for t in toks]
        # how long a keyword starting at each token can be (0: none starts there)
        room = [max(self._room(st, idx.need_prefixes), self._room(t, idx.need_prefixes))
                for st, t in zip(stems, toks)]
        for n in range(min(idx.need_max_len, len(toks)), 0, -1):
            for i in range(len(toks) - n + 1):
                if not room[i] or (covered and any(k in covered for k in range(i, i + n))):
                    continue
                keys = ["".join(stems[i:i + n])]
                if len(keys[0]) > room[i] + 3:
                    continue
                stripped = strip_particle(toks[i + n - 1])
                if stripped:
                    keys.append("".join(stems[i:i + n - 1]) + stripped)
                for key in keys:
                    for s in idx.step_words.get(key, ()):
                        steps[s] += n
                    hits = idx.need.get(key)
                    if not hits:
                        continue
                    cells = set(range(i, i + n))
                    phrase = " ".join(toks[i:i + n]) if key == keys[0] else key
                    # A word inside a phrase another keyword matched ("message" in "message queue")
                    # counts for less: the person asked for the phrase.
                    damp = 0.4 if cells <= phrase_cells else 1.0
                    for pid, w in hits.items():
                        if cells & credited[pid]:
                            continue
                        credited[pid] |= cells
                        scores[pid] += w * (1 + 0.25 * (n - 1)) * damp
                        why[pid].append(phrase)
                    if n > 1:
                        phrase_cells |= cells
                        phrase_spans.append((i, i + n))
                    if longest is None or n > longest[1] - longest[0]:
                        longest = (i, i + n)
                    break
        # Multi-word keywords in another order or with words between: "signing container images"
        # finds "image signing". Credited a little below an in-order phrase.
        present = {stems[i]: i for i in range(len(toks))}
        for st in list(present):
            for bag, key in idx.need_bags.get(st, ()):
                if not bag <= present.keys():
                    continue
                cells = {present[t] for t in bag}
                if cells <= covered:
                    continue
                for pid, w in idx.need[key].items():
                    if cells & credited[pid]:
                        continue
                    credited[pid] |= cells
                    scores[pid] += w * (1 + 0.2 * (len(bag) - 1))
                    why[pid].append(key if key.isascii() is False else " ".join(sorted(bag)))
        # Single words of longer keywords, weakly: "security" leans towards "kubernetes security".
        strong = bool(scores)
        strong_ids = frozenset(scores)
        weak: set[str] = set()
        for i, st in enumerate(stems):
            if i in covered:
                continue
            for key in (st, strip_particle(toks[i])):
                hits = idx.need_words.get(key) if key else None
                if not hits:
                    continue
                for pid, w in hits.items():
                    if i in credited[pid]:
                        continue
                    credited[pid].add(i)
                    scores[pid] += w
                    why[pid].append(toks[i] if key == st else key)
                    weak.add(pid)
                break
        step = max(steps, key=lambda s: (steps[s], -s)) if steps else None
        need_cells = set().union(*credited.values()) if credited else set()
        return NeedHits(dict(why), dict(scores), step, longest, need_cells, phrase_spans, strong, strong_ids)

    def _category(self, toks: list[str]) -> tuple[str | None, tuple[int, int] | None]:
        words = self.index.category_words
        for n in (2, 1):
            for i in range(len(toks) - n + 1):
                key = "".join(toks[i:i + n])
                stripped = strip_particle(toks[i + n - 1])
                for k in (key, "".join(toks[i:i + n - 1]) + stripped if stripped else None):
                    if k and k in words:
                        return words[k], (i, i + n)
        return None, None

    @staticmethod
    def _cues(low: str, toks: list[str]) -> set[str]:
        """"trail" when the question names the trail map (a thing, like a name: which kind of
        question it is stays the classifier's call)."""
        return {"trail"} if _TRAIL_RE.search(low) else set()
