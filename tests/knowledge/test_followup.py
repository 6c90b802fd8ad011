"""Follow-ups against a conversation's memory: pronouns, short forms, language switches, own subjects."""
from __future__ import annotations

import pytest

from knowledge.followup import Memory, follow_up, remember


@pytest.fixture(scope="module")
def istio(engine):
    return remember(engine.ask("what is istio"))


@pytest.mark.parametrize("text", ["is it graduated?", "what about its maturity?", "그거 졸업했어?", "걔는 언제 졸업했어?",
                                  "이건 뭐야?", "graduated?", "tell me more", "더 자세히"])
def test_pronouns_and_short_forms_mean_the_subject(engine, istio, text):
    a = follow_up(engine, text, istio)
    assert a.intent != "unknown" and [e.id for e in a.projects][:1] == ["istio"]


def test_compare_it_with_another(engine, istio):
    a = follow_up(engine, "compare it with linkerd", istio)
    assert a.intent == "compare" and {e.id for e in a.projects} == {"istio", "linkerd"}


@pytest.mark.parametrize("text, lang", [("alternatives?", "en"), ("대안은?", "ko")])
def test_alternatives_to_the_subject(engine, istio, text, lang):
    a = follow_up(engine, text, istio)
    ids = [e.id for e in a.projects]
    assert a.lang == lang and ids and "istio" not in ids[:1]


@pytest.mark.parametrize("text, lang", [("in Korean", "ko"), ("한국어로", "ko"), ("영어로", "en")])
def test_language_switch_repeats_the_last_question(engine, istio, text, lang):
    a = follow_up(engine, text, istio)
    assert a.lang == lang and [e.id for e in a.projects][:1] == ["istio"]


def test_a_question_with_its_own_subject_ignores_the_memory(engine, istio):
    assert [e.id for e in follow_up(engine, "what is keda?", istio).projects][:1] == ["keda"]


def test_no_memory_is_a_fresh_question_and_memory_round_trips(engine, istio):
    assert follow_up(engine, "is it graduated?", None).intent == engine.ask("is it graduated?").intent
    assert Memory.from_dict(istio.to_dict()) == istio
    assert Memory.from_dict("garbage") is None and Memory.from_dict({"projects": 3}) is None


def test_an_unknown_answer_keeps_the_previous_subject(engine, istio):
    assert remember(engine.ask("zzqx frobnicator"), istio) == istio
