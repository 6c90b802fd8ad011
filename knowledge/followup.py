"""Follow-up questions in a conversation: "is it graduated?", "compare it with istio", "그거 졸업했어?".

A conversation remembers what the last answer was about (`Memory`: its projects, concept, trail
step, list filter, language and question). `follow_up` answers a new message against it:

1. "in Korean" / "영어로": the last question again, in that language;
2. a message that names its own subject, without a pronoun, is a fresh question;
3. pronouns and short forms ("it", "its", "them", "that one", "그거", "이거", "걔"...) become
   the remembered subject's name, and the message is asked with it;
4. "more details" / "더 자세히": the full card of the subject; "alternatives?" / "대안은?": the
   alternatives to it;
5. a message with no subject of its own that the engine cannot place ("graduated?", "maturity?")
   is asked again about the subject, and that answer is kept when it is one.

Pure: text and memory in, an Answer out.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .model import Answer

# Korean particles a pronoun may carry (그건, 그거는, 그걸, 걔는, 그게...)
_KO_PARTICLE = r"(?:은|는|이|가|을|를|도|의|랑|하고|과|와|로|에|에서)?"
_EN_PRONOUN = re.compile(r"\b(?:it|its|it's|them|they|their|that one|this one|that project|this project|"
                         r"that tool|this tool|the same one)\b", re.IGNORECASE)
_KO_PRONOUN = re.compile(r"(?:그거|이거|저거|그것|이것|저것|그건|이건|저건|그걸|이걸|그게|이게|걔|얘|쟤|"
                         r"그 프로젝트|이 프로젝트|그 도구|이 도구)" + _KO_PARTICLE + r"(?=\s|$|[?!.,])")
_LANG_SWITCH = {
    "ko": re.compile(r"^(?:in korean|korean(?: please)?|한국어로?(?:\s*(?:알려줘|말해줘|해줘|부탁해|설명해줘))?|한글로)\W*$",
                     re.IGNORECASE),
    "en": re.compile(r"^(?:in english|english(?: please)?|영어로(?:\s*(?:알려줘|말해줘|해줘|부탁해|설명해줘))?)\W*$",
                     re.IGNORECASE),
}
_MORE = re.compile(r"^(?:more|more details?|tell me more|details?|more info|go on|"
                   r"더 자세히(?:\s*알려줘)?|자세히(?:\s*알려줘)?|더 알려줘|상세히)\W*$", re.IGNORECASE)
_ALTERNATIVES = re.compile(r"^(?:any )?(?:alternatives?|other options?|something else|similar ones?|"
                           r"대안(?:은|이)?|다른 거(?:는)?|비슷한 거(?:는)?)(?:\s*(?:있어|있나요|있어요|뭐야))?\W*$",
                           re.IGNORECASE)


@dataclass
class Memory:
    """What the last answer of a conversation was about."""

    projects: list[str] = field(default_factory=list)  # entry ids, the subject first
    concept: str | None = None
    step: int | None = None
    maturity: str | None = None
    category: str | None = None
    intent: str = ""
    lang: str = "en"
    question: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Memory | None":
        if not isinstance(data, dict):
            return None
        try:
            return cls(projects=[str(p) for p in data.get("projects") or []][:5],
                       concept=data.get("concept") or None, step=data.get("step"),
                       maturity=data.get("maturity"), category=data.get("category"),
                       intent=str(data.get("intent") or ""), lang="ko" if data.get("lang") == "ko" else "en",
                       question=str(data.get("question") or "")[:500])
        except (TypeError, ValueError):
            return None

    @property
    def has_subject(self) -> bool:
        return bool(self.projects or self.concept)


def remember(answer: Answer, before: Memory | None = None) -> Memory | None:
    """The memory after an answer: its subject when it has one, else what was remembered before."""
    if answer.intent == "unknown" or answer.did_you_mean:
        return before
    projects = [e.id for e in answer.projects][:5]
    concept = answer.concept.id if answer.concept else None
    step = answer.step if answer.step is not None else (answer.trail[0].step if len(answer.trail) == 1 else None)
    if not (projects or concept or step is not None or answer.intent == "list"):
        return before
    return Memory(projects=projects, concept=concept, step=step, maturity=answer.maturity, category=answer.category,
                  intent=answer.intent, lang=answer.lang, question=answer.question[:500])


# Words that ask about a property of the thing being discussed (its maturity, dates, version, site,
# code, makers, uses, safety, differences...): a message with one of them and no subject of its own
# is about the conversation's subject; a message with none ("lunch?", "주말에 뭐해?") is not.
_PROPERTY = re.compile(
    r"(?:\b(?:maturity|mature|graduat\w*|incubat\w*|sandbox|archiv\w*|status|stage|when|since|year|version|"
    r"release|latest|website|homepage|site|url|link|docs?|documentation|github|git|repo|repository|source|"
    r"maintain\w*|who|made|created?|author|company|owner|license|examples?|use cases?|used for|production|prod|"
    r"safe|secure|install|setup|cost|free|open source|alternatives?|similar|different|difference|differ|"
    r"compare|vs|versus|better|faster|lighter|support\w*|cncf|which one|popular)\b|"
    r"성숙|졸업|인큐베이팅|샌드박스|보관|단계|언제|몇 년|버전|릴리스|최신|홈페이지|사이트|주소|링크|문서|깃헙|깃허브|"
    r"저장소|소스|누가|만든|만들|회사|라이선스|예시|사례|어디에 쓰|용도|운영|프로덕션|안전|보안|설치|비용|무료|"
    r"대안|비슷한|차이|달라|다른|비교|더 나|빨라|가벼|지원|쓸 수|써도|어느 쪽|어느 게|많이 쓰|인기)", re.IGNORECASE)
_EXPLAIN = re.compile(r"(?:\bmore\b|details?|tell me more|explain|elaborate|자세히|설명|상세|더 알려|쉽게)", re.IGNORECASE)
_COMPARE = re.compile(r"(?:\bvs\.?\b|versus|compare|compared|comparison|\bdiffer|stack up|against|비교|차이|달라|다른 점|다른가)",
                      re.IGNORECASE)
_LANG_WORD = {"ko": re.compile(r"(?:korean|한국어|한글)", re.IGNORECASE),
              "en": re.compile(r"(?:english|영어)", re.IGNORECASE)}


def follow_up(engine, text: str, memory: Memory | None, preferred: str | None = None) -> Answer:
    """Answer `text` as the next message of a conversation that remembers `memory`."""
    text = (text or "").strip()
    if memory is None or not text:
        return engine.ask(text, preferred)
    reading = engine.read(text)
    named = [m for m in reading.matches if m.exact or m.target.kind in ("project", "entry", "concept")]
    words = re.findall(r"\w+", text)
    if not named and len(words) <= 6 and memory.question:  # "in Korean", "영어로 다시 말해줘"
        for lang, pattern in _LANG_SWITCH.items():
            if pattern.match(text) or _LANG_WORD[lang].search(text):
                return engine.ask(memory.question, lang)
    subject = _subject_name(engine, memory)
    pronoun = _EN_PRONOUN.search(text) or _KO_PRONOUN.search(text)
    asks_property = bool(_PROPERTY.search(text))
    lang = preferred or _lang_of(text, memory.lang)
    if subject is None:
        return engine.ask(text, preferred)
    # "vs calico?", "opa랑 뭐가 달라?", "compare w istio": one new name and a comparison, against the subject
    # exact names first: "against kustomize" is the Kustomize concept, not a guessed "stacker"
    exact = [m for m in named if m.exact] or named
    own = list(dict.fromkeys(m.target.id if m.target.kind in ("project", "entry") else f"concept:{m.target.id}"
                             for m in exact))
    if memory.projects and memory.intent != "concept" and _COMPARE.search(text) and len(own) == 1 \
            and own[0] not in memory.projects:
        return engine.compare_answer([memory.projects[0], own[0]], lang)
    if memory.intent == "list" and not named and reading.maturity:  # "sandbox ones?" after a list
        return engine.list_answer(reading.maturity, memory.category, lang)
    if pronoun is None and named:
        return engine.ask(text, preferred)
    if memory.intent == "recommend" and not named and reading.needs and not pronoun:  # "로그 쪽은?"
        return engine.ask(f"{text} 추천" if lang == "ko" else f"recommend {text}", preferred or lang)
    if (_MORE.match(text) or (not named and not pronoun and _EXPLAIN.search(text))) and memory.has_subject:
        return own_card(engine, memory, lang)  # "more details pls", "좀 더 쉽게 설명해줘": the full card
    if memory.intent == "compare" and not named and asks_property:  # "어느 쪽이 더 많이 쓰여?"
        return own_card(engine, memory, lang)
    if _ALTERNATIVES.match(text) or (not named and re.search(r"(?:alternative|대안|비슷한 거|similar)", text, re.I)):
        if memory.projects:
            return engine.ask(f"{subject} 대안" if lang == "ko" else f"alternatives to {subject}", preferred or lang)
    if pronoun is not None:
        answer = engine.ask(_substitute(text, subject), preferred)
        if memory.intent == "concept" and memory.concept and answer.intent not in ("concept", "compare"):
            return engine.concept_answer(memory.concept, lang)  # "is it safe in prod?" about the concept
        if answer.intent not in ("unknown", "help") and not answer.did_you_mean:
            return answer
        return own_card(engine, memory, lang) if asks_property else answer
    if not asks_property:  # chatter in the thread: taken as it stands (usually "unknown")
        return engine.ask(text, preferred)
    about = engine.ask(f"{subject} {text}", preferred or lang)
    if memory.intent == "concept" and memory.concept and about.intent not in ("concept", "compare"):
        return engine.concept_answer(memory.concept, lang)
    if about.intent not in ("unknown", "help") and not about.did_you_mean:
        return about
    return own_card(engine, memory, lang)


def own_card(engine, memory: Memory, lang: str) -> Answer:
    """The subject's own card: what a question about it that the engine cannot place gets
    ("who maintains it?": the card has its links and facts)."""
    if memory.intent == "compare" and len(memory.projects) >= 2:
        return engine.compare_answer(memory.projects[:2], lang)
    if memory.concept and (memory.intent == "concept" or not memory.projects):
        return engine.concept_answer(memory.concept, lang)
    return engine.project_answer(memory.projects[0], lang)


def _subject_name(engine, memory: Memory) -> str | None:
    entries = engine.catalog.entries
    if memory.concept and memory.intent == "concept":  # its projects are examples, not the subject
        concept = engine.catalog.concepts.get(memory.concept)
        if concept is not None:
            return concept.name.en
    names = [entries[p].name for p in memory.projects if p in entries]
    if names:
        return names[0] if len(names) == 1 or memory.intent != "compare" else " and ".join(names[:3])
    if memory.concept:
        concept = engine.catalog.concepts.get(memory.concept)
        if concept is not None:
            return concept.name.en
    return None


def _names_something(engine, text: str) -> bool:
    r = engine.read(text)
    return any(m.exact or m.target.kind in ("project", "entry", "concept") for m in r.matches)


def _substitute(text: str, subject: str) -> str:
    def en(m: re.Match) -> str:
        word = m.group(0).lower()
        return f"{subject}'s" if word in ("its", "their") else subject

    out = _EN_PRONOUN.sub(en, text)
    return _KO_PRONOUN.sub(lambda m: subject + _particle_after(m.group(0)), out)


def _particle_after(pronoun: str) -> str:
    """Keep the particle a Korean pronoun carried: "그건" -> "은", "그걸" -> "을", "걔는" -> "는"."""
    fused = {"그건": " 은", "이건": " 은", "저건": " 은", "그걸": " 을", "이걸": " 을", "그게": " 이", "이게": " 이"}
    for stem, particle in fused.items():
        if pronoun.startswith(stem):
            return particle
    m = re.search(_KO_PARTICLE + "$", pronoun)
    tail = m.group(0) if m else ""
    return f" {tail}" if tail else ""


def _lang_of(text: str, fallback: str) -> str:
    if re.search(r"[\uac00-\ud7a3]", text):
        return "ko"
    if re.search(r"[a-zA-Z]", text):
        return "en"
    return fallback
