"""Answer -> Slack Block Kit, one card per intent, in the Answer's language.

Every string that reaches mrkdwn is escaped (`&`, `<`, `>` only, as Slack asks), and every
block respects Slack's limits; `fit_message` is the last guard before anything is sent.
Interactive elements carry their action in `action_id` and what it needs in `value`
(see `handlers.actions`), always including the language of the original answer.
"""
from __future__ import annotations

import re

import json

import orjson

from knowledge.i18n import HELP_EXAMPLES, maturity_label, t
from knowledge.loader import Catalog
from knowledge.model import Answer, Entry
from knowledge.render_text import dates_line, fact_line, item_name, list_filters, not_cncf_line, project_path
from knowledge.text import first_sentence

PAGE_SIZE = 20
MAX_BLOCKS = 50
SECTION_MAX = 3000
FIELD_MAX = 2000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
VALUE_MAX = 2000
MESSAGE_CHARS_MAX = 12000

# action ids (handlers/actions.py registers one listener per id)
A_OPEN = "cncf_open"          # value: {"k": "project"|"concept"|"step", "id": ..., "l": lang}
A_COMPARE = "cncf_compare"    # static_select; option value: {"a": id, "b": id, "l": lang}
A_MORE = "cncf_more"          # value: {"m": maturity, "c": category, "o": offset, "l": lang}
A_SHARE = "cncf_share"        # value: {"q": question, "l": lang}
A_LINK = "cncf_link"          # link buttons (Slack still sends an action; we just ack it)


def esc(text: str) -> str:
    """Escape text for mrkdwn: Slack's three control characters and nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value(data: dict) -> str:
    return clip(orjson.dumps(data).decode("utf-8"), VALUE_MAX)  # compact, UTF-8: as json.dumps(..., ",", ":")


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, HEADER_MAX) or "-", "emoji": True}}


def section(md: str, **extra) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": clip(md, SECTION_MAX) or " "}}
    block.update(extra)
    return block


def fields(pairs: list[tuple[str, str]]) -> dict:
    return {"type": "section", "fields": [
        {"type": "mrkdwn", "text": clip(f"*{esc(k)}*\n{esc(v)}", FIELD_MAX)} for k, v in pairs[:10]]}


def context(md: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(md, SECTION_MAX)}]}


def button(text: str, action_id: str, val: str | None = None, url: str | None = None, style: str | None = None) -> dict:
    b: dict = {"type": "button", "text": {"type": "plain_text", "text": clip(text, BUTTON_TEXT_MAX), "emoji": True},
               "action_id": action_id}
    if val is not None:
        b["value"] = val
    if url:
        b["url"] = url
    if style:
        b["style"] = style
    return b


def actions(elements: list[dict], block_id: str | None = None) -> dict:
    block = {"type": "actions", "elements": elements[:25]}
    if block_id:
        block["block_id"] = block_id[:255]
    return block


def credit(catalog: Catalog, lang: str) -> dict:
    return context(esc(t("source.credit", lang, date=catalog.source.data_date)))


# -- cards ----------------------------------------------------------------------------------------

def project_card(e: Entry, lang: str, catalog: Catalog) -> list[dict]:
    if not e.is_cncf:
        blocks = [header(e.display_name(lang)),
                  section(esc(not_cncf_line(e, lang, catalog)))]
        if e.homepage:
            blocks.append(actions([button(t("label.homepage", lang), f"{A_LINK}_home", url=e.homepage)]))
        blocks.append(credit(catalog, lang))
        return blocks
    blocks = [header(f"{e.display_name(lang)} · {maturity_label(e.maturity, lang)}")]
    blocks += summary_blocks(e, lang)
    facts = [(t("label.maturity", lang), maturity_label(e.maturity, lang)),
             (t("label.category", lang), project_path(e))]
    if dates_line(e, lang):
        facts.append((t("label.dates", lang), dates_line(e, lang)))
    if e.trail_step and e.trail_step in catalog.steps:
        s = catalog.steps[e.trail_step]
        facts.append((t("label.trail_step", lang), f"{s.step}. {s.title.get(lang)}"))
    if e.replaced_by:
        facts.append((t("label.replaced_by", lang),
                      ", ".join(catalog.entries[i].name for i in e.replaced_by if i in catalog.entries)))
    blocks.append(fields(facts))
    feats = e.features.get(lang)
    if feats:
        blocks.append(section(f"*{esc(t('label.features', lang))}*\n" + "\n".join(f"• {esc(f)}" for f in feats)))
    notes = []
    if e.use_when.get(lang):
        notes.append(f"*{esc(t('label.use_when', lang))}:* {esc(e.use_when.get(lang))}")
    if e.avoid_when.get(lang):
        notes.append(f"*{esc(t('label.avoid_when', lang))}:* {esc(e.avoid_when.get(lang))}")
    if notes:
        blocks.append(section("\n".join(notes)))
    blocks.append(actions(project_links(e, lang, catalog), block_id=f"project:{e.id}"))
    blocks.append(credit(catalog, lang))
    return blocks


def project_links(e: Entry, lang: str, catalog: Catalog) -> list[dict]:
    """The links of a project card (homepage, repository, Landscape), its trail step and the
    Compare with… menu: the same on the full and the compact card."""
    links = [button(t("label.homepage", lang), f"{A_LINK}_home", url=e.homepage)] if e.homepage else []
    if e.repo:
        links.append(button(t("label.repo", lang), f"{A_LINK}_repo", url=e.repo))
    links.append(button(t("label.landscape", lang), f"{A_LINK}_landscape", url=e.landscape_url))
    if e.trail_step and e.trail_step in catalog.steps:
        links.append(button(t("trail.step", lang, step=e.trail_step, title=catalog.steps[e.trail_step].title.get(lang)),
                            f"{A_OPEN}_step", value({"k": "step", "id": e.trail_step, "l": lang})))
    related = [catalog.entries[i] for i in e.related if i in catalog.entries][:25]
    if related:
        links.append({
            "type": "static_select", "action_id": A_COMPARE,
            "placeholder": {"type": "plain_text", "text": "다른 프로젝트와 비교..." if lang == "ko" else "Compare with...",
                            "emoji": True},
            "options": [{"text": {"type": "plain_text", "text": clip(r.name, 75), "emoji": True},
                         "value": value({"a": e.id, "b": r.id, "l": lang})} for r in related]})
    return links


def summary_blocks(e: Entry, lang: str, limit: int | None = None) -> list[dict]:
    """The project's summary (its first `limit` sentences), or a line from its facts and the
    landscape's own description quoted, when no text is curated yet."""
    summary = e.summary.get(lang) or t("project.no_summary", lang, maturity=maturity_label(e.maturity, lang).lower(),
                                       path=project_path(e))
    blocks = [section(esc(sentences(summary, limit) if limit else summary))]
    if not e.summary.get(lang) and e.description:
        blocks.append(section(esc(landscape_quote(e, lang))))
    return blocks


def compact_project_card(e: Entry, lang: str, catalog: Catalog) -> list[dict]:
    """For channels and threads: name and maturity, two or three sentences, the links, and buttons for
    the full card, a comparison and the trail step."""
    if not e.is_cncf:
        return project_card(e, lang, catalog)
    details = button("자세히" if lang == "ko" else "Details", f"{A_OPEN}_full",
                     value({"k": "project", "id": e.id, "l": lang}), style="primary")
    return [header(f"{e.display_name(lang)} · {maturity_label(e.maturity, lang)}"), *summary_blocks(e, lang, 3),
            actions([details, *project_links(e, lang, catalog)], block_id=f"project:{e.id}"), credit(catalog, lang)]


def landscape_quote(e: Entry, lang: str) -> str:
    """The landscape's own description of an entry with no curated text yet, as a credited quotation."""
    who = "CNCF Landscape (CC-BY-4.0)"
    return f"“{e.description}” — {who}" if lang != "ko" else f"“{e.description}” — {who} 설명"


def sentences(text: str, n: int) -> str:
    """The first `n` sentences of a text (ends at . ! ? or 다.)."""
    parts = re.findall(r".+?(?:[.!?。](?=\s|$)|$)", text.strip())
    return " ".join(p.strip() for p in parts[:n] if p.strip()) or text


def row_difference(row, lang: str) -> float:
    """How much the values of a comparison row differ: 1 - the overlap of their words (0: alike)."""
    words = [set(re.findall(r"\w+", v.get(lang).lower())) for v in row.values]
    if len(words) < 2 or not any(words):
        return 0.0
    common = set.intersection(*words)
    union = set.union(*words)
    return 1.0 - len(common) / len(union) if union else 0.0


COMPACT_ROWS = 3


def compact_compare_card(a: Answer, catalog: Catalog) -> list[dict]:
    """For channels and threads: the rows that differ most, the verdict, and "All rows"."""
    c = a.comparison
    assert c is not None
    lang = a.lang
    if len(c.rows) <= COMPACT_ROWS:
        return compare_card(a, catalog)
    names = [item_name(i, lang, catalog) for i in c.items]
    order = sorted(range(len(c.rows)), key=lambda i: (-row_difference(c.rows[i], lang), i))[:COMPACT_ROWS]
    blocks = [header(t("compare.title", lang, title=c.title.get(lang)))]
    for i in sorted(order):
        row = c.rows[i]
        blocks.append(section(f"*{esc(row.dimension.get(lang))}*",
                              fields=[{"type": "mrkdwn", "text": clip(f"*{esc(n)}*\n{esc(v.get(lang))}", FIELD_MAX)}
                                      for n, v in zip(names, row.values)][:10]))
    blocks.append(section(f"*{esc(t('label.when_to_pick', lang))}*\n{esc(c.summary.get(lang))}"))
    ids = [ref.replace("concept:", "") for ref in c.items]
    more = [button(f"{'모든 항목' if lang == 'ko' else 'All rows'} ({len(c.rows)})", f"{A_OPEN}_rows",
                   value({"a": ids[0], "b": ids[1], "l": lang}))] if len(ids) == 2 else []
    blocks.append(actions(more + [button(n, f"{A_OPEN}_{i}", value({"k": "concept" if ref.startswith("concept:")
                                                                    else "project", "id": ref.replace("concept:", ""),
                                                                    "l": lang}))
                                  for i, (n, ref) in enumerate(zip(names, c.items))], block_id="compare:" + c.id))
    blocks.append(credit(catalog, lang))
    return blocks


def compare_card(a: Answer, catalog: Catalog) -> list[dict]:
    c = a.comparison
    assert c is not None
    lang = a.lang
    names = [item_name(i, lang, catalog) for i in c.items]
    blocks = [header(t("compare.title", lang, title=c.title.get(lang)))]
    if not c.curated:
        blocks.append(context(esc(t("compare.built", lang))))
    for row in c.rows[: MAX_BLOCKS - 6]:
        blocks.append(section(f"*{esc(row.dimension.get(lang))}*",
                              fields=[{"type": "mrkdwn", "text": clip(f"*{esc(n)}*\n{esc(v.get(lang))}", FIELD_MAX)}
                                      for n, v in zip(names, row.values)][:10]))
    blocks.append(section(f"*{esc(t('label.when_to_pick', lang))}*\n{esc(c.summary.get(lang))}"))
    opens = [button(n, f"{A_OPEN}_{i}", value({"k": "concept" if ref.startswith("concept:") else "project",
                                                 "id": ref.replace("concept:", ""), "l": lang}))
             for i, (n, ref) in enumerate(zip(names, c.items))]
    blocks.append(actions(opens, block_id="compare:" + c.id))
    blocks.append(credit(catalog, lang))
    return blocks


def recommend_card(a: Answer, catalog: Catalog) -> list[dict]:
    lang = a.lang
    blocks = [header(t("recommend.title", lang, need=a.need or a.question[:60])), context(esc(t("recommend.intro", lang)))]
    for n, e in enumerate(a.projects, 1):
        line = f"*{n}. {esc(e.display_name(lang))}* ({esc(maturity_label(e.maturity, lang))})\n"
        if e.summary.get(lang):
            line += esc(first_sentence(e.summary.get(lang))) + "\n"
        line += f"_{esc(a.reasons.get(e.id, ''))}_"
        blocks.append(section(line, accessory=button("자세히" if lang == "ko" else "Details", f"{A_OPEN}_{n}",
                                                     value({"k": "project", "id": e.id, "l": lang}))))
    blocks.append(credit(catalog, lang))
    return blocks


def list_card(a: Answer, catalog: Catalog, offset: int = 0) -> list[dict]:
    lang = a.lang
    filters = list_filters(a, lang)
    if not a.projects:
        return [section(esc(t("list.none", lang, filters=filters))), credit(catalog, lang)]
    page = a.projects[offset: offset + PAGE_SIZE]
    blocks = [header(t("list.title", lang, count=len(a.projects), filters=filters))]
    lines = [f"• *{esc(e.display_name(lang))}* · {esc(maturity_label(e.maturity, lang))} · {esc(e.subcategory)}"
             for e in page]
    blocks.append(section("\n".join(lines)))
    end = offset + len(page)
    blocks.append(context(f"{offset + 1}–{end} / {len(a.projects)}"))
    if end < len(a.projects):
        more = "더 보기" if lang == "ko" else "More"
        blocks.append(actions([button(more, A_MORE, value({"m": a.maturity, "c": a.category, "o": end, "l": lang,
                                                                **({"y": a.year, "t": a.transition} if a.transition else {})}))],
                              block_id=f"list:{end}"))
    blocks.append(credit(catalog, lang))
    return blocks


def trail_card(a: Answer, catalog: Catalog) -> list[dict]:
    lang = a.lang
    if a.step is None:
        blocks = [header(t("trail.title", lang)), section(esc(catalog.intro.get(lang) or t("trail.dated", lang)))]
        blocks.append(section("\n".join(f"*{s.step}.* {esc(s.title.get(lang))}" for s in a.trail)))
        blocks.append(actions([button(f"{s.step}. {s.title.get(lang)}", f"{A_OPEN}_step{s.step}",
                                      value({"k": "step", "id": s.step, "l": lang})) for s in a.trail],
                              block_id="trail:overview"))
        blocks.append(context(esc(t("trail.dated", lang))))
        return blocks
    s = a.trail[0]
    blocks = [header(t("trail.step", lang, step=s.step, title=s.title.get(lang))), section(esc(s.summary.get(lang))),
              section(f"*{esc(t('trail.todo', lang))}*\n{esc(s.todo.get(lang))}")]
    pairs = []
    on_map = [f"{catalog.entries[i].name} ({t('trail.was', lang, m=m)}; {maturity_label(catalog.entries[i].maturity, lang)})"
              for i, m in s.map_projects if i in catalog.entries]
    if on_map:
        pairs.append((t("trail.on_map", lang), "\n".join(on_map)))
    today = [f"{catalog.entries[i].name} ({maturity_label(catalog.entries[i].maturity, lang)})"
             for i in s.projects if i in catalog.entries]
    if today:
        pairs.append((t("trail.today", lang), "\n".join(today)))
    if pairs:
        blocks.append(fields(pairs))
    blocks.append(section(f"*{esc(t('trail.next', lang))}*\n{esc(s.next.get(lang))}"))
    nav = []
    if s.step > 1:
        nav.append(button(f"← {s.step - 1}", f"{A_OPEN}_prev", value({"k": "step", "id": s.step - 1, "l": lang})))
    if s.step < 10:
        nav.append(button(f"{s.step + 1} →", f"{A_OPEN}_next", value({"k": "step", "id": s.step + 1, "l": lang})))
    if nav:
        blocks.append(actions(nav, block_id=f"trail:{s.step}"))
    blocks.append(context(esc(t("trail.dated", lang))))
    return blocks


def concept_card(a: Answer, catalog: Catalog) -> list[dict]:
    c = a.concept
    assert c is not None
    lang = a.lang
    blocks = [header(t("concept.title", lang, name=c.name.get(lang))), section(esc(c.summary.get(lang)))]
    related = [catalog.concepts[i].name.get(lang) for i in c.related_concepts if i in catalog.concepts]
    if related:
        blocks.append(context(esc(f"{t('label.related_concepts', lang)}: " + ", ".join(related))))
    if a.projects:
        blocks.append(section(f"*{esc(t('label.related', lang))}*"))
        blocks.append(actions([button(e.name, f"{A_OPEN}_{n}", value({"k": "project", "id": e.id, "l": lang}))
                               for n, e in enumerate(a.projects[:10])], block_id=f"concept:{c.id}"))
    return blocks


def did_you_mean_card(a: Answer) -> list[dict]:
    lang = a.lang
    buttons = [button(f"{e.name} ({maturity_label(e.maturity, lang)})", f"{A_OPEN}_{n}",
                      value({"k": "project", "id": e.id, "l": lang})) for n, e in enumerate(a.projects)]
    buttons += [button(c.name.get(lang), f"{A_OPEN}_c{n}", value({"k": "concept", "id": c.id, "l": lang}))
                for n, c in enumerate(a.concepts)]
    return [section(esc(t("dym.title", lang))), actions(buttons[:3], block_id="dym")]


def help_card(lang: str) -> list[dict]:
    examples = "\n".join(f"• `{esc(q)}`" for q in HELP_EXAMPLES[lang])
    other = "en" if lang == "ko" else "ko"
    return [header(t("help.title", lang)), section(esc(t("help.body", lang))),
            section(f"*{esc(t('help.examples', lang))}*\n{examples}"),
            context(" · ".join(f"`{esc(q)}`" for q in HELP_EXAMPLES[other][:3]))]


def unknown_card(lang: str) -> list[dict]:
    return [section(f"*{esc(t('unknown.title', lang))}*\n{esc(t('unknown.hint', lang))}")]


def render_blocks(a: Answer, catalog: Catalog, offset: int = 0, compact: bool = False) -> list[dict]:
    """The Block Kit message of an Answer; `compact` for channels and threads (a short project card,
    the comparison rows that differ most). Remembered per catalog by the answer's render key; the
    list is a fresh copy, the blocks inside are shared and must not be changed in place."""
    return list(catalog.cached(("blocks", a.render_key(), offset, compact),
                               lambda: _render_blocks(a, catalog, offset, compact)))


def _render_blocks(a: Answer, catalog: Catalog, offset: int = 0, compact: bool = False) -> list[dict]:
    card = compact_project_card if compact else project_card
    if a.did_you_mean:
        blocks = did_you_mean_card(a)
    elif a.intent == "project" and a.projects and a.fact:
        blocks = [section(f"*{esc(fact_line(a, a.lang))}*")] + card(a.projects[0], a.lang, catalog)
    elif a.intent == "project" and a.projects:
        blocks = card(a.projects[0], a.lang, catalog)
    elif a.intent == "compare" and a.comparison:
        blocks = compact_compare_card(a, catalog) if compact else compare_card(a, catalog)
    elif a.intent == "recommend" and a.projects:
        blocks = recommend_card(a, catalog)
    elif a.intent == "list":
        blocks = list_card(a, catalog, offset)
    elif a.intent == "trailmap":
        blocks = trail_card(a, catalog)
        if a.hint.startswith("no_step:"):
            note = t("trail.no_step", a.lang, step=a.hint.split(":", 1)[1], steps=len(catalog.steps))
            blocks = blocks[:1] + [section(f"*{esc(note)}*")] + blocks[1:]
    elif a.intent == "concept" and a.concept:
        blocks = concept_card(a, catalog)
    elif a.intent == "help" and a.hint == "thanks":
        blocks = [section(esc(t("talk.thanks", a.lang)))]
    elif a.intent == "help":
        blocks = help_card(a.lang)
        if a.hint == "hello":
            blocks = [section(esc(t("talk.hello", a.lang)))] + blocks
    else:
        blocks = unknown_card(a.lang)
    return fit_message(blocks)


def fit_message(blocks: list[dict]) -> list[dict]:
    """Keep a message within Slack's block count and overall size; drop from the end if needed."""
    blocks = blocks[:MAX_BLOCKS]
    # Measured as Bolt sends it (json.dumps, with spaces); the compact orjson form is at least two
    # thirds of that, so a message well under the limit in it needs no exact measure.
    if len(orjson.dumps(blocks)) * 1.5 <= MESSAGE_CHARS_MAX:
        return blocks
    while len(blocks) > 1 and len(json.dumps(blocks, ensure_ascii=False)) > MESSAGE_CHARS_MAX:
        blocks = blocks[:-1]
    return blocks
