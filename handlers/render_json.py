"""Answer -> the JSON object of the `cncf-bot ask --json` contract."""
from __future__ import annotations

import orjson

from knowledge.loader import Catalog
from knowledge.model import Answer
from knowledge.render_text import render_text

from .blocks import render_blocks


def answer_json_line(a: Answer, catalog: Catalog) -> str:
    """The same object as one line of JSON text (UTF-8, compact). The blocks part, the bulk of
    it, is serialized once per card and remembered with the card (see handlers.blocks.render_blocks).
    orjson, because serializing a 5 KB card with the standard library costs as much as answering."""
    head = answer_json(a, catalog, with_blocks=False)
    blocks = catalog.cached(("blocks-json", a.render_key()),
                            lambda: orjson.dumps(render_blocks(a, catalog)).decode("utf-8"))
    return orjson.dumps(head).decode("utf-8")[:-1] + ',"blocks":' + blocks + "}"


def answer_json(a: Answer, catalog: Catalog, with_blocks: bool = True) -> dict:
    return {
        "intent": a.intent,
        "lang": a.lang,
        "projects": [{"id": e.id, "name": e.name, "maturity": e.maturity, **({"part_of": e.parent} if e.parent else {})}
                     for e in a.projects],
        "step": a.step,
        # the concept's canonical (English) name: stable for scripts whatever the answer language
        "concept": {"id": a.concept.id, "name": a.concept.name.en} if a.concept else None,
        "maturity": a.maturity,
        "category": a.category,
        "did_you_mean": a.did_you_mean,
        # project: the date a question about one step of its life leads with
        "fact": {"kind": a.fact[0], "date": a.fact[1]} if a.fact else None,
        # list: a date filter ("graduated in 2024") and a "how many" count
        "year": a.year,
        "transition": a.transition,
        "count": a.count,
        "text": render_text(a, catalog),
        **({"blocks": render_blocks(a, catalog)} if with_blocks else {}),
    }
