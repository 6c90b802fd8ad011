"""The importer reads the real landscape.yml, updates facts only, and says what changed."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from knowledge.landscape_import import import_landscape, parse_landscape
from knowledge.loader import DATA_DIR, load_catalog


def test_real_landscape_counts(landscape_yml: Path):
    facts = parse_landscape(landscape_yml)
    by = {}
    for f in facts:
        by[f.get("maturity")] = by.get(f.get("maturity"), 0) + 1
    assert (by["graduated"], by["incubating"], by["sandbox"], by["archived"]) == (38, 38, 151, 28)
    assert 2100 < by[None] < 2200
    assert len({f["id"] for f in facts}) == len(facts)
    k8s = next(f for f in facts if f["id"] == "kubernetes")
    assert k8s["maturity"] == "graduated" and k8s["accepted"] == "2016-03-10"
    assert "description" not in k8s  # facts only: the landscape's prose is not copied


def test_packaged_facts_match_the_landscape(landscape_yml: Path, tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    report = import_landscape(landscape_yml, data / "landscape.yaml")
    assert not report.added and not report.removed and not report.changed


def test_import_updates_facts_not_curated_text(landscape_yml: Path, tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    doc = yaml.load(landscape_yml.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    for cat in doc["landscape"]:
        for sub in cat.get("subcategories") or []:
            for item in sub.get("items") or []:
                if item["name"] == "Thanos":
                    item["project"] = "graduated"
                    item.setdefault("extra", {})["graduated"] = "2026-09-01"
                if item["name"] == "Rook":
                    item["homepage_url"] = "https://rook.example.org/"
        if cat["name"] == "Observability and Analysis":
            cat["subcategories"][-1]["items"].append(
                {"item": None, "name": "Brand New Thing", "homepage_url": "https://new.example.org/",
                 "project": "sandbox", "extra": {"accepted": "2026-10-01"}})
    changed = tmp_path / "landscape.yml"
    changed.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    curated_before = {p.name: p.read_bytes() for p in (data / "projects").glob("*.yaml")}

    report = import_landscape(changed, data / "landscape.yaml")
    lines = "\n".join(report.lines())
    assert "Thanos: maturity incubating -> graduated" in lines
    assert "Thanos: graduated - -> 2026-09-01" in lines
    assert "Rook: homepage" in lines
    assert "+ Brand New Thing (sandbox)" in lines
    assert "CC-BY-4.0" in lines
    assert {p.name: p.read_bytes() for p in (data / "projects").glob("*.yaml")} == curated_before

    catalog = load_catalog(data)
    assert catalog.entries["thanos"].maturity == "graduated"
    assert catalog.entries["thanos"].summary.en  # curated text survived
    assert catalog.entries["brand-new-thing"].maturity == "sandbox"


def test_import_refuses_a_file_that_is_not_a_landscape(tmp_path: Path):
    import pytest
    from knowledge.errors import KnowledgeError
    bad = tmp_path / "landscape.yml"
    bad.write_text("just: [a, list\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="not valid YAML"):
        parse_landscape(bad)
    bad.write_text("items: []\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="not a cncf/landscape file"):
        parse_landscape(bad)
