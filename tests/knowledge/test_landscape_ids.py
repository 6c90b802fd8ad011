"""The Landscape button opens the item in landscape2: its id is category--subcategory--name, each part
normalized as landscape2's normalize_name does (crates/core/src/util.rs, set_id in data.rs)."""
from __future__ import annotations

import pytest
import yaml

from knowledge.model import landscape_name

# landscape2's own unit-test examples for normalize_name
LANDSCAPE2_EXAMPLES = [
    ("Test Project", "test-project"), ("Test  Project  ", "test-project"), ("Test___Project", "test-project"),
    ("Test-Project-", "test-project"), ("Test--Project", "test-project"), ("Test/Project", "test-project"),
    ("Test@Project", "test-project"), ("a 🙂 b 🙂 ", "a-b"), ("中文项目", "中文项目"),
    ("日本語プロジェクト", "日本語プロジェクト"), ("한국어 프로젝트", "한국어-프로젝트"), ("Проект", "проект"),
    ("مشروع", "مشروع"), ("中文 Project", "中文-project"), ("Test_中文_Project", "test-中文-project"),
    ("Test---中文", "test-中文"), ("Test/中文", "test-中文"), ("Test@中文#Project", "test-中文-project"),
]


@pytest.mark.parametrize("name, expected", LANDSCAPE2_EXAMPLES)
def test_normalize_name_as_landscape2(name, expected):
    assert landscape_name(name) == expected


def test_every_cncf_project_links_to_its_landscape2_id(catalog, landscape_yml):
    doc = yaml.safe_load(landscape_yml.read_text(encoding="utf-8"))
    ids: dict[str, set[str]] = {}
    for cat in doc["landscape"]:
        for sub in cat.get("subcategories") or []:
            for item in sub.get("items") or []:
                ids.setdefault(item["name"], set()).add(
                    f"{landscape_name(cat['name'])}--{landscape_name(sub['name'])}--{landscape_name(item['name'])}")
    cncf = [e for e in catalog.entries.values() if e.is_cncf]
    assert len(cncf) > 200
    for e in cncf:
        assert e.landscape_id in ids.get(e.name, set()), (e.id, e.landscape_id, ids.get(e.name))
        assert e.landscape_url == f"https://landscape.cncf.io/?item={e.landscape_id}"
    assert catalog.entries["kubernetes"].landscape_id == "orchestration-management--scheduling-orchestration--kubernetes"
