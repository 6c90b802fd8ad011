"""`cncf-bot doctor`: check the configuration, Slack, the database and the knowledge data."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check that everything the bot needs is in place",
                       description="Check the configuration, Slack (auth.test with SLACK_BOT_TOKEN at SLACK_API_URL, "
                                   "the token's scopes, the app-level token in Socket Mode), the database and its "
                                   "migrations, and the knowledge data. Prints one line per check, with how to fix "
                                   "what is wrong. Exit code: 0 all is well, 1 a check failed, 2 the configuration "
                                   "is wrong.")
    p.add_argument("--data-dir", type=Path, default=None, help="check a knowledge data folder other than the packaged one")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.config import Config, ConfigError
    from bot.doctor import run_checks
    from bot.logs import Redactor, config_secrets, install, setup_logging

    is_tty = sys.stderr.isatty()
    try:  # the secrets to keep out of the output, and the logging the configuration asks for
        config = Config.from_env(need_slack=False, is_tty=is_tty)
        redact = Redactor(config_secrets(config)).text
        setup_logging(config)
    except ConfigError:  # reported by the configuration check below
        redact = Redactor().text
        install("WARNING", "text" if is_tty else "json")

    def show(check) -> None:
        print(redact(check.line()), flush=True)

    report = run_checks(data_dir=args.data_dir, is_tty=is_tty, on_check=show)
    failed = sum(1 for c in report.checks if not c.ok and not c.skipped)
    print("all is well." if report.ok else f"{failed} problem(s) found; fix them and run cncf-bot doctor again.")
    return report.exit_code()
