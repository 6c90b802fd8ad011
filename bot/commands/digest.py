"""`cncf-bot digest run`: post the newest knowledge version's what-changed digest to subscribed channels."""
from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("digest", help="the what-changed digest after a knowledge sync")
    dsub = p.add_subparsers(dest="digest_command", required=True)
    run_p = dsub.add_parser("run", help="post the digest of the newest knowledge version, once per channel")
    run_p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from slack_sdk import WebClient

    from bot.config import Config, ConfigError
    from bot.db import Database, upgrade
    from bot.digest import DigestRunner

    try:
        config = Config.from_env(need_slack=False, is_tty=sys.stderr.isatty())
    except ConfigError as exc:
        print(f"cncf-bot: {exc}", file=sys.stderr)
        return 2
    if not config.oauth and (not config.slack_bot_token or not config.slack_bot_token.startswith("xoxb-")):
        print("cncf-bot: SLACK_BOT_TOKEN is not set (or is not an xoxb- bot token); digest run posts to Slack "
              "(or, for many workspaces, set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)", file=sys.stderr)
        return 2
    client = WebClient(token=config.slack_bot_token, base_url=config.slack_api_url, timeout=30, retry_handlers=[])
    db = Database(config.database_url)
    try:
        upgrade(db)
        from bot.installations import job_clients

        multi = job_clients(config, db)  # the multi-workspace mode: each workspace on its own token
        result = DigestRunner(db, client, client_for=multi[0] if multi else None).run()
    except Exception as exc:
        print(f"cncf-bot: digest run failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(result.summary())
    return 1 if result.failed else 0
