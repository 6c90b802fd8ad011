"""What the new decision does that people notice: date questions, counts, one-line facts,
alternatives, the domain gate and everyday words that are also names, in both languages.

Expected projects are computed from the catalog's own facts, never written out, so the tests
keep holding when a landscape sync moves a project."""
from __future__ import annotations

import datetime as dt

import pytest

from handlers.render_json import answer_json
from knowledge.engine import Engine
from knowledge.render_text import render_text


def ids(answer) -> list[str]:
    return [e.id for e in answer.projects]


def graduated_in(catalog, year: int) -> set[str]:
    return {e.id for e in catalog.projects if (e.graduated or "").startswith(str(year))}


@pytest.mark.parametrize("question", ["which projects graduated in 2024?", "2024년에 졸업한 프로젝트 알려줘"])
def test_a_year_filter_lists_exactly_the_projects_of_that_year(engine, catalog, question):
    a = engine.ask(question)
    want = graduated_in(catalog, 2024)
    assert want and a.intent == "list"
    assert set(ids(a)) == want  # exactly: not the 38 graduated projects of every year
    assert a.year == 2024 and a.transition == "graduated"
    assert "2024" in render_text(a, catalog)
    dates = [e.graduated for e in a.projects]
    assert dates == sorted(dates, reverse=True)  # newest first


@pytest.mark.parametrize("question", ["what moved to incubating this year?", "올해 인큐베이팅 된 프로젝트"])
def test_this_year_is_the_clock_year(catalog, question):
    engine = Engine(catalog, today=lambda: dt.date(2025, 3, 1))
    a = engine.ask(question)
    want = {e.id for e in catalog.projects if (e.incubating or "").startswith("2025")}
    assert a.intent == "list" and a.year == 2025 and set(ids(a)) == want


@pytest.mark.parametrize("question", ["2024년에 아카이브된 프로젝트", "projects archived in 2024"])
def test_archived_in_a_year(engine, catalog, question):
    a = engine.ask(question)
    want = {e.id for e in catalog.projects if (e.archived or "").startswith("2024")}
    assert want and a.intent == "list" and set(ids(a)) == want


@pytest.mark.parametrize("question", ["newest sandbox projects", "최근에 샌드박스에 들어온 프로젝트"])
def test_newest_first(engine, catalog, question):
    a = engine.ask(question)
    sandbox = [e for e in catalog.projects if e.maturity == "sandbox"]
    assert a.intent == "list" and a.projects
    assert a.projects[0].accepted == max(e.accepted for e in sandbox)


@pytest.mark.parametrize("question", ["how many incubating projects are there", "인큐베이팅 프로젝트 몇 개야?"])
def test_counts(engine, catalog, question):
    a = engine.ask(question)
    n = sum(1 for e in catalog.projects if e.maturity == "incubating")
    assert a.intent == "list" and a.count == n == len(a.projects)
    assert str(n) in render_text(a, catalog).splitlines()[0]
    assert answer_json(a, catalog, with_blocks=False)["count"] == n


@pytest.mark.parametrize("question,kind", [("when did argo graduate?", "graduated"),
                                           ("etcd 언제 졸업했어?", "graduated"),
                                           ("when was keda accepted into the cncf", "accepted"),
                                           ("tekton 은 언제 cncf 들어왔어?", "accepted")])
def test_one_line_facts_lead_with_the_date(engine, catalog, question, kind):
    a = engine.ask(question)
    e = a.projects[0]
    assert a.intent == "project" and a.fact == (kind, getattr(e, kind))
    first = render_text(a, catalog).splitlines()[0]
    assert getattr(e, kind) in first
    assert answer_json(a, catalog, with_blocks=False)["fact"] == {"kind": kind, "date": getattr(e, kind)}


def test_a_fact_that_did_not_happen_says_so(engine, catalog):
    sandbox = next(e for e in catalog.projects if e.maturity == "sandbox" and e.name_ko)
    for q, word in ((f"when did {sandbox.name} graduate?", "not graduated"), (f"{sandbox.name_ko} 언제 졸업했어?", "아직")):
        a = engine.ask(q)
        assert a.intent == "project" and a.fact == ("graduated", None)
        assert word in render_text(a, catalog).splitlines()[0]


@pytest.mark.parametrize("question", ["what should I use instead of opentracing", "오픈트레이싱 대신 뭐 써?",
                                      "alternatives to opentracing?"])
def test_alternatives_put_the_successor_first(engine, catalog, question):
    a = engine.ask(question)
    old = catalog.entries["opentracing"]
    assert old.replaced_by
    assert a.intent == "recommend" and ids(a)[0] == old.replaced_by[0]
    assert "opentracing" not in ids(a)


@pytest.mark.parametrize("question", ["fluentd 말고 뭐 있어?", "alternatives to fluentd for shipping logs"])
def test_alternatives_never_recommend_the_thing_itself(engine, catalog, question):
    a = engine.ask(question)
    assert a.intent == "recommend" and a.projects and "fluentd" not in ids(a)
    fluentd = catalog.entries["fluentd"]
    assert any(e.subcategory == fluentd.subcategory for e in a.projects[:3])


@pytest.mark.parametrize("question", [
    "recommend a good pizza place near the office", "what's the difference between a latte and a cappuccino",
    "who won the world cup in 2022", "내일 서울 날씨 비교해줘", "맛집 추천 좀", "best laptop for gaming, compare options",
    "write me a python script that parses a csv", "how much does a tesla cost",
])
def test_the_domain_gate_answers_off_topic_questions_honestly(engine, question):
    a = engine.ask(question)
    assert a.intent == "unknown" and not a.projects


@pytest.mark.parametrize("question", ["kubernetes 1.32 release date", "how do I install prometheus on ubuntu",
                                      "프로메테우스 설치 방법", "latest version of istio"])
def test_tasks_and_versions_about_a_project_are_not_its_card(engine, question):
    assert engine.ask(question).intent == "unknown"


@pytest.mark.parametrize("question", ["keep up the good work", "big O notation explained", "크루즈 여행 추천해줘",
                                      "CNCF ambassador program"])
def test_everyday_words_that_are_also_names_do_not_hijack(engine, question):
    a = engine.ask(question)
    assert a.intent == "unknown" and not a.projects


@pytest.mark.parametrize("question,concept", [("scale to zero", "scale-to-zero"),
                                              ("what is the ambassador pattern", "ambassador-pattern"),
                                              ("how does the cluster autoscaler work", "cluster-autoscaler"),
                                              ("why does kubernetes need CRI", "cri"),
                                              ("졸업 기준이 뭐야", "maturity-levels")])
def test_concepts_asked_how_and_why(engine, question, concept):
    a = engine.ask(question)
    assert a.intent == "concept" and a.concept.id == concept


@pytest.mark.parametrize("question,want", [("should I pick linkerd or istio", {"linkerd", "istio"}),
                                           ("argo, flux, tekton 비교", {"argo", "flux", "tekton"}),
                                           ("링커드랑 이스티오 각각 언제 써?", {"linkerd", "istio"})])
def test_choices_between_named_tools_are_comparisons(engine, question, want):
    a = engine.ask(question)
    assert a.intent == "compare" and want <= set(ids(a))


def test_a_need_around_a_non_cncf_tool_is_a_recommendation(engine):
    a = engine.ask("we need to collect logs from k8s pods and ship them to elasticsearch")
    assert a.intent == "recommend" and "fluentd" in ids(a)[:3]
