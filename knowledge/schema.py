"""The shape of each knowledge file, checked on load.

A check returns problems as (path, message), where path is the chain of keys and indexes
inside the document; the loader turns the path into a line number of the file.
"""
from __future__ import annotations

import re
from typing import Any, Callable

Path_ = tuple[Any, ...]
Problem = tuple[Path_, str]
Check = Callable[[Any, Path_, list[Problem]], None]

ID_RE = re.compile(r"^[0-9a-z][0-9a-z-]*$")


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", bool: "true/false",
            type(None): "empty"}.get(type(value), type(value).__name__)


def string(min_len: int = 1, max_len: int = 4000) -> Check:
    def check(value, path, out):
        if not isinstance(value, str):
            out.append((path, f"must be text, got {_type_name(value)}"))
        elif len(value.strip()) < min_len:
            out.append((path, "must not be empty"))
        elif len(value) > max_len:
            out.append((path, f"is {len(value)} characters; at most {max_len}"))
    return check


def ident() -> Check:
    def check(value, path, out):
        if not isinstance(value, str) or not ID_RE.match(value):
            out.append((path, f"must be an id of lowercase letters, digits and '-', got {value!r}"))
    return check


def integer(lo: int, hi: int) -> Check:
    def check(value, path, out):
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            out.append((path, f"must be a whole number from {lo} to {hi}, got {value!r}"))
    return check


def list_of(item: Check, min_len: int = 0, max_len: int = 200) -> Check:
    def check(value, path, out):
        if not isinstance(value, list):
            out.append((path, f"must be a list, got {_type_name(value)}"))
            return
        if not min_len <= len(value) <= max_len:
            out.append((path, f"must have {min_len} to {max_len} items, has {len(value)}"))
        for i, v in enumerate(value):
            item(v, path + (i,), out)
    return check


def mapping(required: dict[str, Check], optional: dict[str, Check] | None = None) -> Check:
    optional = optional or {}

    def check(value, path, out):
        if not isinstance(value, dict):
            out.append((path, f"must be a mapping, got {_type_name(value)}"))
            return
        for key, sub in required.items():
            if key not in value:
                out.append((path, f"missing required key '{key}'"))
            else:
                sub(value[key], path + (key,), out)
        for key, v in value.items():
            if key in required:
                continue
            if key not in optional:
                known = ", ".join(sorted(set(required) | set(optional)))
                out.append((path + (key,), f"unknown key '{key}' (known keys: {known})"))
            else:
                optional[key](v, path + (key,), out)
    return check


def dict_of(value_check: Check) -> Check:
    def check(value, path, out):
        if not isinstance(value, dict):
            out.append((path, f"must be a mapping, got {_type_name(value)}"))
            return
        for k, v in value.items():
            value_check(v, path + (k,), out)
    return check


def bilingual(max_len: int = 4000) -> Check:
    """{en: ..., ko: ...}; both languages are required."""
    return mapping({"en": string(max_len=max_len), "ko": string(max_len=max_len)})


def bilingual_list(max_items: int = 60) -> Check:
    return mapping({"en": list_of(string(max_len=500), 1, max_items),
                    "ko": list_of(string(max_len=500), 1, max_items)})


PROJECT = mapping(
    {"id": ident(), "summary": bilingual(2000)},
    {
        "name_ko": string(max_len=80),
        "aliases": list_of(string(max_len=80), 0, 40),
        "keywords": bilingual_list(),
        "features": bilingual_list(8),
        "use_when": bilingual(1000),
        "avoid_when": bilingual(1000),
        "related": list_of(ident(), 0, 15),
        "replaced_by": list_of(ident(), 0, 5),
        "trail_step": integer(1, 10),
    },
)

CONCEPT = mapping(
    {"id": ident(), "name": bilingual(100), "aliases": list_of(string(max_len=80), 1, 40),
     "summary": bilingual(2500)},
    {
        "related_projects": list_of(ident(), 0, 15),
        "related_concepts": list_of(ident(), 0, 15),
        "trail_step": integer(1, 10),
    },
)

ITEM_REF_RE = re.compile(r"^(concept:)?[0-9a-z][0-9a-z-]*$")


def item_ref() -> Check:
    def check(value, path, out):
        if not isinstance(value, str) or not ITEM_REF_RE.match(value):
            out.append((path, f"must be an entry id or 'concept:<id>', got {value!r}"))
    return check


COMPARISON = mapping(
    {
        "id": ident(),
        "items": list_of(item_ref(), 2, 4),
        "title": bilingual(150),
        "rows": list_of(mapping({"dimension": bilingual(100), "values": dict_of(bilingual(1500))}), 2, 12),
        "summary": bilingual(2000),
    },
)

TRAILMAP = mapping(
    {
        "steps": list_of(mapping(
            {"step": integer(1, 10), "title": bilingual(100), "summary": bilingual(1500),
             "todo": bilingual(1500), "next": bilingual(800), "keywords": bilingual_list(),
             "projects": list_of(ident(), 0, 30)},
            {"map_projects": list_of(mapping({"id": ident(), "maturity_on_map": string()}), 0, 10)},
        ), 10, 10),
    },
    {"source": dict_of(string()), "intro": bilingual(1500)},
)


def _entry_aliases(value, path, out):
    if not isinstance(value, dict):
        out.append((path, f"must be a mapping of landscape id to a list of aliases, got {_type_name(value)}"))
        return
    for k, v in value.items():
        ident()(k, path + (k,), out)
        list_of(string(max_len=80), 1, 20)(v, path + (k,), out)


ENTRY_ALIASES: Check = _entry_aliases
