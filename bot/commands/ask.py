"""`cncf-bot ask`: answer a question in the terminal, or as JSON lines for scripts."""
from __future__ import annotations

import argparse
import io
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="answer a question", description="Answer a question about the CNCF.")
    p.add_argument("question", nargs="*", help="the question; '-' reads one question a line from stdin")
    p.add_argument("--json", action="store_true", help="print one JSON object a question")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from handlers.render_json import answer_json_line as answer_json
    from knowledge.engine import Engine
    from knowledge.errors import KnowledgeError
    from knowledge.render_text import render_text

    try:
        engine = synced_engine() or Engine.load()
    except KnowledgeError as exc:
        print(f"cncf-bot: the knowledge data is invalid ({exc}):", file=sys.stderr)
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    out = sys.stdout
    if args.question == ["-"]:
        # One question a line; bytes that are not UTF-8 become U+FFFD instead of stopping the run.
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
        for line in stream:
            emit(engine, line.rstrip("\r\n"), args.json, out, answer_json, render_text)
            out.flush()
        return 0
    emit(engine, " ".join(args.question), args.json, out, answer_json, render_text)
    return 0


def synced_engine():
    """With DATABASE_URL set, the engine over the newest synced knowledge version, if there is one."""
    from bot.config import ConfigError, configured_database_url

    try:
        url = configured_database_url()
    except ConfigError:
        return None
    if url is None:  # no database: nothing more to import (sqlalchemy and alembic cost ~0.4 s)
        return None
    try:
        from bot.db import Database
        from bot.knowledge_live import engine_for_version

        db = Database(url)
        try:
            built = engine_for_version(db)
        finally:
            db.dispose()
        return built[0] if built else None
    except Exception as exc:  # no such table yet, or no database: the packaged knowledge
        print(f"cncf-bot: using the packaged knowledge ({type(exc).__name__} reading the synced one)",
              file=sys.stderr)
        return None


def emit(engine, question: str, as_json: bool, out, answer_json_line, render_text) -> None:
    answer = engine.ask(question)
    if as_json:
        out.write(answer_json_line(answer, engine.catalog) + "\n")
    else:
        out.write(render_text(answer, engine.catalog) + "\n")
