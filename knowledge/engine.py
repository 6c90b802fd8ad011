"""The question engine: question text in, a typed Answer out.

knowledge.reading finds what a question mentions; this module picks the intent from that, in
a fixed order (help, trail map, compare, list, recommend, project, concept, recommend by need
alone, unknown), and fills the Answer.
"""
from __future__ import annotations

from pathlib import Path

from .index import Target, build_index, key_of, need_key
from .loader import Catalog, load_catalog
from .model import MATURITY_RANK, Answer, Comparison, ComparisonRow, Entry, Text
from .reading import CONTEXT_CONCEPTS, CONTEXT_PROJECTS, MAX_RECOMMEND, Match, Reader, Reading
from .text import first_sentence, strip_particle
from .vocab import (
    AFTER_WORDS,
    BEFORE_WORDS,
    COMPARE_JOINERS,
    COMPARE_WORDS,
    DEFINE_PHRASES,
    DEFINE_WORDS,
    EXCLUDE_WORDS,
    FOR_WORDS,
    HELP_WORDS,
    LIST_ALL_WORDS,
    MATURITY_WORDS,
    PROJECT_WORDS,
    RECOMMEND_WORDS,
    STATUS_WORDS,
    STOP_EN,
    STOP_KO,
)


class Engine:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.index = build_index(catalog)
        self.reader = Reader(self.index)

    @classmethod
    def load(cls, data_dir: Path | str | None = None) -> "Engine":
        return cls(load_catalog(data_dir))

    def read(self, question: str) -> Reading:
        return self.reader.read(question)

    # -- answering -------------------------------------------------------------------------------
    def ask(self, question: str, lang: str | None = None) -> Answer:
        """Answer a question; `lang` ('en'/'ko') overrides the language the question is in."""
        r = self.read(question)
        if lang in ("en", "ko"):
            r.lang = lang
        a = Answer(intent="unknown", lang=r.lang, question=r.text)  # type: ignore[arg-type]
        if not r.toks:
            a.intent = "help" if not r.text.strip() else "unknown"
            return a
        # A guessed name whose words are a need phrase is the need: "multi-cluster management".
        r.matches = [m for m in r.matches if m.exact or not r.strong_need
                     or not set(range(*m.span)) <= r.need_cells]
        excluded = {m.target.id for m in r.matches if self._excluded(m, r)}
        if excluded:  # "policies in plain yaml rather than rego": Rego's project is not the subject
            r.matches = [m for m in r.matches if m.target.id not in excluded]
        concepts = [m for m in r.matches if m.target.kind == "concept"]
        projects = [m for m in r.matches if m.target.kind in ("project", "entry")]
        projects = [m for m in projects if m.target.kind == "project" or self._about_entry(m, r)]
        cncf = [m for m in projects if m.target.kind == "project"]
        ents = sorted(projects + concepts, key=lambda m: m.span)
        # A maturity word inside a concept's name ("sandbox stage") is not a list filter.
        maturity = r.maturity
        if any(m.span[0] <= r.maturity_pos < m.span[1] for m in concepts) and not set(r.toks) & PROJECT_WORDS:
            maturity = None

        if "help" in r.cues and not any(m.exact for m in ents) and not r.strong_need:
            a.intent = "help"
            return a
        if "trail" in r.cues or (r.step is not None and not ents):
            return self._trailmap(a, r)
        stages = self._stage_concepts(r)
        if "compare" in r.cues and len(stages) >= 2 and not projects:
            return self.compare_answer(stages, a.lang)  # "difference between sandbox and incubating"
        if len(ents) >= 2 and ("compare" in r.cues or (self._joined(ents, r) and ("recommend" not in r.cues
                                                                                   or len(projects) >= 2))):
            return self._compare(a, ents)
        if not cncf and (maturity or (r.category and ("list" in r.cues or "list-cncf" in r.cues)
                                      and ("recommend" not in r.cues or "list-cncf" in r.cues))
                         or self._asks_for_all(r)):
            r.maturity = maturity
            return self._list(a, r)
        if "recommend" in r.cues and (r.strong_need or r.category) and not (cncf and "compare" in r.cues):
            return self._recommend(a, r, exclude=excluded)
        served = self._served_by_need(ents, r)
        if served is not None:  # "long term storage for prometheus": a need *for* a project
            return self._recommend(a, r, exclude={served.target.id})
        if projects and not projects[0].confident and r.need_scores.get(projects[0].target.id):
            projects[0].exact = True  # "jeager tracing": a weak name backed by its own need words
        concepts.sort(key=lambda m: m.target.id in CONTEXT_CONCEPTS)  # "CNCF에서 TAG가 뭐예요": TAG
        if projects and concepts and concepts[0].confident and (projects[0].target.id in CONTEXT_PROJECTS
                                                                or not projects[0].confident):
            if (projects[0].target.id in CONTEXT_PROJECTS and r.strong_need
                    and not self._defines(r, concepts[0])):
                return self._recommend(a, r)  # "serverless platform on top of k8s"
            projects = []  # "kubernetes SIGs?", "what is a CRD in kubernetes": the concept is the subject
        if projects:
            main = projects[0]
            if (main.target.kind == "entry" and r.strong_need and not self._defines(r, main)
                    and any(m.target.id in CONTEXT_PROJECTS for m in r.matches)):
                return self._recommend(a, r)  # "run postgres on kubernetes": a CNCF project for it
            if (main.target.kind == "project" and r.strong_need and self._needs_point_elsewhere(main, r)
                    and (main.target.id in CONTEXT_PROJECTS or not self._about_project(r, main))):
                return self._recommend(a, r)
            if not main.confident:
                if self._leftovers(r, count_needs=True):  # "how tall is mount everest": not about OpenEverest
                    a.hint = "unknown"
                    return a
                return self._did_you_mean(a, main)
            return self._project(a, main, projects)
        if concepts:
            main = concepts[0]
            ns = r.need_span
            if ns and ns[0] <= main.span[0] and main.span[1] <= ns[1] and (
                    ns[1] - ns[0] > main.span[1] - main.span[0] or not main.exact):
                # "cost monitoring": a need that contains a concept; "internal developer portal":
                # a need named exactly beats a concept guessed fuzzily
                return self._recommend(a, r)
            outside = [i for i in r.need_cells if not any(c.span[0] <= i < c.span[1] for c in concepts)]
            if outside and not self._defines(r, main):
                return self._recommend(a, r)  # "autoscale pods based on kafka queue length"
            if not main.confident:
                return self._did_you_mean(a, main)
            a.intent = "concept"
            a.concept = self.catalog.concepts[main.target.id]
            a.projects = [self.catalog.entries[p] for p in a.concept.related_projects if p in self.catalog.entries]
            return a
        if r.strong_need or r.category:
            return self._recommend(a, r, exclude=excluded)
        if "help" in r.cues:
            a.intent = "help"
            return a
        a.intent = "unknown"
        a.hint = "unknown"
        return a

    def _about_project(self, r: Reading, m: Match) -> bool:
        """'what does CoreDNS actually do?', 'what maturity level is Crossplane at?': about it."""
        return self._defines(r, m) or r.maturity is not None or bool(set(r.toks) & STATUS_WORDS)

    @staticmethod
    def _excluded(m: Match, r: Reading) -> bool:
        before = r.toks[max(0, m.span[0] - 2):m.span[0]]
        after = r.toks[m.span[1]:m.span[1] + 1]
        return bool(set(before) & EXCLUDE_WORDS) or bool(set(after) & {"말고", "대신", "제외"})

    @staticmethod
    def _joined(ents: list[Match], r: Reading) -> bool:
        """Two names side by side with a joiner between ('istio or linkerd', 'argo랑 flux'),
        not any two names in a long sentence that happens to contain 'and'."""
        for a_, b_ in zip(ents, ents[1:]):
            between = r.toks[a_.span[1]:b_.span[0]]
            last = r.toks[a_.span[1] - 1]
            if (len(between) == 1 and between[0] in COMPARE_JOINERS) or (
                    not between and last.endswith(("랑", "와", "과", "하고", "이랑"))):
                return True
        return False

    def _leftovers(self, r: Reading, count_needs: bool = False) -> list[str]:
        """Content words no name (nor, unless count_needs, need) or cue accounts for."""
        covered = {i for m in r.matches for i in range(*m.span)}
        out = []
        for i, t in enumerate(r.toks):
            base = strip_particle(t) or t
            if i in covered or (i in r.need_cells and not count_needs) or t in STOP_EN or t in STOP_KO or base in STOP_KO or t.isdigit():
                continue
            if t in COMPARE_WORDS or t in RECOMMEND_WORDS or t in HELP_WORDS or t in MATURITY_WORDS:
                continue
            out.append(t)
        return out

    def _about_entry(self, m: Match, r: Reading) -> bool:
        """A non-CNCF entry counts only when the question is about it: "what's the stock price
        of apple" names the company Apple, but is not a question about the landscape."""
        e = self.catalog.entries[m.target.id]
        # A member company is named alone ("what is NEAR"); a product may come with one more word.
        allowed = 0 if e.category == "CNCF Members" else 1
        return m.exact and len(self._leftovers(r)) <= allowed

    @staticmethod
    def _defines(r: Reading, m: Match) -> bool:
        """Is this a request for a definition ("what is", "explain", "뭐야", "X란")?"""
        if set(r.toks) & DEFINE_WORDS or any(p in r.text.lower() for p in DEFINE_PHRASES):
            return True
        last = r.toks[m.span[1] - 1] if m.span[1] else ""
        return last.endswith(("란", "이란", "이란게", "란게"))

    def _stage_concepts(self, r: Reading) -> list[str]:
        """The maturity levels a question names, as the concepts that explain them."""
        seen = dict.fromkeys(MATURITY_WORDS[t] for t in r.toks if t in MATURITY_WORDS)
        return [f"concept:{m}-stage" for m in seen if f"{m}-stage" in self.catalog.concepts]

    @staticmethod
    def _asks_for_all(r: Reading) -> bool:
        toks = set(r.toks)
        return bool(toks & LIST_ALL_WORDS) and bool(toks & PROJECT_WORDS)

    def _served_by_need(self, ents: list[Match], r: Reading) -> Match | None:
        """The name after "for"/"위한" when the words before it name a need another project serves."""
        if not r.need_scores:
            return None
        for m in ents:
            before = r.toks[m.span[0] - 1] if m.span[0] > 0 else ""
            after = r.toks[m.span[1]] if m.span[1] < len(r.toks) else ""
            if before in FOR_WORDS or after in ("위한", "용"):
                others = {p: s for p, s in r.need_scores.items() if p != m.target.id}
                if others and max(others.values()) > r.need_scores.get(m.target.id, 0.0):
                    return m
        return None

    # -- direct answers, for buttons and menus that already know what they want -------------------
    def project_answer(self, entry_id: str, lang: str) -> Answer:
        a = Answer(intent="project", lang=lang, question=entry_id)  # type: ignore[arg-type]
        e = self.catalog.entries.get(entry_id)
        if e is None:
            a.intent, a.hint = "unknown", "unknown"
        else:
            a.projects = [e]
        return a

    def concept_answer(self, concept_id: str, lang: str) -> Answer:
        a = Answer(intent="concept", lang=lang, question=concept_id)  # type: ignore[arg-type]
        c = self.catalog.concepts.get(concept_id)
        if c is None:
            a.intent, a.hint = "unknown", "unknown"
            return a
        a.concept = c
        a.projects = [self.catalog.entries[p] for p in c.related_projects if p in self.catalog.entries]
        return a

    def step_answer(self, step: int | None, lang: str) -> Answer:
        a = Answer(intent="trailmap", lang=lang, question=f"trail map {step or ''}".strip())  # type: ignore[arg-type]
        r = Reading(a.question, lang, [], [], {}, {}, None, None, step, None, {"trail"})
        return self._trailmap(a, r)

    def compare_answer(self, refs: list[str], lang: str) -> Answer:
        a = Answer(intent="compare", lang=lang, question=" vs ".join(refs))  # type: ignore[arg-type]
        matches = []
        for ref in refs:
            kind = "concept" if ref.startswith("concept:") else "project"
            rid = ref.replace("concept:", "")
            if (kind == "concept" and rid in self.catalog.concepts) or (kind == "project" and rid in self.catalog.entries):
                matches.append(Match(Target(kind, rid, rid), 100.0, (0, 0), True))
        if len(matches) < 2:
            a.intent, a.hint = "unknown", "unknown"
            return a
        return self._compare(a, matches)

    def list_answer(self, maturity: str | None, category: str | None, lang: str) -> Answer:
        a = Answer(intent="list", lang=lang, question="list")  # type: ignore[arg-type]
        r = Reading("list", lang, [], [], {}, {}, category, maturity, None, None, {"list"})
        return self._list(a, r)

    def _needs_point_elsewhere(self, main: Match, r: Reading) -> bool:
        """'backup kubernetes clusters' names Kubernetes, but the need (backup) is Velero's."""
        if main.target.id in CONTEXT_PROJECTS:
            # Kubernetes is the ground everything else stands on: "backup kubernetes clusters",
            # "monitor k8s" ask for a tool *for* it. Only its own-need words keep the card.
            others = {p: s for p, s in r.need_scores.items() if p != main.target.id}
            return bool(others) and max(others.values()) >= r.need_scores.get(main.target.id, 0.0) * 0.5
        best = max(r.need_scores.values())
        return r.need_scores.get(main.target.id, 0.0) < 0.5 * best

    def _project(self, a: Answer, main: Match, projects: list[Match]) -> Answer:
        a.intent = "project"
        a.projects = [self.catalog.entries[main.target.id]]
        return a

    def _did_you_mean(self, a: Answer, main: Match) -> Answer:
        a.did_you_mean = True
        cands = [(main.target, main.score)] + [(t, s) for t, s in main.alternatives if t.id != main.target.id]
        cands = cands[:3]
        if main.target.kind == "concept":
            a.intent = "concept"
            a.concepts = [self.catalog.concepts[t.id] for t, _ in cands if t.kind == "concept"]
            a.concept = a.concepts[0] if a.concepts else None  # the likeliest, for scripts
            a.projects = [self.catalog.entries[t.id] for t, _ in cands if t.kind != "concept"]
        else:
            a.intent = "project"
            a.projects = [self.catalog.entries[t.id] for t, _ in cands if t.kind != "concept"]
            a.concepts = [self.catalog.concepts[t.id] for t, _ in cands if t.kind == "concept"]
        return a

    def _trailmap(self, a: Answer, r: Reading) -> Answer:
        a.intent = "trailmap"
        step = r.step
        if step is None and r.step_from_words is not None:
            step = r.step_from_words
            toks = set(r.toks)
            if toks & AFTER_WORDS and step < 10:
                step += 1
            elif toks & BEFORE_WORDS and step > 1:
                step -= 1
        if step is None:
            for m in r.matches:
                owner = (self.catalog.entries.get(m.target.id) if m.target.kind != "concept"
                         else self.catalog.concepts.get(m.target.id))
                if owner is not None and owner.trail_step:
                    step = owner.trail_step
                    break
        if step is not None and step in self.catalog.steps:
            a.step = step
            a.trail = [self.catalog.steps[step]]
            s = a.trail[0]
            ids = list(dict.fromkeys([pid for pid, _ in s.map_projects] + list(s.projects)))
            a.projects = sorted((self.catalog.entries[i] for i in ids if i in self.catalog.entries),
                                key=lambda e: (MATURITY_RANK.get(e.maturity or "", 9), e.name.lower()))
        else:
            a.trail = list(self.catalog.steps.values())
        return a

    def _list(self, a: Answer, r: Reading) -> Answer:
        a.intent = "list"
        a.maturity = r.maturity
        a.category = r.category
        found = [e for e in self.catalog.projects
                 if (r.maturity is None or e.maturity == r.maturity)
                 and (r.category is None or in_category(e, r.category))]
        a.projects = sorted(found, key=lambda e: (MATURITY_RANK[e.maturity or "sandbox"], e.name.lower()))
        return a

    def _recommend(self, a: Answer, r: Reading, exclude: set[str] | None = None) -> Answer:
        a.intent = "recommend"
        a.category = r.category
        scores = dict(r.need_scores)
        why = {k: list(v) for k, v in r.needs.items()}
        if r.category:
            for e in self.catalog.projects:
                if in_category(e, r.category):
                    scores[e.id] = scores.get(e.id, 0.0) + 1.0
                    why.setdefault(e.id, []).append(f"[{r.category}]")
        step = r.step_from_words
        if step in self.catalog.steps:
            for pid in self.catalog.steps[step].projects:
                if pid in scores:
                    scores[pid] += 0.5
        named_context = {m.target.id for m in r.matches if m.target.id in CONTEXT_PROJECTS} | (exclude or set())
        ranked = [self.catalog.entries[p] for p in scores if p not in named_context
                  and self.catalog.entries[p].is_cncf and self.catalog.entries[p].maturity != "archived"]
        if not ranked:
            a.intent = "unknown"
            a.hint = "unknown"
            return a
        best = max(scores[e.id] for e in ranked)

        def tier(e: Entry) -> int:
            s = scores[e.id] / best
            return 0 if s >= 0.7 else 1 if s >= 0.4 else 2

        ranked.sort(key=lambda e: (tier(e), MATURITY_RANK[e.maturity or "sandbox"], -scores[e.id], e.name.lower()))
        a.projects = ranked[:MAX_RECOMMEND]
        phrases = [w for p in a.projects for w in why.get(p.id, []) if not w.startswith("[")]
        a.need = ", ".join(dict.fromkeys(phrases)) or (r.category or "")
        for e in a.projects:
            a.reasons[e.id] = self._reason(e, why.get(e.id, []), step, a.lang)
        return a

    def _reason(self, e: Entry, words: list[str], step: int | None, lang: str) -> str:
        words = list(dict.fromkeys(w for w in words if not w.startswith("[")))
        cats = [w[1:-1] for w in dict.fromkeys(why for why in words if why.startswith("["))]
        parts = []
        if words:
            quoted = ", ".join(f"“{w}”" for w in words[:3])
            parts.append(f"{quoted} 관련" if lang == "ko" else f"matches {quoted}")
        if cats:
            parts.append(("분류: " if lang == "ko" else "listed under ") + cats[0])
        parts.append({"graduated": ("졸업 프로젝트", "graduated"), "incubating": ("인큐베이팅 프로젝트", "incubating"),
                      "sandbox": ("샌드박스 프로젝트", "sandbox")}[e.maturity or "sandbox"][0 if lang == "ko" else 1])
        if e.trail_step and step == e.trail_step:
            parts.append(f"트레일 맵 {step}단계" if lang == "ko" else f"trail map step {step}")
        return "; ".join(parts)

    def _compare(self, a: Answer, matches: list[Match]) -> Answer:
        a.intent = "compare"
        refs = []
        for m in matches:
            ref = f"concept:{m.target.id}" if m.target.kind == "concept" else m.target.id
            if ref not in refs:
                refs.append(ref)
        refs = refs[:4]
        best: Comparison | None = None
        for c in self.catalog.comparisons.values():
            if set(refs) <= set(c.items) and (best is None or len(c.items) < len(best.items)):
                best = c
        if best is None:
            best = self.built_comparison(refs)
        a.comparison = best
        ordered = refs + [i for i in best.items if i not in refs]
        a.projects = [self.catalog.entries[i] for i in ordered if not i.startswith("concept:")]
        a.concepts = [self.catalog.concepts[i[8:]] for i in ordered if i.startswith("concept:")]
        return a

    def built_comparison(self, refs: list[str]) -> Comparison:
        """A comparison from catalog facts, for pairs nobody curated."""
        def name(ref: str) -> Text:
            if ref.startswith("concept:"):
                return self.catalog.concepts[ref[8:]].name
            e = self.catalog.entries[ref]
            return Text(e.name, e.display_name("ko"))

        def fact(ref: str, what: str) -> Text:
            if ref.startswith("concept:"):
                c = self.catalog.concepts[ref[8:]]
                return {"what": Text(first_sentence(c.summary.en), first_sentence(c.summary.ko)),
                        "maturity": Text("a concept, not a project", "프로젝트가 아닌 개념"),
                        "category": Text("-", "-"), "since": Text("-", "-")}[what]
            e = self.catalog.entries[ref]
            if what == "what":
                if e.summary.en:
                    return Text(first_sentence(e.summary.en), first_sentence(e.summary.ko))
                return Text(f"Listed under {e.category} / {e.subcategory}.", f"{e.category} / {e.subcategory} 분류에 있습니다.")
            if what == "maturity":
                if not e.maturity:
                    return Text("not a CNCF project", "CNCF 프로젝트 아님")
                return Text(e.maturity, {"graduated": "졸업", "incubating": "인큐베이팅", "sandbox": "샌드박스",
                                         "archived": "아카이브"}[e.maturity])
            if what == "category":
                return Text(f"{e.category} / {e.subcategory}", f"{e.category} / {e.subcategory}")
            dates = [f"{k} {v}" for k, v in (("accepted", e.accepted), ("incubating", e.incubating),
                                              ("graduated", e.graduated), ("archived", e.archived)) if v]
            ko = {"accepted": "합류", "incubating": "인큐베이팅", "graduated": "졸업", "archived": "아카이브"}
            dates_ko = [f"{ko[d.split()[0]]} {d.split()[1]}" for d in dates]
            return Text(", ".join(dates) or "-", ", ".join(dates_ko) or "-")

        dims = [("what", Text("What it is", "무엇인가")), ("maturity", Text("CNCF maturity", "CNCF 성숙도")),
                ("category", Text("Landscape category", "랜드스케이프 분류")), ("since", Text("Dates", "주요 날짜"))]
        rows = tuple(ComparisonRow(dimension=label, values=tuple(fact(r, key) for r in refs)) for key, label in dims)
        names = [name(r) for r in refs]
        title = Text(" vs ".join(n.en for n in names), " vs ".join(n.ko for n in names))
        summary = Text("No curated comparison exists for this pair yet; these are the catalog's facts side by side.",
                       "아직 이 조합의 큐레이션된 비교는 없어서, 카탈로그의 사실 정보를 나란히 보여 드립니다.")
        return Comparison(id="-vs-".join(r.replace("concept:", "") for r in refs), items=tuple(refs),
                          title=title, rows=rows, summary=summary, curated=False)


def in_category(e: Entry, label: str) -> bool:
    paths = ((e.category, e.subcategory),) + tuple(e.other_paths)
    return any(label in (c, s) for c, s in paths)


__all__ = ["Engine", "in_category", "first_sentence", "key_of", "need_key"]

