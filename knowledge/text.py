"""Normalizing questions: cleaning, tokens, Korean particles and jamo, a light English stem."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_QUESTION = 400  # characters looked at; a question longer than this is cut, never refused

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff\ufffd]")
_TOKEN = re.compile(r"[0-9a-z]+|[\uac00-\ud7a3]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")

# Korean particles and endings that trail a name ("예거가", "헬름이란", "argo랑"), longest first.
PARTICLES = tuple(sorted("""
이랑 랑 하고 와 과 은 는 이 가 을 를 의 에 에서 에게 로 으로 도 만 이란 란 이란게 란게 이란건 란건
이야 야 이에요 예요 이냐 부터 까지 보다 처럼 같은 이고 이며 으로는 로는 에는 에선 에서는 이라는 라는 이라고 라고
인가 인가요 가요 는요 은요 이요 을까 를까 같은거 이나
""".split(), key=len, reverse=True))


def clean(question: str) -> str:
    """What the engine reads: printable text, NFKC-folded, at most MAX_QUESTION characters."""
    if not isinstance(question, str):
        question = str(question or "")
    text = unicodedata.normalize("NFKC", question[: MAX_QUESTION * 2])
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())[:MAX_QUESTION]


def detect_lang(text: str) -> str:
    return "ko" if _HANGUL.search(text) else "en"


# Korean spellings that vary in everyday writing, folded to one form (in names and questions alike).
SPELLING_VARIANTS = (("메쉬", "메시"), ("워크플로우", "워크플로"), ("컨테이너드", "컨테이너디"))


def tokens(text: str) -> list[str]:
    low = text.lower()
    if _HANGUL.search(low):
        for variant, canonical in SPELLING_VARIANTS:
            low = low.replace(variant, canonical)
    return _TOKEN.findall(low)


def is_hangul(token: str) -> bool:
    return bool(token) and "\uac00" <= token[0] <= "\ud7a3"


@lru_cache(maxsize=8192)
def strip_particle(token: str) -> str | None:
    """The token without a trailing particle, or None when it has none to strip."""
    if not is_hangul(token):
        return None
    for p in PARTICLES:
        if len(token) > len(p) and token.endswith(p):
            return token[: -len(p)]
    return None


def jamo(text: str) -> str:
    """Hangul syllables split into jamo (NFD), so 예거/예가 differ by one letter, not one syllable."""
    return unicodedata.normalize("NFD", text)


@lru_cache(maxsize=8192)
def stem(token: str) -> str:
    """A light English stem for need keywords, the same on both sides of a match:
    clusters -> cluster, policies -> policy, monitoring -> monitor, logging -> log, tracing/trace -> trac."""
    if len(token) == 3 and token.isalpha() and token.endswith("s") and token[1] not in "aeiou":
        return token[:2]  # vms -> vm, crs -> cr: short plurals of abbreviations
    if is_hangul(token) or len(token) <= 3:
        return token
    t = token
    if t.endswith("ies") and len(t) > 4:
        t = t[:-3] + "y"
    elif t.endswith(("sses", "xes", "ches", "shes")):
        t = t[:-2]
    elif t.endswith("s") and not t.endswith(("ss", "us", "is")):
        t = t[:-1]
    if t.endswith("tion") and len(t) > 6:
        t = t[:-3]  # collection -> collect, detection -> detect
    elif t.endswith("ment") and len(t) > 7:
        t = t[:-4]  # management -> manage
    if t.endswith("ing") and len(t) > 5:
        t = _undouble(t[:-3])
    elif t.endswith("ed") and len(t) > 4:
        t = _undouble(t[:-2])
    if t.endswith("e") and len(t) > 4:
        t = t[:-1]
    return t


def _undouble(t: str) -> str:
    return t[:-1] if len(t) > 2 and t[-1] == t[-2] and t[-1] in "bdgmnpt" else t


def first_sentence(text: str, limit: int = 300) -> str:
    """The first sentence of a summary (ends at . ! ? or 다.), for one-line mentions."""
    m = re.match(r"(.+?[.!?。])(\s|$)", text.strip())
    return (m.group(1) if m else text.strip())[:limit]
