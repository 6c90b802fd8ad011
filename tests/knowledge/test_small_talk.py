"""Greetings and thanks get a friendly word; a trail step that does not exist says how many there are."""
from __future__ import annotations

import pytest

from knowledge.render_text import render_text


@pytest.mark.parametrize("text, kind, lang", [
    ("hi", "hello", "en"), ("hello there!", "hello", "en"), ("hey bot", "hello", "en"),
    ("thanks!", "thanks", "en"), ("thank you so much", "thanks", "en"), ("<@U123> thx", "thanks", "en"),
    ("안녕하세요", "hello", "ko"), ("고마워요!", "thanks", "ko"), ("정말 감사합니다", "thanks", "ko"),
])
def test_small_talk_is_answered_kindly(engine, catalog, text, kind, lang):
    a = engine.ask(text)
    assert (a.intent, a.hint, a.lang) == ("help", kind, lang)
    out = render_text(a, catalog)
    assert "Sorry" not in out and "죄송" not in out


@pytest.mark.parametrize("text", ["hi, what is istio?", "thanks, what about keda", "hey what can you do",
                                  "hello world app on kubernetes"])
def test_a_greeting_with_a_question_is_the_question(engine, text):
    assert engine.ask(text).hint not in ("hello", "thanks")


@pytest.mark.parametrize("text, lang", [("trail map step 11", "en"), ("트레일 맵 12단계", "ko")])
def test_a_trail_step_past_the_end_says_how_many_there_are(engine, catalog, text, lang):
    a = engine.ask(text)
    assert a.intent == "trailmap" and a.step is None and len(a.trail) == len(catalog.steps) == 10
    first = render_text(a, catalog).splitlines()[0]
    assert "10" in first and text.split()[-1].rstrip("단계").replace("step", "").strip() in first
