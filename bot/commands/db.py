"""`cncf-bot db upgrade|prune`: apply the packaged Alembic migrations; delete old questions."""
from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="manage the database", description="Manage the bot's database (DATABASE_URL).")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dsub.add_parser("upgrade", help="apply the schema migrations (safe to run from several processes)")
    up.set_defaults(func=run_upgrade)
    pr = dsub.add_parser("prune", help="delete questions older than QUERY_LOG_DAYS")
    pr.set_defaults(func=run_prune)


def _config():
    from bot.config import Config, ConfigError

    try:
        return Config.from_env(need_slack=False, is_tty=sys.stderr.isatty())
    except ConfigError as exc:
        print(f"cncf-bot: {exc}", file=sys.stderr)
        return None


def run_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db import Database, safe_url, upgrade

    config = _config()
    if config is None:
        return 2
    try:
        db = Database(config.database_url)
        rev = upgrade(db)
    except (SQLAlchemyError, OSError) as exc:
        print(f"cncf-bot: cannot upgrade the database at {safe_url(config.database_url)}: {exc}", file=sys.stderr)
        return 1
    print(f"database {safe_url(config.database_url)} is at revision {rev}")
    db.dispose()
    return 0


def run_prune(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db import Database, safe_url, upgrade
    from bot.prefs import prune_questions

    config = _config()
    if config is None:
        return 2
    try:
        db = Database(config.database_url)
        upgrade(db)
        n = prune_questions(db, config.query_log_days)
    except (SQLAlchemyError, OSError) as exc:
        print(f"cncf-bot: cannot prune the database at {safe_url(config.database_url)}: {exc}", file=sys.stderr)
        return 1
    print(f"deleted {n} questions older than {config.query_log_days} days")
    return 0
