"""The loader refuses bad data with file, line and what is wrong."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.errors import KnowledgeError
from knowledge.loader import DATA_DIR, load_catalog


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def problems_of(data: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_catalog(data)
    return info.value.problems


def test_packaged_data_is_valid():
    catalog = load_catalog()
    counts = catalog.counts()
    assert counts["graduated"] == 38 and counts["incubating"] == 38
    assert counts["sandbox"] == 151 and counts["archived"] == 28
    assert counts["other"] > 2000
    assert len(catalog.steps) == 10


def test_bad_yaml_names_file_and_line(data: Path):
    f = data / "projects" / "jaeger.yaml"
    lines = f.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "  bad: [unclosed")
    f.write_text("\n".join(lines), encoding="utf-8")
    (problem,) = [p for p in problems_of(data) if "jaeger.yaml" in p]
    path, line, message = problem.split(":", 2)
    assert path.endswith("projects/jaeger.yaml")
    assert int(line) >= 4
    assert "not valid YAML" in message


def test_unknown_key_points_at_its_line(data: Path):
    f = data / "projects" / "helm.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "summry: oops\n", encoding="utf-8")
    n_lines = len(f.read_text(encoding="utf-8").splitlines())
    (problem,) = problems_of(data)
    assert problem.startswith(f"{f}:{n_lines}:") or f":{n_lines}:" in problem
    assert "unknown key 'summry'" in problem


def test_missing_required_text(data: Path):
    (data / "projects" / "zz-new.yaml").write_text("id: zz-new\n", encoding="utf-8")
    found = problems_of(data)
    assert any("zz-new.yaml:1" in p and "missing required key 'summary'" in p for p in found)


def test_alias_claimed_by_two_projects(data: Path):
    f = data / "projects" / "linkerd.yaml"
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    doc["aliases"] = [*doc.get("aliases", []), "K8S"]
    f.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    found = problems_of(data)
    assert any("linkerd.yaml" in p and "'K8S'" in p and "already claimed by 'kubernetes'" in p for p in found)


def test_duplicate_id_in_facts(data: Path):
    f = data / "landscape.yaml"
    lines = f.read_text(encoding="utf-8").splitlines()
    dup = next(l for l in lines if '"id": "jaeger"' in l)
    lines.append(dup)
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems_of(data)
    assert any(f"landscape.yaml:{len(lines)}:" in p and "duplicate id 'jaeger'" in p for p in found)


def test_unknown_related_and_wrong_file_name(data: Path):
    src = data / "projects" / "etcd.yaml"
    text = src.read_text(encoding="utf-8")
    (data / "projects" / "etcd-copy.yaml").write_text(text, encoding="utf-8")
    doc = yaml.safe_load(text)
    doc["related"] = ["no-such-project", *doc.get("related", [])]
    src.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    found = problems_of(data)
    assert any("etcd-copy.yaml" in p and "must match the file name" in p for p in found)
    assert any("etcd.yaml" in p and "unknown project id 'no-such-project'" in p for p in found)


def test_comparison_values_must_cover_items(data: Path):
    f = next((data / "comparisons").glob("*.yaml"))
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    first = doc["items"][0]
    doc["rows"][0]["values"].pop(first)
    f.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    found = problems_of(data)
    assert any(f.name in p and "values must have exactly one text per item" in p for p in found)


def test_not_utf8_and_empty_files(data: Path):
    (data / "concepts" / "broken.yaml").write_bytes(b"id: broken\nname: \xff\xfe\n")
    (data / "concepts" / "empty.yaml").write_text("", encoding="utf-8")
    found = problems_of(data)
    assert any("broken.yaml:1" in p and "not UTF-8" in p for p in found)
    assert any("empty.yaml:1" in p and "empty" in p for p in found)


def test_all_problems_reported_at_once(data: Path):
    for name in ("helm.yaml", "etcd.yaml"):
        f = data / "projects" / name
        f.write_text(f.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    assert len([p for p in problems_of(data) if "unknown key 'colour'" in p]) == 2
