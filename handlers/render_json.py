"""Answer -> the JSON object of the `cncf-bot ask --json` contract."""
from __future__ import annotations

from knowledge.loader import Catalog
from knowledge.model import Answer
from knowledge.render_text import render_text

from .blocks import render_blocks


def answer_json(a: Answer, catalog: Catalog) -> dict:
    return {
        "intent": a.intent,
        "lang": a.lang,
        "projects": [{"id": e.id, "name": e.name, "maturity": e.maturity} for e in a.projects],
        "step": a.step,
        # the concept's canonical (English) name: stable for scripts whatever the answer language
        "concept": {"id": a.concept.id, "name": a.concept.name.en} if a.concept else None,
        "maturity": a.maturity,
        "category": a.category,
        "did_you_mean": a.did_you_mean,
        "text": render_text(a, catalog),
        "blocks": render_blocks(a, catalog),
    }
