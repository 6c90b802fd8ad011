"""`cncf-bot potd run [--at ISO-8601]`: post every project of the day due at that instant, then exit.

Meant for a Kubernetes CronJob (every few minutes) and for tests; safe to run next to
`cncf-bot serve` replicas, since every post is claimed in the database first.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("potd", help="project of the day", description="Project of the day.")
    psub = p.add_subparsers(dest="potd_command", metavar="ACTION", required=True)
    run_p = psub.add_parser("run", help="post everything due now (or at --at) and exit",
                            description="Post every project of the day that is due, then exit. "
                                        "Needs SLACK_BOT_TOKEN; DATABASE_URL as for serve.")
    run_p.add_argument("--at", metavar="ISO-8601", help="the instant to run at, e.g. 2025-03-01T09:00:00+09:00 "
                                                         "(without an offset: UTC); default now")
    run_p.add_argument("--workers", type=int, default=4, help="posts in flight at once (default 4)")
    run_p.set_defaults(func=run)


def parse_at(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def run(args: argparse.Namespace) -> int:
    from slack_sdk import WebClient
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import Config, ConfigError
    from bot.db import Database, safe_url, upgrade
    from bot.potd_runner import PotdRunner
    from bot.prefs import prune_questions
    from knowledge.engine import Engine
    from knowledge.errors import KnowledgeError

    try:
        at = parse_at(args.at) if args.at else None
    except ValueError:
        print(f"cncf-bot: --at {args.at!r} is not an ISO-8601 time; use e.g. 2025-03-01T09:00:00+09:00",
              file=sys.stderr)
        return 2
    try:
        config = Config.from_env(need_slack=False, is_tty=sys.stderr.isatty())
    except ConfigError as exc:
        print(f"cncf-bot: {exc}", file=sys.stderr)
        return 2
    from bot.logs import setup_logging

    setup_logging(config)
    if not config.oauth and (not config.slack_bot_token or not config.slack_bot_token.startswith("xoxb-")):
        print("cncf-bot: SLACK_BOT_TOKEN is not set (or is not an xoxb- bot token); potd run posts to Slack "
              "and needs the Bot User OAuth Token from your app's OAuth & Permissions page (or, for many "
              "workspaces, SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)", file=sys.stderr)
        return 2
    try:
        engine = Engine.load()
    except KnowledgeError as exc:
        print(f"cncf-bot: the knowledge data is invalid ({exc})", file=sys.stderr)
        return 1
    client = WebClient(token=config.slack_bot_token, base_url=config.slack_api_url, timeout=30,
                       retry_handlers=[])  # retries are ours: the claim table knows what was posted
    try:
        db = Database(config.database_url)
        upgrade(db)
        from bot.installations import job_clients

        multi = job_clients(config, db)  # the multi-workspace mode: each workspace on its own token
        result = PotdRunner(db, engine.catalog, client, workers=args.workers,
                            client_for=multi[0] if multi else None).run_due(at)
        prune_questions(db, config.query_log_days)  # by the real clock, whatever --at says
        if multi:
            multi[1].purge_due()
    except SQLAlchemyError as exc:
        print(f"cncf-bot: database error at {safe_url(config.database_url)}: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 1 if result.errors else 0
