"""The question engine: question text in, a typed Answer out.

knowledge.reading finds names, needs and slots; knowledge.intent gives each kind of question a
probability from the question's shape; decide() turns those and the evidence into one intent
(a small policy with two named thresholds); the builders below fill the Answer.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Callable

from .comparisons import build_comparison
from .dates import DATE_FIELD, DateSlots, date_of, filter_by_date, read_dates
from .index import Target, build_index, key_of, need_key
from .intent import MODEL_FILE, IntentModel, shape_tokens
from .loader import DATA_DIR, Catalog, load_catalog
from .model import MATURITY_RANK, Answer, Comparison, Entry
from .retrieval import ProjectRetriever
from .reading import CONTEXT_CONCEPTS, CONTEXT_PROJECTS, MAX_RECOMMEND, Match, Reader, Reading, maturity_of
from .text import first_sentence, strip_particle
from .vocab import (
    AFTER_WORDS,
    BEFORE_WORDS,
    COMPARE_WORDS,
    EXCLUDE_WORDS_EN,
    EXCLUDE_WORDS_KO,
    HELP_WORDS,
    MATURITY_WORDS,
    PROJECT_WORDS,
    RECOMMEND_WORDS,
    STOP_EN,
    STOP_KO,
)

# The policy's two thresholds, chosen on the blind sets F and G (never on the final set H):
# out of scope when "unknown" is the likeliest label with at least this probability (and, for a
# question with nothing cloud native in it, help is answered only at this probability) ...
OUT_OF_SCOPE = 0.6
# ... or when the likeliest label the evidence allows (a project label needs a name, a
# comparison two) has less than this.
FLOOR = 0.2

TRAIL_CONCEPT = "cloud-native-trail-map"  # named like a concept, answered as the trail map
STAGE_CONCEPTS = frozenset(f"{m}-stage" for m in ("sandbox", "incubating", "graduated", "archived"))

# Retrieval over the projects' own text adds up to this much to a recommendation's score (need
# keywords weigh about 1-5), for projects scoring at least RETRIEVAL_MIN of the best document.
RETRIEVAL_WEIGHT = 1.0
RETRIEVAL_MIN = 0.6

_MODELS: dict[Path, IntentModel] = {}


def model_path(data_dir: Path | str | None = None) -> Path:
    """The intent model of a data folder: its own when it has one, else the packaged one."""
    if data_dir is not None and (Path(data_dir) / MODEL_FILE).exists():
        return Path(data_dir) / MODEL_FILE
    return DATA_DIR / MODEL_FILE


def packaged_model(path: Path = DATA_DIR / MODEL_FILE) -> IntentModel:
    """The trained intent model, loaded once per process (it never changes while running)."""
    model = _MODELS.get(path)
    if model is None:
        model = _MODELS[path] = IntentModel.load(path)
    return model


class Engine:
    def __init__(self, catalog: Catalog, model: IntentModel | None = None,
                 today: Callable[[], dt.date] = dt.date.today):
        self.catalog = catalog
        self.index = build_index(catalog)
        self.reader = Reader(self.index)
        self.model = model or packaged_model()
        # CNCF projects by landscape label (category or subcategory), by landscape path, and by
        # the projects that name them as related: built once, the catalog never changes
        self._by_label: dict[str, list[Entry]] = defaultdict(list)
        self._by_path: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        self._related_to: dict[str, list[Entry]] = defaultdict(list)
        # the order lists are shown in (graduated first, then by name), as a rank per project
        self._listed = sorted(catalog.projects, key=lambda e: (MATURITY_RANK[e.maturity or "sandbox"], e.name.lower()))
        self._rank = {e.id: i for i, e in enumerate(self._listed)}
        for e in self._listed:
            paths = {(e.category, e.subcategory), *e.other_paths}
            for path in paths:
                self._by_path[path].append(e)
            for label in {label for path in paths for label in path}:
                self._by_label[label].append(e)
            for rel in e.related:
                self._related_to[rel].append(e)
        self.retriever = ProjectRetriever(catalog, set(self.index.exact))
        self.today = today  # "this year", "last year": the clock is the only input besides the text

    @classmethod
    def load(cls, data_dir: Path | str | None = None) -> "Engine":
        """The engine over a data folder (default: the packaged one) and the intent model in it,
        or the packaged model when the folder has none. A missing or corrupt model is a
        KnowledgeError here, at start, never a wrong answer later."""
        return cls(load_catalog(data_dir), model=packaged_model(model_path(data_dir)))

    def read(self, question: str) -> Reading:
        return self.reader.read(question)

    # -- answering -------------------------------------------------------------------------------
    def ask(self, question: str, lang: str | None = None) -> Answer:
        """Answer a question; `lang` ('en'/'ko') overrides the language the question is in.

        A pipeline of stages that each do one thing: the reader finds names, needs and slots;
        the question is shaped (names replaced by their kind) and the intent classifier gives a
        probability to each kind of question; decide() turns those and the evidence into one
        intent; a builder fills the Answer."""
        r = self.read(question)
        if lang in ("en", "ko"):
            r.lang = lang
        a = Answer(intent="unknown", lang=r.lang, question=r.text)  # type: ignore[arg-type]
        if not r.toks:
            a.intent = "help" if not r.text.strip() else "unknown"
            return a
        talk = small_talk(r.text)
        if talk:  # "hi", "thanks!", "고마워요": a friendly word, not "I don't know that one"
            a.intent, a.hint = "help", talk
            return a
        slots = self._prepare(r)
        p = self.model.probabilities(*self.shape(r, slots))
        return self.decide(a, r, p, slots)

    def _prepare(self, r: Reading) -> DateSlots:
        """What answering and training both do before shaping: drop guessed names whose words are a
        need phrase ("multi-cluster management" is the need), read the date slots."""
        r.matches = [m for m in r.matches if m.exact or not r.strong_need
                     or not set(range(*m.span)) <= r.need_cells]
        return read_dates(r.text.lower(), r.toks, self.today())

    def shape(self, r: Reading, slots: DateSlots) -> tuple[list[str], tuple[str, ...]]:
        """The question as the classifier reads it: names replaced by their kind, and tags of the
        evidence the reader found (how many names of each kind, needs, filters, dates)."""
        def kind(m: Match) -> str:
            if m.target.id in CONTEXT_PROJECTS:
                return "kube"
            if m.target.id in CONTEXT_CONCEPTS:
                return "cncf"
            if m.target.id == TRAIL_CONCEPT:
                return "trail"
            return m.target.kind

        # A concept named after a maturity level ("archived CNCF projects", "graduation") stays words:
        # the same words are list filters, and the classifier tells the two uses apart.
        spans = [(m.span, kind(m), m.exact) for m in r.matches if m.target.id not in STAGE_CONCEPTS]
        kinds = [k for _, k, _ in spans]
        tags = [f"{k}{min(kinds.count(k), 3)}" for k in dict.fromkeys(kinds)]
        tags += [t for t, on in (("need", r.strong_need and bool(r.need_scores)), ("weakneed", bool(r.need_scores)),
                                 ("category", r.category is not None), ("maturity", r.maturity is not None),
                                 ("year", slots.year is not None), ("recent", slots.newest),
                                 ("transition", slots.transition is not None), ("trail", "trail" in r.cues),
                                 ("step", r.step is not None), ("fuzzy", any(not m.exact for m in r.matches)),
                                 ("nothing", not r.matches and not r.need_scores and r.category is None),
                                 ("needself", self._needs_name_itself(r)),
                                 ("needother", self._needs_point_elsewhere(r))) if on]
        n = len(r.toks)
        tags.append("len" + ("1" if n == 1 else "3" if n <= 3 else "8" if n <= 8 else "20" if n <= 20 else "long"))
        return shape_tokens(r.toks, spans), tuple(tags)

    def shape_question(self, question: str) -> tuple[list[str], tuple[str, ...]]:
        """What the classifier reads for a question: the same shaping in training and answering."""
        r = self.read(question)
        return self.shape(r, self._prepare(r))

    def decide(self, a: Answer, r: Reading, p: dict[str, float], slots: DateSlots) -> Answer:
        excluded = {m.target.id for m in r.matches if self._excluded(m, r)}
        concepts = [m for m in r.matches if m.target.kind == "concept"]
        concepts.sort(key=lambda m: (m.target.id in CONTEXT_CONCEPTS, m.span))  # "CNCF에서 TAG가 뭐예요": TAG
        projects = [m for m in r.matches if m.target.kind in ("project", "entry")]
        # Kubernetes is the ground most questions stand on: another name is the subject first.
        subjects = sorted(projects, key=lambda m: (m.target.id in excluded, m.target.kind != "project",
                                                   m.target.id in CONTEXT_PROJECTS, m.span))
        ents = sorted(projects + concepts, key=lambda m: m.span)
        stages = self._stage_concepts(r)
        need = (r.strong_need and bool(r.need_scores)) or r.category is not None
        feasible = {
            "project": bool(projects), "fact": bool(projects), "alternative": bool(projects),
            "compare": len({m.target.id for m in ents}) >= 2 or len(stages) >= 2,
            "recommend": need, "list": True, "datelist": slots.any, "count": True, "trailmap": True,
            "concept": bool(concepts) or bool(stages), "help": True, "unknown": True,
        }
        in_domain = bool(r.matches or need or r.maturity or r.step is not None or "trail" in r.cues
                         or slots.transition or set(r.toks) & PROJECT_WORDS)
        choice = max((k for k in p if feasible[k] and k != "unknown"), key=p.get)
        if not in_domain:
            # nothing cloud native in it: only a clear request for help is answered
            choice = "help" if choice == "help" and p["help"] >= OUT_OF_SCOPE else "unknown"
        elif (p["unknown"] >= OUT_OF_SCOPE and p["unknown"] > p[choice]) or p[choice] < FLOOR:
            choice = "unknown"

        # A maturity word inside another concept's name is not a list filter; inside a maturity
        # level's own name it is, when the question asks for a list ("archived cncf projects 몇 개?").
        maturity = r.maturity
        if any(m.span[0] <= r.maturity_pos < m.span[1] and m.target.id not in STAGE_CONCEPTS for m in concepts):
            maturity = None
        if choice in ("project", "fact"):
            main = subjects[0]
            if not main.confident:
                if self._leftovers(r, count_needs=True):  # "how tall is mount everest": not about OpenEverest
                    a.hint = "unknown"
                    return a
                return self._did_you_mean(a, main)
            self._project(a, main, projects)
            if choice == "fact":
                self._fact(a, r, slots)
            return a
        if choice == "compare":
            if len(stages) >= 2 and len({m.target.id for m in ents}) < 2:
                return self.compare_answer(stages, a.lang)  # "difference between sandbox and incubating"
            return self._compare(a, ents)
        if choice == "alternative":
            # "jenkins 말고 ...": the name set aside is the one alternatives are for
            named_aside = sorted((m for m in subjects if m.target.id in excluded), key=lambda m: m.span)
            tools = [m for m in subjects if m.target.id not in CONTEXT_PROJECTS]
            return self._alternatives(a, r, (named_aside or tools or subjects)[0])
        if choice == "recommend":
            named = {m.target.id for m in projects if m.exact}
            return self._recommend(a, r, exclude=excluded | named)
        if choice in ("list", "datelist", "count"):
            r.maturity = maturity
            self._list(a, r)
            if choice == "datelist" or (choice == "count" and slots.any):
                self._date_filter(a, r, slots)
            if choice == "count":
                a.count = len(a.projects)
            return a
        if choice == "trailmap":
            return self._trailmap(a, r)
        if choice == "concept":
            main = concepts[0] if concepts else Match(Target("concept", stages[0][8:], ""), 100.0, (0, 0), True)
            if len(stages) >= 2:  # "sandbox vs incubating vs graduated, what do the levels mean"
                levels = [c for c in self.catalog.concepts.values() if c.id not in STAGE_CONCEPTS
                          and {s[8:] for s in stages} <= set(c.related_concepts)]
                if levels:
                    main = Match(Target("concept", levels[0].id, ""), 100.0, main.span, True)
            elif main.target.id in CONTEXT_CONCEPTS and stages:
                # "what does graduated mean for a cncf project": the level is the subject
                main = Match(Target("concept", stages[0][8:], stages[0][8:]), 100.0, main.span, True)
            if not main.confident:
                return self._did_you_mean(a, main)
            a.intent = "concept"
            a.concept = self.catalog.concepts[main.target.id]
            a.projects = [self.catalog.entries[p] for p in a.concept.related_projects if p in self.catalog.entries]
            return a
        if choice == "help":
            a.intent = "help"
            return a
        a.intent = "unknown"
        a.hint = "unknown"
        return a

    @staticmethod
    def _named_projects(r: Reading) -> set[str]:
        return {m.target.id for m in r.matches if m.target.kind == "project" and m.target.id not in CONTEXT_PROJECTS}

    def _needs_name_itself(self, r: Reading) -> bool:
        """The need words describe a project the question names: "volcano batch scheduler"."""
        named = self._named_projects(r)
        if not named or not r.need_scores:
            return False
        best = max(r.need_scores.values())
        return any(r.need_scores.get(p, 0.0) >= 0.5 * best for p in named)

    def _needs_point_elsewhere(self, r: Reading) -> bool:
        """The need words describe projects the question does not name: "backup kubernetes"."""
        if not r.strong_need:
            return False
        named = self._named_projects(r)
        others = [s for p, s in r.need_scores.items() if p not in named and p in r.strong_projects]
        return bool(others) and max(others) > max((r.need_scores.get(p, 0.0) for p in named), default=0.0)

    @staticmethod
    def _excluded(m: Match, r: Reading) -> bool:
        # English sets a name aside before it ("instead of X"), Korean after it ("X 말고")
        before = r.toks[max(0, m.span[0] - 2):m.span[0]]
        after = r.toks[m.span[1]:m.span[1] + 1]
        return bool(set(before) & EXCLUDE_WORDS_EN) or bool(set(after) & EXCLUDE_WORDS_KO)

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

    def _stage_concepts(self, r: Reading) -> list[str]:
        """The maturity levels a question names, as the concepts that explain them."""
        seen = dict.fromkeys(m for m in map(maturity_of, r.toks) if m)
        return [f"concept:{m}-stage" for m in seen if f"{m}-stage" in self.catalog.concepts]

    def _fact(self, a: Answer, r: Reading, slots: DateSlots) -> None:
        """The one-line fact a question about a project's dates asks for: the step of its life it
        names ("when did argo graduate"), else the step that gave it its current maturity."""
        e = a.projects[0]
        kind = slots.transition or r.maturity
        if kind == "sandbox":
            kind = "accepted"
        if kind not in DATE_FIELD:  # "what's etcd's status": the step that made it what it is
            kind = e.maturity if e.maturity in ("graduated", "incubating", "archived") else "accepted"
        a.fact = (kind, date_of(e, kind))

    def _date_filter(self, a: Answer, r: Reading, slots: DateSlots) -> None:
        """Narrow a list to what happened in a year, newest first: "graduated in 2024"."""
        a.transition = slots.transition or (r.maturity if r.maturity in DATE_FIELD else None) or "accepted"
        a.year = slots.year
        a.newest = True
        pool = a.projects
        if r.maturity and r.maturity != a.transition and r.maturity != "sandbox":
            a.maturity = r.maturity  # "incubating projects that joined in 2023"
        elif r.maturity == "sandbox":
            pool = [e for e in pool if e.maturity == "sandbox"]
            a.maturity = "sandbox"
        else:
            pool = self.catalog.projects if r.category is None else self._by_label.get(r.category, [])
            a.maturity = a.transition if a.transition != "accepted" else None
        a.projects = filter_by_date(pool, DateSlots(slots.year, a.transition, True))

    def _alternatives(self, a: Answer, r: Reading, main: Match) -> Answer:
        """Projects that serve what `main` serves, its successor first where the catalog names one;
        the question's own need words count too ("alternatives to vault for k8s secrets")."""
        a.intent = "recommend"
        e = self.catalog.entries[main.target.id]
        scores: dict[str, float] = defaultdict(float)
        why: dict[str, list[str]] = defaultdict(list)
        for pid, w in r.need_scores.items():
            scores[pid] += 0.5 * w
            why[pid] += r.needs.get(pid, [])
        for o in self._by_label.get(r.category or "", ()):  # "대안 레지스트리": the kind of tool asked for
            scores[o.id] += 3.0
        for i, succ in enumerate(e.replaced_by):
            scores[succ] += 100.0 - i
            why[succ].append("successor")
        for kw in (*e.keywords.en, *e.keywords.ko):
            for pid, w in self.index.need.get(need_key(kw), {}).items():
                scores[pid] += w
                why[pid].append(kw)
        beside = {o.id for path in {(e.category, e.subcategory), *e.other_paths} for o in self._by_path.get(path, ())}
        for oid in beside:
            scores[oid] += 3.0  # listed beside it in the landscape: the landscape's own "same job"
        for o in self._related_to.get(e.id, ()):
            scores[o.id] += 2.0
        ranked = [self.catalog.entries[p] for p in scores if p != e.id and p in self.catalog.entries
                  and self.catalog.entries[p].is_cncf and self.catalog.entries[p].maturity != "archived"]
        if not ranked:
            a.intent, a.hint = "unknown", "unknown"
            return a
        ranked.sort(key=lambda o: (-scores[o.id], MATURITY_RANK[o.maturity or "sandbox"], o.name.lower()))
        a.projects = ranked[:MAX_RECOMMEND]
        a.instead_of = e.id
        a.need = e.name
        for o in a.projects:
            words = [w for w in why.get(o.id, []) if w != "successor"]
            a.reasons[o.id] = self._reason(o, words, None, a.lang, successor="successor" in why.get(o.id, []),
                                           of=e.name)
        return a

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

    def list_answer(self, maturity: str | None, category: str | None, lang: str, year: int | None = None,
                    transition: str | None = None) -> Answer:
        a = Answer(intent="list", lang=lang, question="list")  # type: ignore[arg-type]
        r = Reading("list", lang, [], [], {}, {}, category, maturity, None, None, {"list"})
        self._list(a, r)
        if transition in DATE_FIELD:  # a page of a date list: the same filter again
            self._date_filter(a, r, DateSlots(year, transition, True))
        return a

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
            asked = step if step is not None else r.bad_step
            if asked is not None:  # "trail map step 11": say how many there are, then the whole map
                a.hint = f"no_step:{asked}"
            a.trail = list(self.catalog.steps.values())
        return a

    def _list(self, a: Answer, r: Reading) -> Answer:
        a.intent = "list"
        a.maturity = r.maturity
        a.category = r.category
        # An area is the landscape's category, and the projects whose own keywords name the
        # area: Knative is filed under orchestration, yet it is what "serverless projects" means.
        if r.category is None:
            pool = self._listed  # already in list order
        else:
            area = self._by_label.get(r.category, [])
            ids = {e.id for e in area}
            pool = area + [self.catalog.entries[p] for p in r.strong_projects
                           if p not in ids and self.catalog.entries[p].is_cncf]
        found = [e for e in pool if r.maturity is None or e.maturity == r.maturity]
        a.projects = found if r.category is None else sorted(found, key=lambda e: self._rank[e.id])
        return a

    def _recommend(self, a: Answer, r: Reading, exclude: set[str] | None = None) -> Answer:
        a.intent = "recommend"
        a.category = r.category
        scores = dict(r.need_scores)
        why = {k: list(v) for k, v in r.needs.items()}
        in_area = {e.id for e in self._by_label.get(r.category or "", ())}
        for pid in in_area:
            scores[pid] = scores.get(pid, 0.0) + 1.0
            why.setdefault(pid, []).append(f"[{r.category}]")
        # the projects' own words: a need said in words no keyword foresaw
        covered = {i for m in r.matches for i in range(*m.span)}
        found = self.retriever.scores([t for i, t in enumerate(r.toks) if i not in covered])
        retrieved: set[str] = set()
        if found:
            top = max(found.values())
            for pid, v in found.items():
                if v >= RETRIEVAL_MIN * top:
                    scores[pid] = scores.get(pid, 0.0) + RETRIEVAL_WEIGHT * v / top
                    retrieved.add(pid)
        step = r.step_from_words
        if step in self.catalog.steps:
            for pid in self.catalog.steps[step].projects:
                if pid in scores:
                    scores[pid] += 0.5
        named_context = {m.target.id for m in r.matches if m.target.id in CONTEXT_PROJECTS} | (exclude or set())
        ranked = [self.catalog.entries[p] for p in scores if p not in named_context
                  and self.catalog.entries[p].is_cncf and self.catalog.entries[p].maturity != "archived"]
        if any(e.id in r.strong_projects for e in ranked):
            # padding: a project that only shares one generic word ("clusters", "분산") is no match
            # beside projects a whole need phrase found
            ranked = [e for e in ranked if e.id in r.strong_projects or e.id in in_area or e.id in retrieved]
        if not ranked:
            a.intent = "unknown"
            a.hint = "unknown"
            return a
        best = max(scores[e.id] for e in ranked)

        def tier(e: Entry) -> int:
            s = scores[e.id] / best
            return 0 if s >= 0.7 else 1 if s >= 0.4 else 2

        # Kubernetes is the ground the others stand on: recommended only after the tools for the need.
        ranked.sort(key=lambda e: (e.id in CONTEXT_PROJECTS, tier(e), MATURITY_RANK[e.maturity or "sandbox"],
                                   -scores[e.id], e.name.lower()))
        a.projects = ranked[:MAX_RECOMMEND]
        phrases = [w for p in a.projects for w in why.get(p.id, []) if not w.startswith("[")]
        a.need = ", ".join(dict.fromkeys(phrases)) or (r.category or "")
        for e in a.projects:
            a.reasons[e.id] = self._reason(e, why.get(e.id, []), step, a.lang)
        return a

    def _reason(self, e: Entry, words: list[str], step: int | None, lang: str, successor: bool = False,
                of: str = "") -> str:
        words = list(dict.fromkeys(w for w in words if not w.startswith("[")))
        cats = [w[1:-1] for w in dict.fromkeys(why for why in words if why.startswith("["))]
        parts = []
        if successor:
            parts.append(f"{of}의 후속 프로젝트" if lang == "ko" else f"the successor of {of}")
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
            best = build_comparison(self.catalog, refs)
        a.comparison = best
        ordered = refs + [i for i in best.items if i not in refs]
        a.projects = [self.catalog.entries[i] for i in ordered if not i.startswith("concept:")]
        a.concepts = [self.catalog.concepts[i[8:]] for i in ordered if i.startswith("concept:")]
        return a


__all__ = ["Engine", "first_sentence", "key_of", "need_key"]


_GREETINGS = frozenset("hi hello hey heya hiya yo howdy greetings morning evening afternoon 안녕 안녕하세요 "
                       "하이 반가워 반가워요 반갑습니다 헬로".split())
_THANKS = frozenset("thanks thank thx ty cheers appreciated appreciate 고마워 고마워요 고맙습니다 감사 감사합니다 "
                    "감사해요 땡큐 ㄳ ㄱㅅ".split())
_FILLER = frozenset("bot cncf cncf-bot there all everyone folks guys team you so much a lot very good great "
                    "awesome nice cool ok okay again it for that the 봇 님 정말 너무 진짜 많이 다들 여러분 요 "
                    "좋은 아침".split())


def small_talk(text: str) -> str | None:
    """"hello" or "thanks" when the whole message is a greeting or thanks (with fillers such as
    "bot", "so much", "정말"); None for anything that asks something."""
    words = re.findall(r"[\w\-ㄱ-ㅎ]+", re.sub(r"<[@#!][^>]*>", " ", text.lower()))
    if not words or len(words) > 8 or not set(words) <= _GREETINGS | _THANKS | _FILLER:
        return None
    if set(words) & _THANKS:
        return "thanks"
    return "hello" if set(words) & _GREETINGS else None
