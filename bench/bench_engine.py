"""Benchmark of the question engine: latency by kind and length, at 1x, 4x and 16x the catalog,
beside the naive baseline, with cold start and peak memory. Prints numbers; asserts nothing.

    python bench/bench_engine.py [--n 5000] [--scales 1,4,16]

The mix: 5,000 distinct questions (names, typos, Korean names with particles, comparisons,
needs, lists, concepts, garbage), a quarter of them long Slack-style messages of 100-400
characters with the question buried in chatter. Every question is new to the engine, and the
render cache is emptied before each one, so every answer is computed and rendered from scratch
(to JSON and Block Kit, as `cncf-bot ask --json` does). The repeated-question figure asks the
same questions a second time, with the caches as the first pass left them.

The naive baseline is rapidfuzz WRatio extractOne of the whole question over every name, on the
same mix. Larger catalogs are the real one plus synthetic entries (an eighth of them CNCF
sandbox projects, so fuzzy name pools grow too), written to a temporary data folder and read
through the loader like real data; each scale runs in its own process so its memory is its own.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FILLER_EN = ["hey folks, quick one before standup", "we run about 30 clusters on eks and gke",
             "the platform team keeps going back and forth on this", "sorry if this was asked before",
             "our on-call rotation got paged twice last night", "context: migrating off a legacy vm setup",
             "the security review is next tuesday and i need a short answer", "thanks in advance :pray:",
             "we are a team of five, mostly go and python", "cc @sre-team", "asking for a friend lol",
             "budget is tight this quarter", "the previous vendor contract ends in march"]
FILLER_KO = ["안녕하세요 질문 하나만 드릴게요", "저희 팀은 클러스터를 30개 정도 운영하고 있어요",
             "플랫폼 팀에서 계속 의견이 갈려서요", "혹시 이미 나온 질문이면 죄송합니다",
             "어제 밤에 장애 알람이 두 번이나 왔어요", "레거시 VM 환경에서 옮기는 중인데요",
             "다음 주 화요일에 보안 리뷰가 있어서 짧게 정리가 필요해요", "미리 감사합니다 🙏",
             "팀원은 다섯 명이고 주로 Go랑 파이썬 써요", "이번 분기 예산이 빠듯해요"]
KINDS = ("name", "typo", "korean", "compare", "need", "list", "concept", "garbage")


def make_mix(catalog, n: int, seed: int) -> list[tuple[str, str]]:
    """(kind, question) pairs, all distinct; a quarter are long (100-400 characters)."""
    rng = random.Random(seed)
    projects = [e for e in catalog.entries.values() if e.is_cncf]
    others = [e for e in catalog.entries.values() if not e.is_cncf]
    concepts = list(catalog.concepts.values())
    needs = sorted({k for e in projects for k in (*e.keywords.en, *e.keywords.ko)})

    def typo(s: str) -> str:
        if len(s) < 4:
            return s
        i = rng.randrange(1, len(s) - 1)
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]

    makers = {
        "name": lambda: rng.choice([f"what is {rng.choice(projects).name}", f"tell me about {rng.choice(others).name}",
                                    f"{rng.choice(projects).name}?", f"is {rng.choice(projects).name} graduated"]),
        "typo": lambda: typo(rng.choice(projects).name.lower()) + rng.choice(["", "?", " 뭐야"]),
        "korean": lambda: (lambda e: f"{e.name_ko or e.name}{rng.choice(['가 뭐야?', '란', '에 대해 알려줘', ' 졸업했어?'])}")(
            rng.choice(projects)),
        "compare": lambda: rng.choice(["{} vs {}", "difference between {} and {}", "{}랑 {} 비교",
                                       "should we pick {} or {}"]).format(rng.choice(projects).name,
                                                                           rng.choice(projects).name),
        "need": lambda: rng.choice(["what should I use for {}?", "{} 도구 추천", "need something for {}",
                                    "alternatives to {}"]).format(rng.choice(needs)),
        "list": lambda: rng.choice([f"{rng.choice(['graduated', 'incubating', 'sandbox', '졸업한'])} projects",
                                    f"which projects graduated in {rng.randint(2016, 2026)}",
                                    f"how many {rng.choice(['incubating', 'sandbox', 'archived'])} projects",
                                    f"trail map step {rng.randint(1, 10)}"]),
        "concept": lambda: rng.choice(["what is {}", "how does {} work", "{}가 뭐야", "why do we need {}"]).format(
            rng.choice(concepts).name.get(rng.choice(["en", "ko"]))),
        "garbage": lambda: "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(rng.randint(3, 40))),
    }
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    while len(out) < n:
        kind = rng.choice(KINDS)
        q = makers[kind]()
        if len(out) % 4 == 3:  # every fourth: a long Slack message with the question inside
            target = rng.randint(100, 400)
            filler = FILLER_KO if any("\uac00" <= ch <= "\ud7a3" for ch in q) else FILLER_EN
            parts = []
            while sum(len(p) + 2 for p in parts) + len(q) < target:
                parts.append(rng.choice(filler))
            q = (". ".join(parts) + ". " + q)[-target:].lstrip(" .")
            kind = "long"
        if q not in seen:
            seen.add(q)
            out.append((kind, q))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def length_bucket(q: str) -> str:
    n = len(q)
    return "<50" if n < 50 else "50-99" if n < 100 else "100-199" if n < 200 else "200-399" if n < 400 else "400"


def synthetic_catalog(factor: int, tmp: Path) -> Path:
    """The real data folder plus (factor - 1) x as many synthetic entries, as a new folder."""
    from knowledge.loader import DATA_DIR

    data = tmp / f"data-{factor}x"
    shutil.copytree(DATA_DIR, data)
    facts = (data / "landscape.yaml").read_text(encoding="utf-8").rstrip("\n").split("\n")
    real = sum(1 for line in facts if line.startswith("- {"))
    rng = random.Random(factor)
    syll = ["ka", "ro", "vex", "lin", "dor", "mi", "sta", "qu", "zen", "tor", "bel", "nix", "pra", "sol", "gri"]
    cats = [("Observability and Analysis", "Observability"), ("Runtime", "Cloud Native Storage"),
            ("Orchestration & Management", "Service Mesh"), ("Provisioning", "Security & Compliance")]
    names: set[str] = set()
    lines = []
    while len(lines) < real * (factor - 1):
        name = "".join(rng.choice(syll) for _ in range(rng.randint(2, 4))).capitalize()
        if rng.random() < 0.4:
            name += " " + rng.choice(["Mesh", "Operator", "Hub", "DB", "Flow", "Guard", "Scope"])
        if name in names:
            continue
        names.add(name)
        cat, sub = rng.choice(cats)
        item = {"id": "syn-" + name.lower().replace(" ", "-"), "name": name, "category": cat, "subcategory": sub,
                "homepage": "", "repo": ""}
        if len(lines) % 8 == 0:
            item.update({"maturity": "sandbox", "accepted": f"20{rng.randint(18, 26)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"})
        lines.append("- " + json.dumps(item))
    (data / "landscape.yaml").write_text("\n".join(facts + lines) + "\n", encoding="utf-8")
    return data


def measure(data_dir: str | None, n: int) -> dict:
    """Every figure for one catalog, in this process."""
    t0 = time.perf_counter()
    from handlers.render_json import answer_json_line
    from knowledge.engine import Engine

    engine = Engine.load(data_dir)
    load_ms = (time.perf_counter() - t0) * 1000
    cat = engine.catalog
    mix = make_mix(cat, n, seed=7)

    def answer(q: str) -> None:
        answer_json_line(engine.ask(q), cat)  # what `cncf-bot ask --json` prints

    for _, q in make_mix(cat, 300, seed=99):  # a running bot: imports and first-use costs paid
        answer(q)
    times: list[float] = []
    for _, q in mix:
        cat.render_cache.clear()  # new to the render cache, too
        t = time.perf_counter()
        answer(q)
        times.append((time.perf_counter() - t) * 1000)
    repeat: list[float] = []
    for _, q in mix[:1000]:
        t = time.perf_counter()
        answer(q)
        repeat.append((time.perf_counter() - t) * 1000)
    second = []  # the same 1,000 questions a second time, caches as the mix left them
    for _, q in mix[:1000]:
        t = time.perf_counter()
        answer(q)
        second.append((time.perf_counter() - t) * 1000)

    from rapidfuzz import fuzz, process
    names = [e.name for e in cat.entries.values()]
    naive = []
    for _, q in mix[:1500]:
        t = time.perf_counter()
        process.extractOne(q, names, scorer=fuzz.WRatio)
        naive.append((time.perf_counter() - t) * 1000)

    by_kind: dict[str, list[float]] = {}
    by_len: dict[str, list[float]] = {}
    for (kind, q), ms in zip(mix, times):
        by_kind.setdefault(kind, []).append(ms)
        by_len.setdefault(length_bucket(q), []).append(ms)
    summary = lambda xs: {"n": len(xs), "median": statistics.median(xs), "p99": pct(xs, 99)}  # noqa: E731
    return {"entries": len(cat.entries), "load_ms": load_ms, "all": summary(times),
            "kinds": {k: summary(v) for k, v in sorted(by_kind.items())},
            "lengths": {k: summary(v) for k, v in by_len.items()},
            "repeat": summary(second), "naive": summary(naive),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def cold_start() -> float:
    """Wall time of a whole `cncf-bot ask` process (interpreter, imports, data, model, one answer)."""
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--json", "what is jaeger"], check=True,
                       capture_output=True, cwd=ROOT)
        best = min(best, time.perf_counter() - t)
    return best


def report(scale: int, r: dict) -> None:
    a, nv = r["all"], r["naive"]
    print(f"\n== {scale}x catalog: {r['entries']} entries, loaded in {r['load_ms']:.0f} ms, max RSS {r['rss_mb']:.0f} MB")
    print(f"  mix of {a['n']} new questions: median {a['median']:.3f} ms, p99 {a['p99']:.3f} ms")
    print(f"  naive WRatio baseline, same mix: median {nv['median']:.3f} ms, p99 {nv['p99']:.3f} ms "
          f"(engine {nv['median'] / a['median']:.1f}x faster at the median)")
    print(f"  repeated questions: median {r['repeat']['median']:.3f} ms, p99 {r['repeat']['p99']:.3f} ms")
    print("  by kind:   " + "  ".join(f"{k} {v['median']:.2f}/{v['p99']:.2f}" for k, v in r["kinds"].items())
          + "  (median/p99 ms)")
    order = ["<50", "50-99", "100-199", "200-399", "400"]
    print("  by length: " + "  ".join(f"{k} chars {r['lengths'][k]['median']:.2f}/{r['lengths'][k]['p99']:.2f}"
                                      for k in order if k in r["lengths"]) + "  (median/p99 ms)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--scales", default="1,4,16")
    ap.add_argument("--child", help=argparse.SUPPRESS)  # one scale, as JSON, in a process of its own
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child or None, args.n)))
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            data = "" if scale == 1 else str(synthetic_catalog(scale, Path(tmp)))
            out = subprocess.run([sys.executable, __file__, "--n", str(args.n), "--child", data], check=True,
                                 capture_output=True, text=True, cwd=ROOT).stdout
            results[scale] = json.loads(out.strip().splitlines()[-1])
            report(scale, results[scale])
    if 1 in results:
        base = results[1]["all"]
        for scale, r in results.items():
            if scale != 1:
                print(f"  {scale}x vs 1x: median {r['all']['median'] / base['median']:.2f}x, "
                      f"p99 {r['all']['p99'] / base['p99']:.2f}x")
    print(f"\ncold start of `cncf-bot ask` (best of 5): {cold_start() * 1000:.0f} ms")


if __name__ == "__main__":
    main()
