"""`cncf-bot doctor`: is this installation ready? One check per line, each with how to fix it.

The checks, in order: the configuration, Slack's auth.test with the bot token (at SLACK_API_URL),
the bot token's scopes, the app-level token (Socket Mode only), the database and its migrations,
and the knowledge data. Nothing is written anywhere: the database is only read (a SQLite file
that does not exist is reported, not created), and Slack is only asked who the token belongs to.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import Any

# The bot token scopes the app needs; slack-manifest.yml asks for exactly these (a test keeps
# the two in step: the manifest is not part of the installed package).
# channels:history/groups:history: after a crash the potd runner looks for its own post before
# posting again; users:read: a subscriber's time zone and locale are the subscription defaults.
REQUIRED_SCOPES = ("app_mentions:read", "assistant:write", "channels:history", "chat:write", "commands", "groups:history",
                   "im:history", "mpim:history", "users:read")
SLACK_TIMEOUT = 10  # seconds per Slack call
DB_CONNECT_TIMEOUT = 5  # seconds, for servers that do not answer at all

NETWORK_ERRORS = (OSError, HTTPException)  # urllib's URLError and socket timeouts are OSErrors
INVALID_TOKEN_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
                        "no_permission", "not_allowed_token_type"}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    skipped: bool = False

    def line(self) -> str:
        status = "skip" if self.skipped else "ok" if self.ok else "PROBLEM"
        text = f"{status:<8}{self.name}: {self.detail}"
        if self.fix and not self.ok:
            text = text.rstrip(".") + f". Fix: {self.fix}"
        return text


@dataclass
class Report:
    checks: list[Check]
    config_error: bool  # the configuration could not be read: exit code 2

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def exit_code(self) -> int:
        """0 all is well; 2 the configuration is wrong; 1 anything else is wrong."""
        return 0 if self.ok else 2 if self.config_error else 1


def run_checks(env: Mapping[str, str] | None = None, *, data_dir: Path | None = None, is_tty: bool = False,
               on_check: Callable[[Check], None] | None = None) -> Report:
    """Run every check (as far as the configuration allows); `on_check` sees each as it completes."""
    from bot.config import Config, ConfigError

    checks: list[Check] = []

    def add(check: Check) -> None:
        checks.append(check)
        if on_check:
            on_check(check)

    config_error = False
    config = None
    try:
        config = Config.from_env(env, need_slack=True, is_tty=is_tty)
        add(check_config(config))
    except ConfigError as exc:
        config_error = True
        add(Check("configuration", False, str(exc), "set it in the environment (see the configuration "
                                                     "table in the README) and run cncf-bot doctor again."))
        try:  # the rest (database, knowledge) may still be checked
            config = Config.from_env(env, need_slack=False, is_tty=is_tty)
        except ConfigError:
            config = None
    oauth = config is not None and config.oauth
    if oauth:
        add(check_oauth(config))
    elif config is not None and config.slack_bot_token and config.slack_bot_token.startswith("xoxb-"):
        for check in check_slack(config):
            add(check)
    else:
        add(Check("slack", False, "not checked: no usable SLACK_BOT_TOKEN", skipped=True))
    add(check_database(config.database_url) if config is not None
        else Check("database", False, "not checked: the configuration could not be read", skipped=True))
    if oauth and not config_error:
        for check in check_installations(config):
            add(check)
    add(check_knowledge(data_dir))
    return Report(checks, config_error)


def check_config(config: Any) -> Check:
    from bot.db import safe_url

    mode = "Socket Mode" if config.socket_mode else f"HTTP mode on port {config.port}"
    if config.oauth:
        mode += ", many workspaces (OAuth)"
    return Check("configuration", True, f"{mode}; Slack API {config.slack_api_url}; database "
                                        f"{safe_url(config.database_url)}; logs {config.log_format} at "
                                        f"{config.log_level}")


# -- Slack -----------------------------------------------------------------------------------------

def check_slack(config: Any) -> list[Check]:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=config.slack_bot_token, base_url=config.slack_api_url, timeout=SLACK_TIMEOUT,
                       retry_handlers=[])
    try:
        resp = client.auth_test()
    except SlackApiError as exc:
        return [slack_refused("slack auth.test", exc.response.get("error") or f"HTTP {exc.response.status_code}",
                              "SLACK_BOT_TOKEN", "the Bot User OAuth Token (xoxb-...) from your app's "
                              "OAuth & Permissions page; reinstall the app to the workspace if it was revoked"),
                Check("slack scopes", False, "not checked: auth.test failed", skipped=True)]
    except NETWORK_ERRORS as exc:  # DNS, refused connection, timeout, TLS
        return [unreachable("slack auth.test", config.slack_api_url, exc),
                Check("slack scopes", False, "not checked: auth.test failed", skipped=True)]
    who = f"@{resp.get('user')} ({resp.get('user_id')}) in {resp.get('team')} ({resp.get('team_id')})"
    checks = [Check("slack auth.test", True, f"the bot token works: {who} at {config.slack_api_url}")]
    checks.append(check_scopes(header(resp.headers, "x-oauth-scopes")))
    if config.slack_app_token:
        checks.append(check_app_token(config))
    return checks


def check_scopes(granted_header: str | None) -> Check:
    if granted_header is None:
        return Check("slack scopes", False, "Slack did not say which scopes the token has (no x-oauth-scopes "
                                            "header on auth.test)", "check that SLACK_API_URL points at Slack's "
                                                                     "Web API (https://slack.com/api/).")
    granted = {s.strip() for s in granted_header.split(",") if s.strip()}
    missing = [s for s in REQUIRED_SCOPES if s not in granted]
    if missing:
        return Check("slack scopes", False, f"the bot token lacks {', '.join(missing)} (it has "
                                            f"{', '.join(sorted(granted)) or 'none'})",
                     f"add {', '.join(missing)} under OAuth & Permissions > Bot Token Scopes (or recreate the "
                     f"app from slack-manifest.yml), then reinstall the app to the workspace.")
    extra = sorted(granted - set(REQUIRED_SCOPES))
    return Check("slack scopes", True, ", ".join(REQUIRED_SCOPES) + (f" (also granted: {', '.join(extra)})"
                                                                    if extra else ""))


def check_app_token(config: Any) -> Check:
    """Socket Mode: ask for a websocket URL with the app-level token (it expires unused)."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(base_url=config.slack_api_url, timeout=SLACK_TIMEOUT, retry_handlers=[])
    try:
        client.apps_connections_open(app_token=config.slack_app_token)
    except SlackApiError as exc:
        return slack_refused("slack socket mode", exc.response.get("error") or f"HTTP {exc.response.status_code}",
                             "SLACK_APP_TOKEN", "an app-level token (xapp-...) with the connections:write scope "
                             "from Basic Information > App-Level Tokens, and turn Socket Mode on")
    except NETWORK_ERRORS as exc:
        return unreachable("slack socket mode", config.slack_api_url, exc)
    return Check("slack socket mode", True, "the app-level token can open Socket Mode connections")


def slack_refused(name: str, error: str, variable: str, what: str) -> Check:
    if error in INVALID_TOKEN_ERRORS:
        return Check(name, False, f"Slack refused {variable} ({error})", f"set {variable} to {what}.")
    return Check(name, False, f"Slack answered {error}", f"check {variable} ({what}) and SLACK_API_URL.")


def unreachable(name: str, url: str, exc: Exception) -> Check:
    reason = getattr(exc, "reason", None) or exc
    return Check(name, False, f"cannot reach Slack at {url}: {type(exc).__name__}: {reason}",
                 "check the network, proxies and firewall from this machine to Slack, and SLACK_API_URL "
                 "(unset it to use https://slack.com/api/).")


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return ",".join(value) if isinstance(value, (list, tuple)) else str(value)
    return None


# -- many workspaces (OAuth) -----------------------------------------------------------------------

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def check_oauth(config: Any) -> Check:
    """The multi-workspace settings: the client credentials, and a redirect URL browsers return to
    with the state cookie (a Secure cookie: https, except on this machine)."""
    from urllib.parse import urlparse

    if not config.slack_client_id or not config.slack_client_secret:
        return Check("oauth settings", False, "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must both be set",
                     "copy both from Basic Information > App Credentials.")
    redirect = config.slack_redirect_uri
    if not redirect:
        return Check("oauth settings", True, f"client {config.slack_client_id}; no SLACK_REDIRECT_URI or PUBLIC_URL, "
                                             "so Slack returns installers to the app's first Redirect URL")
    parsed = urlparse(redirect)
    if parsed.scheme != "https" and (parsed.hostname or "") not in LOCAL_HOSTS:
        return Check("oauth settings", False, f"the redirect URL {redirect} is not https: browsers do not send the "
                                              "install's Secure state cookie back over http, so every install fails",
                     "serve the bot behind TLS and set PUBLIC_URL (or SLACK_REDIRECT_URI) to its https:// address.")
    if not parsed.path.endswith("/slack/oauth_redirect"):
        return Check("oauth settings", False, f"the redirect URL {redirect} does not end in /slack/oauth_redirect, "
                                              "where the bot finishes installs",
                     "set PUBLIC_URL to the bot's base address, or SLACK_REDIRECT_URI to "
                     "https://HOST/slack/oauth_redirect, and add the same URL under OAuth & Permissions > "
                     "Redirect URLs.")
    return Check("oauth settings", True, f"client {config.slack_client_id}; installers return to {redirect}")


def check_installations(config: Any) -> list[Check]:
    """The installations table is migrated; each installed workspace's bot token still works
    (auth.test). Tokens are never printed; nothing is written."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db import Database, create_db_engine
    from bot.installations import Store

    try:
        db = Database(config.database_url, engine=create_db_engine(config.database_url))
    except Exception as exc:
        return [Check("installations", False, f"not checked: {type(exc).__name__}", skipped=True)]
    try:
        try:
            with db.engine.connect() as conn:
                tables = set(inspect(conn).get_table_names())
        except (SQLAlchemyError, OSError):
            return [Check("installations", False, "not checked: the database could not be read", skipped=True)]
        if not {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables:
            return [Check("installations", False, "the installations tables are not migrated",
                          "run cncf-bot db upgrade (with the same DATABASE_URL).")]
        store = Store(config.slack_client_id, db.engine, cache_seconds=0)
        installed = store.installed()
        checks = [Check("installations", True, f"{len(installed)} workspace(s) installed"
                        + ("" if installed else "; open /slack/install to add the first one"))]
        for item in installed:
            bot = store.bot_for_workspace(item.workspace_id)
            label = f"workspace {item.workspace_id} ({item.name}{', org-wide' if item.org_wide else ''})"
            expires = bot.bot_token_expires_at if bot else None
            if bot and bot.bot_refresh_token and expires is not None and expires <= time.time():
                checks.append(Check(label, True, "its rotating bot token has expired; the server refreshes it "
                                                 "on its next use (doctor changes nothing)"))
                continue
            client = WebClient(token=bot.bot_token if bot else None, base_url=config.slack_api_url,
                               timeout=SLACK_TIMEOUT, retry_handlers=[])
            try:
                client.auth_test()
                checks.append(Check(label, True, "its bot token works"))
            except SlackApiError as exc:
                error = exc.response.get("error") or f"HTTP {exc.response.status_code}"
                checks.append(Check(label, False, f"Slack refused its bot token ({error})",
                                    "ask the workspace to reinstall the app from /slack/install; if it uninstalled, "
                                    "the next app_uninstalled event removes it."))
            except NETWORK_ERRORS as exc:
                checks.append(unreachable(label, config.slack_api_url, exc))
                break  # Slack is away: the rest would say the same
        return checks
    finally:
        db.dispose()


# -- database --------------------------------------------------------------------------------------

def check_database(url: str) -> Check:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from bot.db import Database, create_db_engine, current_revision, safe_url
    from bot.db.migrate import MIGRATIONS

    try:
        parsed = make_url(url)
        shown = safe_url(url)
    except ArgumentError as exc:
        return Check("database", False, f"DATABASE_URL is not a database URL ({exc})",
                     "use e.g. postgresql+psycopg://USER:PASSWORD@HOST:5432/DB or sqlite:///cncf-bot.sqlite3.")
    upgrade_fix = "run cncf-bot db upgrade (with the same DATABASE_URL)."
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        path = parsed.database or ""
        if path and path != ":memory:" and not path.startswith("file:") and not Path(path).exists():
            return Check("database", False, f"{shown}: the file {Path(path).resolve()} does not exist", upgrade_fix)
    try:
        # SQLite: a plain engine (no WAL switch, nothing written); others: give up if the server is silent.
        engine = create_engine(url) if sqlite else create_db_engine(
            url, connect_args={"connect_timeout": DB_CONNECT_TIMEOUT} if parsed.get_backend_name() == "postgresql"
            else {})
    except (ArgumentError, ImportError) as exc:
        return Check("database", False, f"cannot use {shown}: {exc}",
                     "install the driver (pip install 'cncf-bot[postgres]' for PostgreSQL) or fix DATABASE_URL.")
    db = Database(url, engine=engine)
    try:
        current = current_revision(db)
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return Check("database", False, f"cannot connect to {shown}: {reason}",
                     "check that the database server is running and reachable from here, and the host, "
                     "port, user, password and database name in DATABASE_URL.")
    finally:
        db.dispose()
    scripts = ScriptDirectory(str(MIGRATIONS))
    head = scripts.get_current_head()
    if current is None:
        return Check("database", False, f"{shown} is reachable but has no schema yet (head is {head})", upgrade_fix)
    if current == head:
        return Check("database", True, f"{shown} is at the latest migration ({head})")
    try:
        known = scripts.get_revision(current) is not None
    except CommandError:
        known = False
    if not known:
        return Check("database", False, f"{shown} is at revision {current}, which this cncf-bot does not know "
                                        f"(its latest is {head}): a newer cncf-bot migrated it",
                     "run the newer cncf-bot version, or check that DATABASE_URL names the right database.")
    return Check("database", False, f"{shown} is at revision {current}, behind {head}", upgrade_fix)


# -- knowledge -------------------------------------------------------------------------------------

def check_knowledge(data_dir: Path | None = None, shown: int = 3) -> Check:
    from knowledge.errors import KnowledgeError
    from knowledge.loader import DATA_DIR, load_catalog

    where = data_dir or DATA_DIR
    try:
        catalog = load_catalog(data_dir)
    except KnowledgeError as exc:
        first = "; ".join(exc.problems[:shown]) + (f"; and {len(exc.problems) - shown} more"
                                                    if len(exc.problems) > shown else "")
        return Check("knowledge", False, f"{len(exc.problems)} problem(s) in {where}: {first}",
                     f"run cncf-bot knowledge check{' --data-dir ' + str(data_dir) if data_dir else ''} for "
                     f"the full list and fix those files (or reinstall cncf-bot).")
    except OSError as exc:
        return Check("knowledge", False, f"cannot read {where}: {exc}", "reinstall cncf-bot, or fix --data-dir.")
    counts = catalog.counts()
    if not catalog.projects:
        return Check("knowledge", False, f"{where} holds no CNCF projects",
                     "import a landscape.yml: cncf-bot knowledge import PATH --commit SHA.")
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    return Check("knowledge", True, f"data of {catalog.source.data_date or 'an unknown date'}: {summary}")

