"""Kubernetes subprojects (repositories in the kubernetes and kubernetes-sigs organisations) and
entries the landscape gives a parent_project are presented as part of that CNCF project."""
from __future__ import annotations

import json

import pytest

from handlers.render_json import answer_json_line
from knowledge.landscape_import import dump_facts, parse_landscape_text
from knowledge.loader import load_catalog
from knowledge.render_text import render_text


@pytest.mark.parametrize("text, org", [("what is minikube", "kubernetes"), ("kubespray", "kubernetes-sigs"),
                                       ("미니큐브가 뭐야", "kubernetes")])
def test_a_kubernetes_subproject_is_part_of_kubernetes(engine, catalog, text, org):
    a = engine.ask(text)
    (e,) = a.projects[:1]
    assert not e.is_cncf and e.parent == "kubernetes" and e.parent_why == org
    out = render_text(a, catalog)
    assert "Kubernetes" in out and "not a CNCF project" not in out and "아닙니다" not in out
    assert json.loads(answer_json_line(a, catalog))["projects"][0]["part_of"] == "kubernetes"


def test_an_entry_outside_any_project_is_still_not_cncf(engine, catalog):
    a = engine.ask("what is grafana")
    assert a.projects[0].parent == "" and "not a CNCF project" in render_text(a, catalog)


def test_a_landscape_parent_project_makes_a_subproject():
    text = """landscape:
  - category:
    name: Runtime
    subcategories:
      - subcategory:
        name: Cloud Native Network
        items:
          - name: Cilium
            homepage_url: https://cilium.io
            repo_url: https://github.com/cilium/cilium
            project: graduated
            extra:
              accepted: '2021-10-13'
              incubating: '2021-10-13'
              graduated: '2023-10-11'
          - name: Hubble Lens
            homepage_url: https://example.org/hubble-lens
            repo_url: https://github.com/example/hubble-lens
            extra:
              parent_project: Cilium
"""
    facts = parse_landscape_text(text)
    catalog = load_catalog(facts_text=dump_facts(facts, "2026-11-30"), strict=False)
    lens = catalog.entries["hubble-lens"]
    assert (lens.parent, lens.parent_why) == ("cilium", "parent")
