"""Subcommands of `cncf-bot`. Each module has `register(subparsers)`; cli.py lists them."""
