"""Scoring the engine against labelled question sets: the measure of understanding.

A case is a question and what a right answer holds (the format of the project's labelled sets in
tests/knowledge/cases/, the same keys as the CNCF eval sample):

  intent   the intent, or a list of acceptable intents
  top1     the project that must come first in `projects`
  all      projects that must all appear in `projects`
  top3     one of these must be among the first three
  none     none of these may appear (alternatives never recommend the thing they replace)
  count    exactly this many projects (counts and date-filtered lists)
  step     the trail-map step
  concept  keys one of which must occur in the concept's id or name
  maturity the list's maturity filter, when the answer has one
  fact     the date a one-line fact leads with (graduated, incubating, accepted, archived)
  after    a conversation so far (one message or a list): `q` is then its next message, a
           follow-up answered against what the bot said before (knowledge.followup)

Names compare normalized (lowercase letters and digits) by containment. Everything here works on
the JSON object of the `cncf-bot ask --json` contract, so it scores exactly what scripts see.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HANGUL = re.compile(r"[\uac00-\ud7a3]")
KNOWN_KEYS = {"q", "intent", "top1", "all", "top3", "none", "count", "step", "concept", "maturity", "fact", "after"}


def converse(engine, q: str, after=None):
    """The Answer to `q` as the next message of a conversation whose earlier messages are `after`."""
    from .followup import follow_up, remember

    memory = None
    for message in ([after] if isinstance(after, str) else list(after or [])):
        memory = remember(follow_up(engine, str(message), memory), memory)
    return follow_up(engine, q, memory)


class CaseFileError(ValueError):
    """A labelled set that cannot be read; the message says which file and what is wrong."""


def norm(s) -> str:
    return re.sub(r"[^0-9a-z]", "", str(s or "").lower())


def _names(projects) -> list[str]:
    return [norm(p.get("id")) + "|" + norm(p.get("name")) if isinstance(p, dict) else norm(p)
            for p in projects or []]


def _has(key, cand: str) -> bool:
    key = norm(key)
    return bool(key) and any(key in c for c in cand.split("|"))


def intents_of(case: dict) -> list[str]:
    return case["intent"] if isinstance(case["intent"], list) else [case["intent"]]


def judge(case: dict, r: dict | None) -> tuple[bool, str]:
    """Is answer `r` (the ask --json object) right for `case`? (ok, why not)."""
    if not isinstance(r, dict):
        return False, "no answer"
    want = intents_of(case)
    got = r.get("intent")
    if got not in want:
        return False, f"intent {got!r}, want {'/'.join(want)}"
    ps = _names(r.get("projects"))
    if "top1" in case and not (ps and _has(case["top1"], ps[0])):
        return False, f"top1 {ps[:3]}"
    if "all" in case:
        miss = [k for k in case["all"] if not any(_has(k, p) for p in ps)]
        if miss:
            return False, f"missing {miss} in {ps[:8]}"
    if "top3" in case and not any(_has(k, p) for k in case["top3"] for p in ps[:3]):
        return False, f"top3 {ps[:3]}"
    if "none" in case:
        bad = [k for k in case["none"] if any(_has(k, p) for p in ps)]
        if bad:
            return False, f"should not list {bad}"
    if "count" in case and len(ps) != int(case["count"]):
        return False, f"count {len(ps)}, want {case['count']}"
    if "step" in case and r.get("step") != case["step"]:
        return False, f"step {r.get('step')!r}"
    if "concept" in case and got == "concept":
        con = r.get("concept") or {}
        cand = norm(con.get("id")) + "|" + norm(con.get("name")) if isinstance(con, dict) else norm(con)
        if not any(norm(k) in cand for k in case["concept"]):
            return False, f"concept {con!r}"
    if "maturity" in case and r.get("maturity") is not None and norm(r["maturity"]) != norm(case["maturity"]):
        return False, f"maturity {r.get('maturity')!r}"
    if "fact" in case:
        fact = r.get("fact") or {}
        if fact.get("kind") != case["fact"]:
            return False, f"fact {fact.get('kind')!r}, want {case['fact']}"
    return True, ""


def load_cases(path: Path | str) -> list[dict]:
    """The cases of one labelled set, checked: a bad file is one clear message, not a traceback."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaseFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise CaseFileError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list) or not cases:
        raise CaseFileError(f"{path}: expected a mapping with a non-empty 'cases' list")
    problems = []
    for i, c in enumerate(cases, 1):
        if not isinstance(c, dict) or not isinstance(c.get("q"), str) or "intent" not in c:
            problems.append(f"case {i}: needs q (text) and intent")
            continue
        unknown = set(c) - KNOWN_KEYS
        if unknown:
            problems.append(f"case {i} ({c['q'][:40]!r}): unknown keys {sorted(unknown)}")
        after = c.get("after")
        if after is not None and not (isinstance(after, str) or (isinstance(after, list)
                                                                 and all(isinstance(m, str) for m in after))):
            problems.append(f"case {i} ({c['q'][:40]!r}): after must be a message or a list of messages")
    if problems:
        raise CaseFileError(f"{path}: " + "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""))
    return cases


@dataclass
class Report:
    name: str
    total: int = 0
    right: int = 0
    groups: dict[str, list[int]] = field(default_factory=dict)  # "intent" and "intent/ko" -> [right, total]
    langs: dict[str, list[int]] = field(default_factory=dict)  # "en"/"ko" -> [right, total]
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0

    def rate_of(self, key: str, table: str = "langs") -> float:
        r, n = getattr(self, table).get(key, [0, 0])
        return r / n if n else 1.0

    def lines(self, show_failures: bool = True) -> list[str]:
        out = [f"{self.name}: {self.right}/{self.total} ({100 * self.rate:.1f}%)"]
        for lang in sorted(self.langs):
            r, n = self.langs[lang]
            out.append(f"  {lang:18s} {r:4d}/{n:<4d} {100 * r / n:5.1f}%")
        for g in sorted(self.groups):
            r, n = self.groups[g]
            out.append(f"  {g:18s} {r:4d}/{n:<4d} {100 * r / n:5.1f}%")
        if show_failures:
            out += [f"  FAIL {q!r}: {why}" for q, why in self.failures]
        return out


def score(name: str, cases: list[dict], answer) -> Report:
    """Score `answer(question, after) -> ask --json object` on the cases, by intent and language
    (`after`: the conversation before the question, None for a question on its own)."""
    rep = Report(name)
    for c in cases:
        ok, why = judge(c, answer(c["q"], c.get("after")))
        lang = "ko" if HANGUL.search(c["q"]) else "en"
        group = intents_of(c)[0]
        for table, key in (("groups", group), ("groups", f"{group}/{lang}"), ("langs", lang)):
            cell = getattr(rep, table).setdefault(key, [0, 0])
            cell[0] += ok
            cell[1] += 1
        rep.total += 1
        rep.right += ok
        if not ok:
            rep.failures.append((c["q"], why))
    return rep
