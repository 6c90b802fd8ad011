"""`cncf-bot serve`: run the Slack app (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)."""
from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the Slack app",
                       description="Run the Slack app: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP on "
                                   "PORT (POST /slack/events, GET /healthz, GET /metrics). Configuration comes from "
                                   "environment variables only; see the README.")
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.config import Config, ConfigError
    from bot.logs import Redactor, config_secrets, setup_logging

    try:
        config = Config.from_env(is_tty=sys.stderr.isatty())
    except ConfigError as exc:  # no secrets are known yet: only the shape-based redaction applies
        print(f"cncf-bot: configuration error: {Redactor().text(str(exc))}", file=sys.stderr)
        return 2
    setup_logging(config)

    from slack_bolt.error import BoltError

    from bot.app import build_runtime
    from bot.server import StartupError, serve
    from knowledge.errors import KnowledgeError

    from sqlalchemy.exc import SQLAlchemyError

    try:
        runtime = build_runtime(config)
    except KnowledgeError as exc:
        print(f"cncf-bot: the knowledge data is invalid ({exc})", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        from bot.db import safe_url

        print(f"cncf-bot: cannot use the database at {safe_url(config.database_url)}: "
              f"{exc.__class__.__name__}: {Redactor(config_secrets(config)).text(str(exc).splitlines()[0])}. "
              f"Check DATABASE_URL and that the server is reachable (`cncf-bot doctor` checks it).",
              file=sys.stderr)
        return 1
    except BoltError as exc:  # most often: Slack refused the token at auth.test
        reason = Redactor(config_secrets(config)).text(str(exc))
        print(f"cncf-bot: could not start the Slack app: {reason}. Check SLACK_BOT_TOKEN "
              f"(and SLACK_API_URL if you set it).", file=sys.stderr)
        return 2
    except OSError as exc:  # Slack (auth.test at start) could not be reached at all
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        print(f"cncf-bot: cannot reach Slack at {config.slack_api_url} to check the token ({reason}). "
              f"Check the network, a proxy, or SLACK_API_URL if you set it.", file=sys.stderr)
        return 1
    try:
        serve(runtime, host=args.host)
    except StartupError as exc:
        runtime.stop_background()
        print(f"cncf-bot: {exc}", file=sys.stderr)
        return 1
    return 0
