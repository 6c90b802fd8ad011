"""Comparisons nobody curated: the catalog's facts about two to four items, side by side."""
from __future__ import annotations

from .loader import Catalog
from .model import Comparison, ComparisonRow, Text
from .text import first_sentence


def build_comparison(catalog: Catalog, refs: list[str]) -> Comparison:
    """A comparison from catalog facts, for pairs nobody curated."""
    def name(ref: str) -> Text:
        if ref.startswith("concept:"):
            return catalog.concepts[ref[8:]].name
        e = catalog.entries[ref]
        return Text(e.name, e.display_name("ko"))

    def fact(ref: str, what: str) -> Text:
        if ref.startswith("concept:"):
            c = catalog.concepts[ref[8:]]
            return {"what": Text(first_sentence(c.summary.en), first_sentence(c.summary.ko)),
                    "maturity": Text("a concept, not a project", "프로젝트가 아닌 개념"),
                    "category": Text("-", "-"), "since": Text("-", "-")}[what]
        e = catalog.entries[ref]
        if what == "what":
            if e.summary.en:
                return Text(first_sentence(e.summary.en), first_sentence(e.summary.ko))
            return Text(f"Listed under {e.category} / {e.subcategory}.", f"{e.category} / {e.subcategory} 분류에 있습니다.")
        if what == "maturity":
            if not e.maturity:
                return Text("not a CNCF project", "CNCF 프로젝트 아님")
            return Text(e.maturity, {"graduated": "졸업", "incubating": "인큐베이팅", "sandbox": "샌드박스",
                                     "archived": "아카이브"}[e.maturity])
        if what == "category":
            return Text(f"{e.category} / {e.subcategory}", f"{e.category} / {e.subcategory}")
        dates = [f"{k} {v}" for k, v in (("accepted", e.accepted), ("incubating", e.incubating),
                                          ("graduated", e.graduated), ("archived", e.archived)) if v]
        ko = {"accepted": "합류", "incubating": "인큐베이팅", "graduated": "졸업", "archived": "아카이브"}
        dates_ko = [f"{ko[d.split()[0]]} {d.split()[1]}" for d in dates]
        return Text(", ".join(dates) or "-", ", ".join(dates_ko) or "-")

    dims = [("what", Text("What it is", "무엇인가")), ("maturity", Text("CNCF maturity", "CNCF 성숙도")),
            ("category", Text("Landscape category", "랜드스케이프 분류")), ("since", Text("Dates", "주요 날짜"))]
    rows = tuple(ComparisonRow(dimension=label, values=tuple(fact(r, key) for r in refs)) for key, label in dims)
    names = [name(r) for r in refs]
    title = Text(" vs ".join(n.en for n in names), " vs ".join(n.ko for n in names))
    summary = Text("No curated comparison exists for this pair yet; these are the catalog's facts side by side.",
                   "아직 이 조합의 큐레이션된 비교는 없어서, 카탈로그의 사실 정보를 나란히 보여 드립니다.")
    return Comparison(id="-vs-".join(r.replace("concept:", "") for r in refs), items=tuple(refs),
                      title=title, rows=rows, summary=summary, curated=False)
