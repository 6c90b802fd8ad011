"""Corrections found by review (issue 13): what users would otherwise be told wrong."""
from __future__ import annotations

import pytest

from knowledge.render_text import render_text


def text_of(engine, catalog, q: str) -> str:
    return render_text(engine.ask(q), catalog)


@pytest.mark.parametrize("q", ["ambassador", "앰버서더", "who are the cncf ambassadors", "크루즈", "custodian"])
def test_common_words_no_longer_capture_a_project(engine, q):
    ids = [e.id for e in engine.ask(q).projects]
    assert not {"emissary-ingress", "openkruise", "cloud-custodian"} & set(ids[:1])


@pytest.mark.parametrize("q", ["what is cni", "CNI가 뭐야"])
def test_cni_is_the_concept_naming_the_project(engine, q):
    a = engine.ask(q)
    assert a.intent == "concept" and a.concept.id == "cni"
    assert "container-network-interface" in [e.id for e in a.projects]


def test_the_specific_names_still_find_their_projects(engine):
    assert engine.ask("what is emissary-ingress").projects[0].id == "emissary-ingress"
    assert engine.ask("cloud custodian").projects[0].id == "cloud-custodian"
    assert engine.ask("openkruise 뭐야").projects[0].id == "openkruise"


def test_corrected_facts_are_what_the_cards_say(engine, catalog):
    assert "ztunnel" in text_of(engine, catalog, "what is istio")
    assert "SQLite" in text_of(engine, catalog, "what is k3s")
    ingress = catalog.concepts["ingress"].summary.en
    assert "ingress-nginx" not in ingress or "retired" in ingress
    tag = catalog.concepts["tag"].summary.en
    for name in ("Developer Experience", "Infrastructure", "Operational Resilience", "Security and Compliance",
                 "Workloads Foundation"):
        assert name in tag


def test_no_card_offers_the_docker_member_entry_as_a_related_project(catalog):
    members = {e.id for e in catalog.entries.values() if e.name == "Docker (member)"}
    assert members
    for e in catalog.entries.values():
        assert not set(e.related) & members, e.id
    for c in catalog.concepts.values():
        assert not set(c.related_projects) & members, c.id
