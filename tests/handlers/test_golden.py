"""Golden Block Kit JSON of every card kind in English and Korean, so a layout change shows as a diff.

Regenerate after an intended change with:  CNCF_UPDATE_GOLDEN=1 python -m pytest tests/handlers/test_golden.py
and review the diff of tests/handlers/golden/ like any other code.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block

from handlers.blocks import render_blocks
from handlers.commands import help_reply
from handlers.deps import Deps, with_share
from handlers.home import home_view
from handlers.services import NullServices, Reply

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CNCF_UPDATE_GOLDEN") == "1"

# kind -> how to get its Answer in a language. Direct answers where they exist, so a change in
# how questions are matched does not churn the layout files; questions for the rest.
CARDS = {
    "project": lambda e, lang: e.project_answer("linkerd", lang),
    "project-not-cncf": lambda e, lang: e.project_answer("grafana", lang),
    "compare": lambda e, lang: e.compare_answer(["jaeger", "opentracing"], lang),
    "compare-built": lambda e, lang: e.compare_answer(["harbor", "falco"], lang),
    "recommend": lambda e, lang: e.ask({"en": "what should I use for tracing?", "ko": "트레이싱 도구 추천"}[lang]),
    "list": lambda e, lang: e.list_answer("graduated", "Service Mesh", lang),
    "list-paged": lambda e, lang: e.list_answer("sandbox", None, lang),
    "trail-overview": lambda e, lang: e.step_answer(None, lang),
    "trail-step": lambda e, lang: e.step_answer(5, lang),
    "concept": lambda e, lang: e.concept_answer("service-mesh", lang),
    "did-you-mean": lambda e, lang: e.ask({"en": "jeager", "ko": "링커"}[lang]),
    "help": lambda e, lang: e.ask({"en": "help", "ko": "도움말"}[lang]),
    "unknown": lambda e, lang: e.ask({"en": "qwertyuiop zxcvbnm", "ko": "아무말 대잔치 뷁"}[lang]),
}
EXPECTED_INTENT = {"project-not-cncf": "project", "compare-built": "compare", "list-paged": "list",
                   "trail-overview": "trailmap", "trail-step": "trailmap", "did-you-mean": "project"}


def compare_or_update(name: str, data) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"{path} is missing; run with CNCF_UPDATE_GOLDEN=1 to create it")
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.read_text(encoding="utf-8") == text, (
        f"{name}: the rendered Block Kit differs from {path}; if the change is intended, "
        f"regenerate with CNCF_UPDATE_GOLDEN=1 and review the diff")


def validate(blocks: list[dict], max_blocks: int = 50) -> None:
    """Slack's own models check field lengths and element counts."""
    assert 1 <= len(blocks) <= max_blocks
    for block in Block.parse_all(blocks):
        block.validate_json()
    assert json.dumps(blocks).count('"action_id"') == sum(json.dumps(b).count('"action_id"') for b in blocks)


@pytest.mark.parametrize("kind", sorted(CARDS))
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_card_matches_golden(engine, kind, lang):
    answer = CARDS[kind](engine, lang)
    assert answer.lang == lang and answer.intent == EXPECTED_INTENT.get(kind, kind)
    assert answer.did_you_mean == (kind == "did-you-mean")
    blocks = render_blocks(answer, engine.catalog)
    validate(blocks)
    compare_or_update(f"{kind}.{lang}", blocks)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_home_view_matches_golden(engine, lang):
    view = home_view(engine.catalog, lang, "keda")
    validate(view["blocks"], max_blocks=100)
    compare_or_update(f"home.{lang}", view)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_help_reply_and_share_button_match_golden(engine, lang):
    deps = Deps(engine=engine, services=NullServices(), client=None)
    reply = help_reply(deps, lang)
    validate(reply.blocks)
    shared = with_share(Reply(text="x", blocks=render_blocks(CARDS["project"](engine, lang),
                                                             engine.catalog)), "what is linkerd", lang)
    validate(shared.blocks)
    compare_or_update(f"command-help.{lang}", reply.blocks)
    compare_or_update(f"share-button.{lang}", shared.blocks[-1])


def test_share_button_fits_even_a_full_message(engine):
    answer = engine.list_answer("sandbox", None, "en")
    blocks = render_blocks(answer, engine.catalog)
    big = Reply(text="x", blocks=(blocks * 20)[:50])
    shared = with_share(big, "x" * 10_000, "en")
    validate(shared.blocks)
    assert shared.blocks[-1]["block_id"] == "share"
    assert len(json.loads(shared.blocks[-1]["elements"][0]["value"])["q"]) <= 900


@pytest.mark.parametrize("kind", ["project", "compare", "compare-built"])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_compact_card_for_channels_matches_golden_and_is_shorter(engine, kind, lang):
    from handlers.feedback import with_feedback

    answer = CARDS[kind](engine, lang)
    full = render_blocks(answer, engine.catalog)
    compact = render_blocks(answer, engine.catalog, compact=True)
    validate(compact)
    assert len(json.dumps(compact, ensure_ascii=False)) < len(json.dumps(full, ensure_ascii=False))
    actions = [el for b in compact if b["type"] == "actions" for el in b["elements"]]
    assert any(el.get("action_id", "").endswith(("_full", "_rows")) for el in actions)  # the full card is a click away
    rated = with_feedback(Reply(text="x", blocks=compact), answer, "C1:1.2").blocks
    validate(rated)
    compare_or_update(f"{kind}.compact.{lang}", rated)
