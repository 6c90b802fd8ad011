"""`cncf-bot eval`: score the engine on labelled question sets, by intent and by language."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# The labelled sets that ship with a clone of the repository.
DEFAULT_SETS = Path(__file__).resolve().parents[2] / "tests" / "knowledge" / "cases"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score the engine on labelled question sets",
                       description="Score the engine on labelled question sets (YAML with a 'cases' list; "
                                   "see knowledge/evaluate.py for the keys). Prints per-intent and "
                                   "per-language figures and the failures.")
    p.add_argument("files", nargs="*", type=Path,
                   help=f"labelled sets (default: every *.yaml in {DEFAULT_SETS})")
    p.add_argument("--quiet", action="store_true", help="figures only, no list of failures")
    p.add_argument("--min", type=float, default=0.0, metavar="PCT",
                   help="exit 1 when the overall score is below PCT percent")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from handlers.render_json import answer_json
    from knowledge.engine import Engine
    from knowledge.errors import KnowledgeError
    from knowledge.evaluate import converse, CaseFileError, Report, load_cases, score

    files = args.files or sorted(DEFAULT_SETS.glob("*.yaml"))
    if not files:
        print(f"cncf-bot eval: no labelled sets given and none found in {DEFAULT_SETS}", file=sys.stderr)
        return 2
    try:
        sets = [(f, load_cases(f)) for f in files]
    except CaseFileError as exc:
        print(f"cncf-bot eval: {exc}", file=sys.stderr)
        return 2
    try:
        engine = Engine.load()
    except KnowledgeError as exc:
        print(f"cncf-bot eval: the knowledge data is invalid ({exc})", file=sys.stderr)
        return 1

    def answer(q: str, after=None) -> dict:
        # through JSON, so the figures are those of the `ask --json` contract
        a = converse(engine, q, after) if after else engine.ask(q)
        return json.loads(json.dumps(answer_json(a, engine.catalog, with_blocks=False)))

    total = Report("all sets")
    for path, cases in sets:
        rep = score(path.name, cases, answer)
        print("\n".join(rep.lines(show_failures=not args.quiet)))
        total.total += rep.total
        total.right += rep.right
        for table in ("groups", "langs"):
            for k, (r, n) in getattr(rep, table).items():
                cell = getattr(total, table).setdefault(k, [0, 0])
                cell[0] += r
                cell[1] += n
    if len(sets) > 1:
        print("\n".join(total.lines(show_failures=False)))
    print(f"score: {total.right}/{total.total} ({100 * total.rate:.1f}%)")
    return 0 if 100 * total.rate >= args.min else 1
