"""`cncf-bot`: the command line. Each subcommand lives in its own module under bot/commands."""
from __future__ import annotations

import argparse
import importlib
import sys

# Modules that add subcommands; each defines register(subparsers) and sets a `func` default.
COMMAND_MODULES = (
    "bot.commands.ask",
    "bot.commands.knowledge",
    "bot.commands.serve",
    "bot.commands.db",
    "bot.commands.potd",
    "bot.commands.digest",
    "bot.commands.doctor",
    "bot.commands.eval",
)


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("cncf-bot")
    except PackageNotFoundError:  # running from a source tree that was never installed
        v = "0+unknown"
    from knowledge.loader import DATA_DIR
    date = "unknown"
    try:
        for line in (DATA_DIR / "landscape.yaml").open(encoding="utf-8"):
            if line.startswith("source: "):
                import json
                date = json.loads(line[8:]).get("data_date", date)
                break
    except OSError:
        pass
    return f"cncf-bot {v} (catalog data of {date}; facts from the CNCF Landscape, CC-BY-4.0)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cncf-bot", description="Answers questions about the CNCF and its projects.")
    parser.add_argument("--version", action="store_true", help="print the version and the catalog's data date")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        print(version_text())
        return 0
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
