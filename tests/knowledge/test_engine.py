"""The engine understands questions the way a user would expect, in English and Korean."""
from __future__ import annotations

import random

import pytest

from knowledge.text import jamo


def ids(answer):
    return [e.id for e in answer.projects]


# -- names, aliases, Korean names, typos ------------------------------------------------------------

def test_every_cncf_project_is_found_by_its_name(engine, catalog):
    missed = []
    for e in catalog.projects:
        a = engine.ask(f"what is {e.name}")
        if a.intent != "project" or ids(a)[:1] != [e.id]:
            missed.append((e.name, a.intent, ids(a)[:3]))
    assert not missed


def test_every_alias_and_korean_name_finds_its_project(engine, catalog):
    missed = []
    for e in catalog.projects:
        for alias in (*e.aliases, e.name_ko):
            if not alias:
                continue
            a = engine.ask(alias)
            if e.id not in ids(a)[:1]:
                missed.append((alias, e.id, a.intent, ids(a)[:3]))
    assert not missed


@pytest.mark.parametrize("particle", ["가", "는", "이란", "랑", "와", "에 대해 알려줘"])
def test_korean_particles_do_not_break_matching(engine, catalog, particle):
    missed = []
    for e in catalog.projects:
        if e.name_ko and e.maturity in ("graduated", "incubating"):
            a = engine.ask(f"{e.name_ko}{particle}")
            if ids(a)[:1] != [e.id]:
                missed.append((e.name_ko + particle, a.intent, ids(a)[:3]))
    assert not missed


def _typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name) - 1)
    kind = rng.choice(["swap", "drop", "double"])
    if kind == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if kind == "drop":
        return name[:i] + name[i + 1:]
    return name[:i] + name[i] + name[i:]


def test_one_typo_in_a_long_name_still_finds_the_project(engine, catalog):
    rng = random.Random(7)
    missed = []
    for e in catalog.projects:
        name = e.name.lower()
        if len(name) < 7 or not name.isalpha():
            continue
        typo = _typo(name, rng)
        a = engine.ask(typo)
        if e.id not in ids(a)[:3]:
            missed.append((typo, e.id, a.intent, ids(a)[:3]))
    assert len(missed) <= 2, missed


def test_spacing_and_punctuation_variants(engine):
    for q, want in [("cri o", "cri-o"), ("CRI-O", "cri-o"), ("argo cd", "argo"), ("open telemetry", "opentelemetry"),
                    ("k8s", "kubernetes"), ("otel", "opentelemetry"), ("OPA", "open-policy-agent")]:
        assert ids(engine.ask(q))[:1] == [want], q


def test_korean_one_jamo_typo_costs_little(engine, catalog):
    k8s = catalog.entries["kubernetes"]
    typo = "쿠버네테스"  # 티 -> 테: one vowel jamo
    assert len(jamo(typo)) - len(jamo(k8s.name_ko)) == 0
    a = engine.ask(typo)
    assert "kubernetes" in ids(a)[:3]


def test_short_names_need_an_exact_match(engine):
    # "helm" is 4 letters: "halm" must not become Helm by fuzziness
    assert "helm" not in ids(engine.ask("halm"))
    assert ids(engine.ask("helm"))[:1] == ["helm"]


def test_weak_match_asks_did_you_mean_with_at_most_three(engine):
    a = engine.ask("linkrdd proxxy")
    if a.did_you_mean:
        assert 1 <= len(a.projects) + len(a.concepts) <= 3
    a = engine.ask("kubernetis")
    assert "kubernetes" in ids(a)[:3]


def test_non_cncf_entry_says_so(engine):
    from knowledge.render_text import render_text
    a = engine.ask("what is grafana")
    assert a.intent == "project" and ids(a) == ["grafana"]
    assert a.projects[0].maturity is None
    assert "not a CNCF project" in render_text(a, engine.catalog)


# -- intents ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("q,lang", [("jaeger vs opentracing", "en"), ("예거와 오픈트레이싱 비교", "ko"),
                                    ("difference between linkerd and istio", "en"), ("링커드랑 이스티오 차이", "ko")])
def test_compare_uses_a_curated_comparison(engine, q, lang):
    a = engine.ask(q)
    assert a.intent == "compare" and a.lang == lang
    assert a.comparison is not None and a.comparison.curated
    assert len(a.comparison.rows) >= 3


def test_uncurated_pair_gets_a_comparison_from_facts(engine):
    a = engine.ask("harbor vs falco")
    assert a.intent == "compare" and set(ids(a)) == {"harbor", "falco"}
    assert not a.comparison.curated
    assert all(len(r.values) == 2 for r in a.comparison.rows)


def test_recommend_ranks_by_need_and_prefers_mature_projects(engine, catalog):
    a = engine.ask("what should I use for distributed tracing?")
    assert a.intent == "recommend"
    assert {"jaeger", "opentelemetry"} & set(ids(a)[:3])
    ranks = {"graduated": 0, "incubating": 1, "sandbox": 2}
    top = [ranks[e.maturity] for e in a.projects[:2]]
    assert top == sorted(top)
    assert all(a.reasons[e.id] for e in a.projects)
    assert all(e.maturity != "archived" for e in a.projects)


def test_recommend_in_korean_says_why_in_korean(engine):
    a = engine.ask("로그 수집 도구 추천해줘")
    assert a.intent == "recommend" and a.lang == "ko"
    assert "fluentd" in ids(a)[:3]
    assert any("관련" in r or "프로젝트" in r for r in a.reasons.values())


def test_need_beats_platform_name(engine):
    a = engine.ask("backup kubernetes clusters")
    assert a.intent == "recommend" and "velero" in ids(a)[:3]


@pytest.mark.parametrize("q,maturity", [("sandbox projects", "sandbox"), ("archived projects", "archived"),
                                        ("인큐베이팅 프로젝트 목록", "incubating")])
def test_list_by_maturity_lists_all(engine, catalog, q, maturity):
    a = engine.ask(q)
    assert a.intent == "list" and a.maturity == maturity
    want = {e.id for e in catalog.projects if e.maturity == maturity}
    assert set(ids(a)) == want


def test_list_by_category_and_maturity(engine, catalog):
    a = engine.ask("graduated service mesh projects")
    assert a.intent == "list" and a.maturity == "graduated" and a.category == "Service Mesh"
    assert {"istio", "linkerd"} <= set(ids(a))
    assert all(e.maturity == "graduated" for e in a.projects)


def test_trail_map_overview_and_steps(engine):
    a = engine.ask("cloud native trail map")
    assert a.intent == "trailmap" and a.step is None and len(a.trail) == 10
    for n in (1, 5, 10):
        a = engine.ask(f"trail map step {n}")
        assert a.intent == "trailmap" and a.step == n
    a = engine.ask("트레일 맵 4단계")
    assert a.step == 4 and a.lang == "ko"
    assert "prometheus" in ids(a)


def test_trail_map_step_by_topic(engine):
    a = engine.ask("which step of the trail map is about observability")
    assert a.intent == "trailmap" and a.step == 4


@pytest.mark.parametrize("q,concept,lang", [("what is a service mesh?", "service-mesh", "en"),
                                            ("서비스 메시란?", "service-mesh", "ko"),
                                            ("explain gitops", "gitops", "en"),
                                            ("서버리스가 뭐야", "serverless", "ko"),
                                            ("horizontal pod autoscaler", "hpa", "en")])
def test_concepts(engine, q, concept, lang):
    a = engine.ask(q)
    assert a.intent == "concept" and a.concept.id == concept and a.lang == lang


@pytest.mark.parametrize("q", ["help", "도움말", "how do I use this bot?", "   "])
def test_help(engine, q):
    assert engine.ask(q).intent == "help"


@pytest.mark.parametrize("q", ["asdfghjkl qwerty", "what is the meaning of life", "오늘 점심 뭐 먹지",
                               "\x00\x01\x02", "🙂🙂🙂", "?!?!"])
def test_nonsense_is_unknown_never_a_random_project(engine, q):
    a = engine.ask(q)
    assert a.intent in ("unknown", "help")
    assert a.projects == []


def test_huge_and_binary_questions_do_not_crash(engine):
    rng = random.Random(3)
    for q in ["kubernetes " * 1000, "x" * 10000, bytes(rng.randrange(256) for _ in range(3000)).decode("latin-1"),
              "\ud800\udfff broken surrogates", "<!channel> <@U123> &amp;"]:
        a = engine.ask(q)
        assert a.intent in ("project", "unknown", "help", "recommend", "concept", "compare", "list", "trailmap")


def test_answers_follow_the_question_language(engine):
    assert engine.ask("what is prometheus").lang == "en"
    assert engine.ask("프로메테우스가 뭐야").lang == "ko"
