"""`cncf-bot serve`: run the Slack app (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)."""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the Slack app",
                       description="Run the Slack app: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP on "
                                   "PORT (POST /slack/events, GET /healthz, GET /metrics). Configuration comes from "
                                   "environment variables only; see the README.")
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    p.set_defaults(func=run)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            out["traceback"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def setup_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json"
                         else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def run(args: argparse.Namespace) -> int:
    from bot.config import Config, ConfigError

    try:
        config = Config.from_env(is_tty=sys.stderr.isatty())
    except ConfigError as exc:
        print(f"cncf-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(config.log_level, config.log_format)

    from slack_bolt.error import BoltError

    from bot.app import build_runtime
    from bot.server import serve
    from knowledge.errors import KnowledgeError

    try:
        runtime = build_runtime(config)
    except KnowledgeError as exc:
        print(f"cncf-bot: the knowledge data is invalid ({exc})", file=sys.stderr)
        return 1
    except BoltError as exc:  # most often: Slack refused the token at auth.test
        print(f"cncf-bot: could not start the Slack app: {exc}. Check SLACK_BOT_TOKEN "
              f"(and SLACK_API_URL if you set it).", file=sys.stderr)
        return 2
    serve(runtime, host=args.host)
    return 0
