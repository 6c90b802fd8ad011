"""The knowledge is complete in both languages and written in our own words."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz

from knowledge.landscape_import import slugify

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def test_graduated_and_incubating_are_fully_described(catalog):
    gaps = []
    for e in catalog.projects:
        if e.maturity not in ("graduated", "incubating"):
            continue
        if not (e.summary.en and e.summary.ko and HANGUL.search(e.summary.ko)):
            gaps.append((e.id, "summary"))
        if not 3 <= sentences(e.summary.en) <= 6:
            gaps.append((e.id, f"{sentences(e.summary.en)} English sentences"))
        if not (e.name_ko and HANGUL.search(e.name_ko)) and not e.name_ko:
            gaps.append((e.id, "Korean name"))
        if not (e.keywords.en and e.keywords.ko):
            gaps.append((e.id, "keywords"))
        if not (3 <= len(e.features.en) <= 6 and len(e.features.ko) == len(e.features.en)):
            gaps.append((e.id, "features"))
        if not (e.use_when.en and e.use_when.ko and e.avoid_when.en and e.avoid_when.ko):
            gaps.append((e.id, "use/avoid"))
    assert not gaps


def test_every_cncf_project_has_text_in_both_languages(catalog):
    gaps = [e.id for e in catalog.projects
            if not (e.summary.en and e.summary.ko and HANGUL.search(e.summary.ko) and e.keywords.en and e.keywords.ko)]
    assert not gaps


def test_archived_projects_say_so(catalog):
    for e in catalog.projects:
        if e.maturity == "archived":
            assert "archiv" in e.summary.en.lower() or "retired" in e.summary.en.lower(), e.id
            assert "아카이브" in e.summary.ko or "보관" in e.summary.ko or "중단" in e.summary.ko, e.id


def test_concepts_and_comparisons_in_both_languages(catalog):
    assert len(catalog.concepts) >= 35
    for c in catalog.concepts.values():
        assert c.name.en and c.name.ko and c.summary.en and HANGUL.search(c.summary.ko), c.id
    assert len(catalog.comparisons) >= 15
    for comp in catalog.comparisons.values():
        assert comp.title.en and comp.title.ko and comp.summary.en and HANGUL.search(comp.summary.ko), comp.id
        for row in comp.rows:
            assert all(v.en and v.ko for v in row.values), comp.id


def test_trail_map_steps_in_both_languages(catalog):
    assert sorted(catalog.steps) == list(range(1, 11))
    for s in catalog.steps.values():
        assert s.title.en and s.title.ko, s.step  # a title may be the same in both ("CI/CD")
        for text in (s.summary, s.todo, s.next):
            assert text.en and HANGUL.search(text.ko), s.step
        assert s.projects, s.step


def test_no_summary_is_a_near_copy_of_the_landscape(catalog, landscape_yml: Path):
    doc = yaml.load(landscape_yml.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    descriptions = {}
    for cat in doc["landscape"]:
        for sub in cat.get("subcategories") or []:
            for item in sub.get("items") or []:
                if item.get("description"):
                    descriptions[slugify(item["name"])] = item["description"].lower()
    copies = []
    for e in catalog.projects:
        ref = descriptions.get(e.id)
        if not ref:
            continue
        for text in (e.summary.en, *re.split(r"(?<=[.!?])\s+", e.summary.en)):
            score = fuzz.ratio(text.lower(), ref)
            if score >= 80:
                copies.append((e.id, round(score), text[:80]))
    assert not copies


@pytest.mark.parametrize("name,key", [("Kubernetes", "쿠버네티스"), ("Prometheus", "프로메테우스"), ("Envoy", "엔보이"),
                                      ("Jaeger", "예거"), ("Helm", "헬름"), ("Linkerd", "링커드"), ("Istio", "이스티오"),
                                      ("containerd", "컨테이너디"), ("Fluentd", "플루언트디")])
def test_korean_names_engineers_write(catalog, name, key):
    e = next(p for p in catalog.projects if p.name == name)
    assert key == e.name_ko or key in e.aliases
