"""The plain-text rendering of an Answer: for the terminal, the JSON `text` and Slack's fallback."""
from __future__ import annotations

from .i18n import FACT_VERBS, FILTER_VERBS, HELP_EXAMPLES, maturity_label, t
from .loader import Catalog
from .model import Answer, Entry
from .text import first_sentence


# Projects a plain-text list shows; past that, a line says how many more (Slack's fallback text
# and the terminal are no place for hundreds of lines).
TEXT_LIST_MAX = 60


def dates_line(e: Entry, lang: str) -> str:
    parts = [f"{t('label.' + k, lang)} {v}" for k, v in
             (("accepted", e.accepted), ("incubating", e.incubating), ("graduated", e.graduated),
              ("archived", e.archived)) if v]
    return ", ".join(parts)


def project_path(e: Entry) -> str:
    return f"{e.category} / {e.subcategory}"


def not_cncf_line(e: Entry, lang: str, catalog: Catalog) -> str:
    """What an entry that is not itself a CNCF project is: part of one (a subproject), or not CNCF."""
    parent = catalog.entries.get(e.parent) if e.parent else None
    if parent is not None and parent.is_cncf:
        why = t("project.part_why.parent", lang) if e.parent_why == "parent" else \
            t("project.part_why.org", lang, org=e.parent_why)
        return t("project.part_of", lang, name=e.name, parent=parent.name, why=why, path=project_path(e),
                 maturity=maturity_label(parent.maturity, lang).lower())
    return t("project.not_cncf", lang, name=e.name, path=project_path(e))


def project_lines(e: Entry, lang: str, catalog: Catalog) -> list[str]:
    head = f"{e.display_name(lang)} · {maturity_label(e.maturity, lang)}"
    if not e.is_cncf:
        return [e.display_name(lang), not_cncf_line(e, lang, catalog),
                f"{t('label.homepage', lang)}: {e.homepage}" if e.homepage else ""]
    out = [head]
    summary = e.summary.get(lang) or t("project.no_summary", lang, maturity=maturity_label(e.maturity, lang).lower(),
                                       path=project_path(e))
    out.append(summary)
    if not e.summary.get(lang) and e.description:  # the landscape's words, quoted and credited
        out.append(f"“{e.description}” — CNCF Landscape (CC-BY-4.0)")
    features = e.features.get(lang)
    if features:
        out.append(t("label.features", lang) + ":")
        out += [f"  • {f}" for f in features]
    if e.use_when.get(lang):
        out.append(f"{t('label.use_when', lang)}: {e.use_when.get(lang)}")
    if e.avoid_when.get(lang):
        out.append(f"{t('label.avoid_when', lang)}: {e.avoid_when.get(lang)}")
    out.append(f"{t('label.category', lang)}: {project_path(e)}")
    if dates_line(e, lang):
        out.append(f"{t('label.dates', lang)}: {dates_line(e, lang)}")
    if e.replaced_by:
        out.append(f"{t('label.replaced_by', lang)}: " + ", ".join(
            catalog.entries[i].name for i in e.replaced_by if i in catalog.entries))
    if e.trail_step and e.trail_step in catalog.steps:
        s = catalog.steps[e.trail_step]
        out.append(f"{t('label.trail_step', lang)}: {s.step}. {s.title.get(lang)}")
    if e.related:
        out.append(f"{t('label.related', lang)}: " + ", ".join(
            catalog.entries[i].name for i in e.related if i in catalog.entries))
    links = [f"{t('label.homepage', lang)}: {e.homepage}" if e.homepage else "",
             f"{t('label.repo', lang)}: {e.repo}" if e.repo else ""]
    out += [x for x in links if x]
    return out


def render_text(a: Answer, catalog: Catalog) -> str:
    return catalog.cached(("text", a.render_key()), lambda: _render_text(a, catalog))


def _render_text(a: Answer, catalog: Catalog) -> str:
    lang = a.lang
    lines: list[str] = []
    if a.did_you_mean:
        lines.append(t("dym.title", lang))
        lines += [f"  • {e.display_name(lang)} ({maturity_label(e.maturity, lang)})" for e in a.projects]
        lines += [f"  • {c.name.get(lang)}" for c in a.concepts]
    elif a.intent == "project" and a.projects:
        if a.fact:
            lines.append(fact_line(a, lang))
        lines += project_lines(a.projects[0], lang, catalog)
    elif a.intent == "compare" and a.comparison:
        c = a.comparison
        lines.append(t("compare.title", lang, title=c.title.get(lang)))
        names = [item_name(i, lang, catalog) for i in c.items]
        for row in c.rows:
            lines.append(f"{row.dimension.get(lang)}:")
            lines += [f"  {n}: {v.get(lang)}" for n, v in zip(names, row.values)]
        lines.append(f"{t('label.when_to_pick', lang)}: {c.summary.get(lang)}")
    elif a.intent == "recommend":
        lines.append(t("recommend.intro", lang))
        for n, e in enumerate(a.projects, 1):
            lines.append(f"{n}. {e.display_name(lang)} ({maturity_label(e.maturity, lang)}): {a.reasons.get(e.id, '')}")
            if e.summary.get(lang):
                lines.append(f"   {first_sentence(e.summary.get(lang))}")
    elif a.intent == "list":
        filters = list_filters(a, lang)
        if a.projects:
            lines.append(t("list.title", lang, count=len(a.projects), filters=filters))
            lines += [f"  • {e.display_name(lang)} ({maturity_label(e.maturity, lang)}, {e.subcategory})"
                      for e in a.projects[:TEXT_LIST_MAX]]
            if len(a.projects) > TEXT_LIST_MAX:  # the full list is in the JSON and in the paged card
                lines.append(t("list.more", lang, n=len(a.projects) - TEXT_LIST_MAX))
        else:
            lines.append(t("list.none", lang, filters=filters))
    elif a.intent == "trailmap":
        if a.hint.startswith("no_step:"):
            lines.append(t("trail.no_step", lang, step=a.hint.split(":", 1)[1], steps=len(catalog.steps)))
        lines += trail_lines(a, catalog)
    elif a.intent == "concept" and a.concept:
        c = a.concept
        lines.append(t("concept.title", lang, name=c.name.get(lang)))
        lines.append(c.summary.get(lang))
        if a.projects:
            lines.append(f"{t('label.related', lang)}: " + ", ".join(e.display_name(lang) for e in a.projects))
        related = [catalog.concepts[i].name.get(lang) for i in c.related_concepts if i in catalog.concepts]
        if related:
            lines.append(f"{t('label.related_concepts', lang)}: " + ", ".join(related))
    elif a.intent == "help" and a.hint == "thanks":
        lines.append(t("talk.thanks", lang))
    elif a.intent == "help":
        if a.hint == "hello":
            lines.append(t("talk.hello", lang))
        lines += [t("help.title", lang), t("help.body", lang), t("help.examples", lang) + ":"]
        lines += [f"  • {q}" for q in HELP_EXAMPLES[lang]]
    else:
        lines += [t("unknown.title", lang), t("unknown.hint", lang)]
    if a.intent in ("project", "list", "compare", "recommend", "trailmap") and not a.did_you_mean:
        lines.append(t("source.credit", lang, date=catalog.source.data_date))
    return "\n".join(x for x in lines if x)


def trail_lines(a: Answer, catalog: Catalog) -> list[str]:
    lang = a.lang
    if a.step is None:
        out = [t("trail.title", lang), catalog.intro.get(lang) or t("trail.dated", lang)]
        out += [f"  {s.step}. {s.title.get(lang)}" for s in a.trail]
        out.append(t("trail.ask_step", lang))
        return out
    s = a.trail[0]
    out = [t("trail.step", lang, step=s.step, title=s.title.get(lang)), s.summary.get(lang),
           f"{t('trail.todo', lang)}: {s.todo.get(lang)}"]
    if s.map_projects:
        out.append(t("trail.on_map", lang) + ": " + ", ".join(
            f"{catalog.entries[i].name} ({t('trail.was', lang, m=m)}, {maturity_label(catalog.entries[i].maturity, lang)})"
            for i, m in s.map_projects if i in catalog.entries))
    today = [catalog.entries[i] for i in s.projects if i in catalog.entries]
    if today:
        out.append(t("trail.today", lang) + ": " + ", ".join(
            f"{e.name} ({maturity_label(e.maturity, lang)})" for e in today))
    out.append(f"{t('trail.next', lang)}: {s.next.get(lang)}")
    out.append(t("trail.dated", lang))
    return out


def fact_line(a: Answer, lang: str) -> str:
    """The one-line answer to a date question, said before the card: "Argo graduated on 2022-12-06."."""
    assert a.fact is not None
    kind, date = a.fact
    e = a.projects[0]
    en, ko, ko_not = FACT_VERBS[kind]
    if date:
        return t("fact.done", lang, name=e.display_name(lang), verb=en, verb_ko=ko, date=date)
    since = t("fact.since", lang, date=e.accepted) if e.accepted else ""
    return t("fact.not_yet", lang, name=e.display_name(lang), verb=en.replace("was ", "been "), verb_ko_not=ko_not,
             maturity=maturity_label(e.maturity, lang).lower(), since=since)


def list_filters(a: Answer, lang: str) -> str:
    parts = []
    if a.transition:
        en, ko = FILTER_VERBS[a.transition]
        key = "fact.filter" if a.year else "fact.filter_any"
        parts.append(t(key, lang, verb=en, verb_ko=ko, year=a.year))
    if a.maturity and a.maturity != a.transition:
        parts.append(maturity_label(a.maturity, lang))
    if a.category:
        parts.append(a.category)
    return f" ({', '.join(parts)})" if parts else ""


def item_name(ref: str, lang: str, catalog: Catalog) -> str:
    if ref.startswith("concept:"):
        c = catalog.concepts.get(ref[8:])
        return c.name.get(lang) if c else ref[8:]
    e = catalog.entries.get(ref)
    return e.display_name(lang) if e else ref
