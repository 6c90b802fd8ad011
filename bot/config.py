"""Configuration: read once from environment variables into one typed object.

Nothing else in the code base reads os.environ. A missing or malformed value raises
ConfigError naming the variable; the command line turns it into exit code 2.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    def __init__(self, variable: str, problem: str):
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Config:
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str
    database_url: str
    port: int
    log_level: str
    log_format: str  # "json" or "text"
    query_log_days: int
    user_hash_key: str | None = None  # the HMAC key for user ids; kept out of the database
    stats_viewers: frozenset[str] = frozenset()  # user ids who see question text in /cncf stats
    slack_timeout: float = 10.0  # seconds one Web API call may take (SLACK_TIMEOUT_SECONDS)
    post_deadline: float = 120.0  # seconds an answer keeps trying to reach Slack (SLACK_RETRY_SECONDS)
    event_lease: float = 180.0  # seconds a replica owns an event before another may finish it
    knowledge_refresh: float = 300.0  # seconds between looks for a newer synced knowledge version
    # Multi-workspace ("Add to Slack") mode: an OAuth client and no SLACK_BOT_TOKEN (bot.installations)
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_scopes: tuple[str, ...] = ()  # bot scopes asked for at install; the manifest's by default
    slack_redirect_uri: str | None = None  # where Slack sends the installer back (SLACK_REDIRECT_URI or PUBLIC_URL)
    uninstall_grace_days: int = 30  # days a departed workspace's questions and preferences are kept

    @property
    def oauth(self) -> bool:
        """Many workspaces, each on the bot token its install stored; never with a fixed token."""
        return bool(self.slack_client_id) and not self.slack_bot_token

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, need_slack: bool = True,
                 is_tty: bool = False) -> "Config":
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value is not None and value.strip() else None

        bot_token = get("SLACK_BOT_TOKEN")
        secret = get("SLACK_SIGNING_SECRET")
        app_token = get("SLACK_APP_TOKEN")
        client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
        oauth = bool(client_id or client_secret) and not bot_token
        if need_slack and oauth:
            if not client_id or not client_secret:
                missing = "SLACK_CLIENT_ID" if not client_id else "SLACK_CLIENT_SECRET"
                raise ConfigError(missing, "is not set; the multi-workspace mode needs both the Client ID and the "
                                           "Client Secret from Basic Information > App Credentials")
            if app_token:
                raise ConfigError("SLACK_APP_TOKEN", "Socket Mode serves one workspace: unset SLACK_APP_TOKEN for the "
                                                     "multi-workspace (OAuth) mode, or set SLACK_BOT_TOKEN instead of "
                                                     "SLACK_CLIENT_ID/SECRET")
            if not secret:
                raise ConfigError("SLACK_SIGNING_SECRET", "is not set; the multi-workspace mode serves HTTP and needs "
                                                          "the Signing Secret from Basic Information")
        elif need_slack:
            if not bot_token:
                raise ConfigError("SLACK_BOT_TOKEN", "is not set; copy the Bot User OAuth Token (xoxb-...) "
                                  "from your Slack app's OAuth & Permissions page")
            if not bot_token.startswith("xoxb-"):
                raise ConfigError("SLACK_BOT_TOKEN", "must be a bot token starting with 'xoxb-'")
            if app_token and not app_token.startswith("xapp-"):
                raise ConfigError("SLACK_APP_TOKEN", "must be an app-level token starting with 'xapp-' "
                                  "(Basic Information > App-Level Tokens, scope connections:write)")
            if not app_token and not secret:
                raise ConfigError("SLACK_SIGNING_SECRET", "is not set; HTTP mode needs the Signing Secret from "
                                  "Basic Information (or set SLACK_APP_TOKEN for Socket Mode)")
        api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        if not api_url.startswith(("http://", "https://")):
            raise ConfigError("SLACK_API_URL", f"must be an http(s) URL, got {api_url!r}")
        if not api_url.endswith("/"):
            api_url += "/"  # WebClient joins method names onto it
        port = whole_number(get, "PORT", 3000, 1, 65535)
        level = (get("LOG_LEVEL") or "INFO").upper()
        if level not in LOG_LEVELS:
            raise ConfigError("LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
        fmt = (get("LOG_FORMAT") or ("text" if is_tty else "json")).lower()
        if fmt not in ("json", "text"):
            raise ConfigError("LOG_FORMAT", f"must be 'json' or 'text', got {fmt!r}")
        days_text = get("QUERY_LOG_DAYS") or "30"
        try:
            days = int(days_text)
        except ValueError:
            raise ConfigError("QUERY_LOG_DAYS", f"must be a whole number of days, got {days_text!r}") from None
        if days < 1:
            raise ConfigError("QUERY_LOG_DAYS", f"must be at least 1, got {days}")
        db = database_url(get("DATABASE_URL") or "sqlite:///cncf-bot.sqlite3")
        viewers = frozenset((get("STATS_VIEWERS") or "").replace(",", " ").split())
        bad = sorted(v for v in viewers if not re.fullmatch(r"[UW][A-Z0-9]{1,20}", v))
        if bad:
            raise ConfigError("STATS_VIEWERS", f"must be Slack user ids such as U012ABCDEF, got {', '.join(bad[:3])}")
        hash_key = get("USER_HASH_KEY")
        if hash_key is not None and len(hash_key) < 32:
            raise ConfigError("USER_HASH_KEY", "must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        timeout = seconds(get, "SLACK_TIMEOUT_SECONDS", 10.0, 0.1, 120)
        deadline = seconds(get, "SLACK_RETRY_SECONDS", 120.0, 1, 3600)
        lease = seconds(get, "EVENT_LEASE_SECONDS", max(180.0, deadline + 2 * timeout + 30), 1, 86400)
        if lease <= deadline + timeout:
            raise ConfigError("EVENT_LEASE_SECONDS", f"must be longer than SLACK_RETRY_SECONDS + SLACK_TIMEOUT_SECONDS "
                                                     f"({deadline + timeout:g}), or a slow answer would be "
                                                     f"taken over while it is still being posted; got {lease:g}")
        refresh = seconds(get, "KNOWLEDGE_REFRESH_SECONDS", 300.0, 1, 86400)
        scopes = tuple(s for s in (get("SLACK_SCOPES") or "").replace(" ", ",").split(",") if s)
        bad_scopes = [s for s in scopes if not re.fullmatch(r"[a-z_]+(:[a-z_.]+)*", s)]
        if bad_scopes:
            raise ConfigError("SLACK_SCOPES", f"must be comma-separated Slack scopes such as chat:write,commands; "
                                              f"got {bad_scopes[0]!r}")
        redirect = get("SLACK_REDIRECT_URI")
        public = get("PUBLIC_URL")
        for name, url in (("SLACK_REDIRECT_URI", redirect), ("PUBLIC_URL", public)):
            if url is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
                raise ConfigError(name, f"must be an http(s) URL such as https://cncf-bot.example.com, got {url!r}")
        if redirect is None and public is not None:
            redirect = public.rstrip("/") + "/slack/oauth_redirect"
        grace = whole_number(get, "UNINSTALL_GRACE_DAYS", 30, 0, 3650, " of days")
        return cls(slack_bot_token=bot_token, slack_signing_secret=secret, slack_app_token=app_token,
                   slack_api_url=api_url, database_url=db, port=port, log_level=level, log_format=fmt,
                   query_log_days=days, user_hash_key=hash_key, stats_viewers=viewers, slack_timeout=timeout,
                   post_deadline=deadline, event_lease=lease, knowledge_refresh=refresh,
                   slack_client_id=client_id, slack_client_secret=client_secret, slack_scopes=scopes,
                   slack_redirect_uri=redirect, uninstall_grace_days=grace)


def whole_number(get, name: str, default: int, low: int, high: int, unit: str = "") -> int:
    text = get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(name, f"must be a whole number{unit}, got {text!r}") from None
    if not low <= value <= high:
        raise ConfigError(name, f"must be between {low} and {high}, got {value}")
    return value


def seconds(get, name: str, default: float, low: float, high: float) -> float:
    text = get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(name, f"must be a number of seconds, got {text!r}") from None
    if not low <= value <= high:
        raise ConfigError(name, f"must be between {low:g} and {high:g} seconds, got {text}")
    return value


def database_url(url: str) -> str:
    """DATABASE_URL checked before anything connects: SQLite or PostgreSQL (through psycopg 3,
    which `postgresql://` and `postgres://` also mean here), with its driver installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    example = "sqlite:///cncf-bot.sqlite3 or postgresql+psycopg://user:pass@host/db"
    if "://" not in url:
        raise ConfigError("DATABASE_URL", f"must be a database URL such as {example}")
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("DATABASE_URL", f"is not a database URL; use one such as {example}") from None
    backend, _, driver = parsed.drivername.partition("+")  # without loading a dialect
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return url
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg", "psycopg2"):
        import importlib.util

        if importlib.util.find_spec("psycopg") is None:
            raise ConfigError("DATABASE_URL", "is a PostgreSQL URL, but the PostgreSQL driver is not installed: "
                                              "pip install 'cncf-bot[postgres]'")
        return "postgresql+psycopg" + url[url.index("://"):]  # the rest as written (its escapes too)
    raise ConfigError("DATABASE_URL", f"uses {parsed.drivername}://, which cncf-bot does not support; use {example}")


def configured_database_url(env: Mapping[str, str] | None = None) -> str | None:
    """DATABASE_URL when it is set (checked as above), else None: `cncf-bot ask` then uses the packaged data."""
    env = os.environ if env is None else env
    value = (env.get("DATABASE_URL") or "").strip()
    return database_url(value) if value else None
