"""Every rendered answer fits Slack's limits and never pings anyone."""
from __future__ import annotations

import json

import pytest

from handlers.blocks import render_blocks

QUESTIONS = ["what is kubernetes", "쿠버네티스", "what is grafana", "jaeger vs opentracing", "예거와 오픈트레이싱 비교",
             "prometheus vs thanos vs cortex", "harbor vs falco", "tracing tool", "트레이싱 도구 추천",
             "graduated projects", "sandbox projects", "샌드박스 프로젝트", "trail map", "트레일 맵 5단계",
             "trail map step 10", "what is gitops", "서비스 메시란", "help", "도움말", "zzzz", "kubernetis",
             "opentracing", "<!channel> what is <@U123> & helm?", "list projects"]


def walk(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v, key)
    else:
        yield key, node


def check_limits(blocks: list[dict]):
    assert 1 <= len(blocks) <= 50
    assert len(json.dumps(blocks, ensure_ascii=False)) <= 13000
    for b in blocks:
        if b["type"] == "header":
            assert b["text"]["type"] == "plain_text" and len(b["text"]["text"]) <= 150
        if b["type"] == "section":
            if "text" in b:
                assert len(b["text"]["text"]) <= 3000
            for f in b.get("fields", []):
                assert len(f["text"]) <= 2000
            assert len(b.get("fields", [])) <= 10
        if b["type"] == "actions":
            assert len(b["elements"]) <= 25
            for el in b["elements"]:
                if el["type"] == "button":
                    assert len(el["text"]["text"]) <= 75 and len(el.get("value", "")) <= 2000
        if b["type"] == "context":
            assert len(b["elements"]) <= 10
        for k, v in walk(b):
            if k in ("action_id", "block_id"):
                assert len(v) <= 255


@pytest.mark.parametrize("q", QUESTIONS)
def test_every_card_fits_slack_limits(engine, q):
    check_limits(render_blocks(engine.ask(q), engine.catalog))


def test_every_project_card_fits(engine, catalog):
    for e in catalog.entries.values():
        if e.is_cncf:
            check_limits(render_blocks(engine.project_answer(e.id, "en"), catalog))
            check_limits(render_blocks(engine.project_answer(e.id, "ko"), catalog))


def test_every_comparison_and_concept_fits(engine, catalog):
    for c in catalog.comparisons.values():
        for lang in ("en", "ko"):
            check_limits(render_blocks(engine.compare_answer(list(c.items), lang), catalog))
    for cid in catalog.concepts:
        check_limits(render_blocks(engine.concept_answer(cid, "ko"), catalog))


@pytest.mark.parametrize("q", ["recommend a tool for <!channel> tracing & <@U123> <!here>",
                               "<!everyone> what is helm", "<#C123|general> vs <https://evil.example|kubernetes>",
                               "<!channel>", "trail map <!here> step 2"])
def test_user_text_cannot_ping(engine, q):
    from knowledge.render_text import render_text
    a = engine.ask(q)
    text = json.dumps(render_blocks(a, engine.catalog), ensure_ascii=False) + render_text(a, engine.catalog)
    for seq in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123", "<https://evil"):
        assert seq not in text


def test_escape_only_slacks_three_characters():
    from handlers.blocks import esc
    assert esc("a & b <!here> > 'c' \"d\" *e*") == "a &amp; b &lt;!here&gt; &gt; 'c' \"d\" *e*"


def test_long_list_pages_with_a_more_button(engine):
    a = engine.ask("sandbox projects")
    blocks = render_blocks(a, engine.catalog)
    more = [el for b in blocks if b["type"] == "actions" for el in b["elements"] if el["action_id"] == "cncf_more"]
    assert len(more) == 1
    assert json.loads(more[0]["value"]) == {"m": "sandbox", "c": None, "o": 20, "l": "en"}
    last = render_blocks(a, engine.catalog, offset=140)
    assert not [b for b in last if b["type"] == "actions"]
