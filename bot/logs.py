"""Logging for the commands that run for a while (serve, potd run, doctor).

One handler on the root logger, writing to stderr:
- LOG_FORMAT=json (the default when stderr is not a terminal): one JSON object per line with
  time, level, logger, message, the record's extra fields (a request's kind, intent, latency_ms,
  outcome) and, for an exception, its traceback;
- LOG_FORMAT=text: `time LEVEL logger: message key=value ...`, for people at a terminal.

A redaction filter on that handler rewrites every record before it is formatted, so no token or
secret reaches the log whoever logged it (our code, Bolt, slack_sdk, SQLAlchemy, uvicorn): the
configured Slack tokens, signing secret and database password, anything shaped like a Slack token
(xoxb-, xoxp-, xapp-, xoxe-...) and the password of any URL (scheme://user:PASSWORD@host), in the
message, its arguments, exception tracebacks, stack traces and extra fields.
"""
from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO
from urllib.parse import quote, unquote

REDACTED = "[REDACTED]"
# Slack tokens: bot (xoxb), user (xoxp), app-level (xapp), refresh/rotating (xoxe-, xoxe.xoxp-),
# and the older xoxa/xoxo/xoxr/xoxs kinds.
SLACK_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)(?:\.xox[a-z])?-[A-Za-z0-9-]+")
# scheme://user:password@ : the user stays (it helps to know which account), the password goes.
URL_CREDENTIALS = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/?#@\"'<>]*):([^\s@/\"'<>]*)@")
# The OAuth exchange's one-time values, as slack_sdk's DEBUG request log and URLs show them
# ({'code': '…'} and code=…): the key stays, the value goes.
OAUTH_VALUES = re.compile(r"""(['"](?:code|state|client_secret|refresh_token)['"]\s*:\s*['"])[^'"]+"""
                          r"""|\b((?:code|state|client_secret|refresh_token)=)[^&\s'"]+""")
MIN_SECRET = 4  # a configured "secret" shorter than this would redact ordinary words

# Attributes every LogRecord has (and uvicorn's color_message, a duplicate): the rest are extra fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName",
                                                                         "color_message"}


class Redactor:
    """Removes the given secret values and anything token- or credential-shaped from text."""

    def __init__(self, secrets: Iterable[str | None] = ()):
        values = {s for s in secrets if s and len(s) >= MIN_SECRET}
        # A URL's password is %-encoded in the URL and plain elsewhere (and the other way round).
        values |= {unquote(s) for s in values} | {quote(s, safe="") for s in values}
        # Longest first, so a secret that contains another is removed whole.
        self.secrets = sorted((v for v in values if len(v) >= MIN_SECRET), key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        value = SLACK_TOKEN.sub(REDACTED, value)
        value = OAUTH_VALUES.sub(lambda m: (m.group(1) or m.group(2)) + REDACTED, value)
        return URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}:{REDACTED}@", value)

    def value(self, value: Any) -> Any:
        """Strings are redacted; containers are rebuilt with redacted contents; numbers stay."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (bool, int, float)) or value is None:
            return value
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple, set, frozenset)):
            return [self.value(v) for v in value]
        return self.text(str(value))


def config_secrets(config: Any) -> list[str]:
    """The secret values in a bot.config.Config: tokens, signing secret, the database password."""
    secrets = [config.slack_bot_token, config.slack_signing_secret, config.slack_app_token,
               getattr(config, "user_hash_key", None), getattr(config, "slack_client_secret", None)]
    return [s for s in secrets + database_passwords(config.database_url) if s]


def database_passwords(url: str) -> list[str]:
    """The password of a database URL, as written in it and as SQLAlchemy decodes it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    found = [m.group(2) for m in URL_CREDENTIALS.finditer(url)]
    with contextlib.suppress(ArgumentError, ValueError):  # unreadable for SQLAlchemy: the pattern's finds do
        found.append(make_url(url).password or "")
    return [p for p in found if p]


class RedactingFilter(logging.Filter):
    """Rewrites a record in place: message (with its args merged in), traceback, stack and extras."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        r = self.redactor
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a bad format string: keep what there is
            message = f"{record.msg} {record.args}"
        record.msg, record.args = r.text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = r.text(record.exc_text)
            # The formatters only use exc_text; without exc_info nothing can re-render the original.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = r.text(record.stack_info)
        for key in extra_fields(record):
            setattr(record, key, r.value(getattr(record, key)))
        return True


def extra_fields(record: logging.LogRecord) -> list[str]:
    return [k for k in vars(record) if k not in _STANDARD and not k.startswith("_")]


def _timestamp(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created % 1 * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"time": _timestamp(record.created), "level": record.levelname.lower(),
                               "logger": record.name, "message": record.getMessage()}
        for key in extra_fields(record):
            if key not in out:
                out[key] = getattr(record, key)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["traceback"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        extras = [f"{k}={getattr(record, k)}" for k in extra_fields(record)]
        return line + ("  " + " ".join(extras) if extras else "")


def setup_logging(config: Any, stream: TextIO | None = None) -> logging.Handler:
    """Log as `config` says (LOG_LEVEL, LOG_FORMAT), with its secrets redacted."""
    return install(config.log_level, config.log_format, config_secrets(config), stream)


def install(level: str = "INFO", fmt: str = "json", secrets: Iterable[str | None] = (),
            stream: TextIO | None = None) -> logging.Handler:
    """Replace the root logger's handlers with one redacting handler on `stream` (stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactingFilter(Redactor(secrets)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic announces each of its plugins at INFO whenever it starts: noise, not news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return handler
