"""Installations: which workspaces added the app, and the bot token each one gave it.

Only in the multi-workspace mode (bot.config.Config.oauth). slack_sdk's SQLAlchemy stores keep the
installations (tables slack_installations and slack_bots) and the OAuth states (slack_oauth_states)
in the bot's own database, so every replica sees an install the moment it is stored; the tables
come from Alembic migration 0009, never from `create_tables()`.

What `Store` adds to slack_sdk's InstallationStore, and why:

- **One transaction per install.** slack_sdk saves the installation row and the bot row in two
  transactions; a database error between them would leave half an install. Here both rows (and
  the removal of a pending purge, see below) commit together or not at all.
- **A short cache in front of `find_bot`.** Bolt's authorize asks the store for the team's bot on
  every request; a `CACHE_SECONDS` memory keeps the database off the answer path (issue 10), and a
  stale entry still answers while the database is unreachable. Deleting or saving forgets the
  team at once on this replica; other replicas follow within `CACHE_SECONDS`. "No bot" is never
  cached, so an install on another replica is answered at once.
- **Org-wide installs deleted right.** An Enterprise Grid org-wide install is stored with no team id;
  `Workspaces.left` removes it by the enterprise alone, and a workspace of the org leaving takes only
  its own rows.

A workspace is known by its *workspace id*: the team id, or the enterprise id of an org-wide install
(handlers.workspace.workspace_of). Every row the bot keeps (subscriptions, preferences, the question
log, feedback, thread memory, channel settings) is keyed by it.

Leaving (`app_uninstalled`, or `tokens_revoked` for the bot token): the installation and bot rows
are deleted, the project of the day, the digest and auto-answer stop at once, and a
`workspace_departures` row schedules the purge of everything else the workspace left behind after
UNINSTALL_GRACE_DAYS. Installing again before then cancels the purge.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import and_, delete, desc, func, select, update

from .db.models import (
    ChannelSetting,
    DigestPost,
    DigestSubscription,
    EventClaim,
    Feedback,
    Post,
    Question,
    Subscription,
    ThreadContext,
    UserPref,
    WorkspaceDeparture,
    utcnow,
)
from .db.session import Database

log = logging.getLogger("cncf_bot.installations")

CACHE_SECONDS = 30.0  # how long a replica trusts what it read about a team's bot
STATE_SECONDS = 600  # an install link (its OAuth state) works for ten minutes
ROTATE_MINUTES = 120  # a rotating bot token is refreshed this long before it expires (bolt's default)
# What a departed workspace leaves behind, purged after the grace period (table, its workspace column)
LEFT_BEHIND = ((Question, Question.team_id), (UserPref, UserPref.team_id), (Feedback, Feedback.team_id),
               (ThreadContext, ThreadContext.team_id), (ChannelSetting, ChannelSetting.team_id),
               (EventClaim, EventClaim.team_id), (Post, Post.team_id), (Subscription, Subscription.team_id),
               (DigestPost, DigestPost.team_id), (DigestSubscription, DigestSubscription.team_id))


def workspace_key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str:
    """The id a workspace's rows are kept under: its team, or the org of an org-wide install."""
    if is_enterprise_install and enterprise_id:
        return enterprise_id
    return team_id or enterprise_id or ""


@dataclass(frozen=True)
class Installed:
    """One installed workspace, as `cncf-bot doctor` and the metrics see it (the token stays inside)."""

    workspace_id: str
    name: str
    enterprise_id: str | None
    org_wide: bool
    installed_at: dt.datetime | None


class Store(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy InstallationStore with atomic saves, a short cache and org-wide deletes."""

    def __init__(self, client_id: str, engine: sa.Engine, *, cache_seconds: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(client_id=client_id, engine=engine, logger=log)
        self.writer = engine.execution_options(sqlite_write=True)  # BEGIN IMMEDIATE on SQLite
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._bots: dict[tuple[str | None, str | None], tuple[Bot | None, float]] = {}
        self._lock = threading.Lock()

    # -- writing ------------------------------------------------------------------------------------
    def save(self, installation: Installation) -> None:
        """The installation and its bot in one transaction; an earlier departure's purge is cancelled."""
        row = installation.to_dict()
        bot = installation.to_bot().to_dict() if installation.bot_token else None
        with self.writer.begin() as conn:
            self._upsert(conn, self.installations, row, installation.enterprise_id, installation.team_id)
            if bot is not None:
                self._upsert(conn, self.bots, bot, installation.enterprise_id, installation.team_id)
            key = workspace_key(installation.enterprise_id, installation.team_id, installation.is_enterprise_install)
            conn.execute(delete(WorkspaceDeparture).where(WorkspaceDeparture.workspace_id == key))
        self.forget(installation.enterprise_id, installation.team_id)

    def save_bot(self, bot: Bot) -> None:
        with self.writer.begin() as conn:
            self._upsert(conn, self.bots, bot.to_dict(), bot.enterprise_id, bot.team_id)
        self.forget(bot.enterprise_id, bot.team_id)

    def _upsert(self, conn: sa.Connection, table: sa.Table, values: dict, enterprise_id: str | None,
                team_id: str | None) -> None:
        # as slack_sdk does: one row per (client, org, team, installed_at); a rotation updates it
        values = dict(values, client_id=self.client_id)
        for name in ("installed_at", "bot_token_expires_at", "user_token_expires_at"):
            if name in values:
                values[name] = normalize_datetime_for_db(values.get(name))
        values = {k: v for k, v in values.items() if k in table.c}
        c = table.c
        found = conn.execute(select(c.id).where(
            c.client_id == self.client_id, c.enterprise_id == enterprise_id, c.team_id == team_id,
            c.installed_at == values.get("installed_at")).limit(1)).scalar()
        if found is None:
            conn.execute(table.insert(), values)
        else:
            conn.execute(table.update().where(c.id == found).values(**values))

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        with self.writer.begin() as conn:
            conn.execute(self.bots.delete().where(self._owner(self.bots, enterprise_id, team_id)))
        self.forget(enterprise_id, team_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        where = self._owner(self.installations, enterprise_id, team_id)
        if user_id is not None:
            where = and_(where, self.installations.c.user_id == user_id)
        with self.writer.begin() as conn:
            conn.execute(self.installations.delete().where(where))
        self.forget(enterprise_id, team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        with self.writer.begin() as conn:
            self.delete_all_in(conn, enterprise_id, team_id)
        self.forget(enterprise_id, team_id)

    def delete_all_in(self, conn: sa.Connection, enterprise_id: str | None, team_id: str | None) -> None:
        for table in (self.bots, self.installations):
            conn.execute(table.delete().where(self._owner(table, enterprise_id, team_id)))

    def _owner(self, table: sa.Table, enterprise_id: str | None, team_id: str | None):
        """Rows of this team; with no team id, of the org-wide install of the enterprise (stored
        with no team id). A workspace of an org never takes the org-wide install with it."""
        c = table.c
        if team_id is None:
            return and_(c.client_id == self.client_id, c.enterprise_id == enterprise_id, c.team_id.is_(None))
        return and_(c.client_id == self.client_id, c.enterprise_id == enterprise_id, c.team_id == team_id)

    # -- reading ------------------------------------------------------------------------------------
    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        team = None if is_enterprise_install or team_id is None else team_id
        key = (enterprise_id, team)
        now = self.clock()
        with self._lock:
            cached = self._bots.get(key)
        if cached is not None and now - cached[1] < self.cache_seconds:
            return cached[0]
        try:
            bot = super().find_bot(enterprise_id=enterprise_id, team_id=team,
                                   is_enterprise_install=is_enterprise_install)
        except Exception as exc:
            if cached is not None:  # the database is away: what this replica knew a moment ago
                log.warning("installation store unreachable (%s); using what was read %.0f s ago",
                            type(exc).__name__, now - cached[1])
                return cached[0]
            raise
        if bot is not None:  # "not installed" is not remembered: an install elsewhere counts at once
            with self._lock:
                self._bots[key] = (bot, now)
        return bot

    def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        with self._lock:
            for key in [k for k in self._bots if k[0] == enterprise_id and (k[1] == team_id or k[1] is None
                                                                             or team_id is None)]:
                self._bots.pop(key, None)

    def bot_for_workspace(self, workspace_id: str) -> Bot | None:
        """The newest bot of a workspace id (a team, or an org-wide install's enterprise), read fresh."""
        c = self.bots.c
        if workspace_id.startswith("E"):
            where = and_(c.enterprise_id == workspace_id, c.team_id.is_(None))
        else:
            where = c.team_id == workspace_id
        query = (self.bots.select().where(c.client_id == self.client_id, where, c.bot_token.is_not(None))
                 .order_by(desc(c.installed_at)).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return self.build_bot_entity(row) if row is not None else None

    def installed(self) -> list[Installed]:
        """Every workspace with a bot token, newest install first (one line each)."""
        c = self.bots.c
        query = (select(c.enterprise_id, c.enterprise_name, c.team_id, c.team_name, c.is_enterprise_install,
                        func.max(c.installed_at).label("at"))
                 .where(c.client_id == self.client_id, c.bot_token.is_not(None))
                 .group_by(c.enterprise_id, c.enterprise_name, c.team_id, c.team_name, c.is_enterprise_install))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        seen: dict[str, Installed] = {}
        for r in sorted(rows, key=lambda r: r.at):  # oldest first: a workspace's newest install wins
            org_wide = bool(r.is_enterprise_install) or r.team_id is None
            key = workspace_key(r.enterprise_id, r.team_id, org_wide)
            seen[key] = Installed(key, (r.enterprise_name if org_wide else r.team_name) or key, r.enterprise_id,
                                  org_wide, r.at.replace(tzinfo=dt.timezone.utc))
        return sorted(seen.values(), key=lambda i: i.workspace_id)

    def count(self) -> int:
        c = self.bots.c
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count(sa.distinct(func.coalesce(c.team_id, c.enterprise_id))))
                                    .where(c.client_id == self.client_id, c.bot_token.is_not(None))).scalar() or 0)


class StateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's SQLAlchemy OAuthStateStore, with a state used up by one atomic delete: of two
    redirects carrying the same state at once, only one gets through. A database error is raised
    (the install flow shows its storage page), not read as "no such state", and the state itself
    is never logged."""

    def consume(self, state: str) -> bool:
        c = self.oauth_states.c
        now = normalize_datetime_for_db(dt.datetime.now(dt.timezone.utc))
        with self.engine.begin() as conn:
            return (conn.execute(self.oauth_states.delete().where(c.state == state, c.expire_at > now)).rowcount
                    or 0) == 1


class Workspaces:
    """The multi-workspace mode's bookkeeping: tokens by workspace, leaving, and the purge after."""

    def __init__(self, db: Database, client_id: str, client_secret: str, *, api_url: str,
                 grace: dt.timedelta = dt.timedelta(days=30), now: Callable[[], dt.datetime] = utcnow,
                 cache_seconds: float = CACHE_SECONDS):
        from slack_sdk import WebClient
        from slack_sdk.oauth.token_rotation import TokenRotator

        self.db = db
        self.store = Store(client_id, db.engine, cache_seconds=cache_seconds)
        # issuing and consuming a state both write: on SQLite, as writers from the start
        self.states = StateStore(expiration_seconds=STATE_SECONDS, logger=log,
                                 engine=db.engine.execution_options(sqlite_write=True))
        self.rotator = TokenRotator(client_id=client_id, client_secret=client_secret,
                                    client=WebClient(base_url=api_url, timeout=10))
        self.grace = grace
        self.now = now
        self.on_change: Callable[[], None] | None = None  # e.g. the installations gauge

    # -- tokens -------------------------------------------------------------------------------------
    def token(self, workspace_id: str) -> str | None:
        """The workspace's bot token for work no Slack request started (the daily post, the digest):
        None when it has not installed the app. A rotating token near its expiry is refreshed first."""
        if not workspace_id:
            return None
        bot = self.store.bot_for_workspace(workspace_id)
        if bot is None:
            return None
        if bot.bot_refresh_token:
            from slack_sdk.oauth.token_rotation.rotator import SlackTokenRotationError

            try:
                fresh = self.rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=ROTATE_MINUTES)
            except SlackTokenRotationError as exc:  # Slack refused the refresh: the token is no good
                log.warning("workspace %s: its bot token could not be refreshed (%s); treated as not installed",
                            workspace_id, (exc.api_error.response.get("error") if exc.api_error else "refused"))
                return None
            if fresh is not None:
                self.store.save_bot(fresh)
                bot = fresh
        return bot.bot_token

    def count(self) -> int:
        return self.store.count()

    def installed(self) -> list[Installed]:
        return self.store.installed()

    # -- leaving ------------------------------------------------------------------------------------
    def left(self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool,
             reason: str) -> str:
        """The workspace uninstalled the app or revoked its bot token: its installation and bot
        rows go, its subscriptions stop, and its purge is scheduled; all in one transaction.
        Returns the workspace id (safe to repeat: a retried event changes nothing more)."""
        key = workspace_key(enterprise_id, team_id, is_enterprise_install)
        at = self.now()
        with self.db.write() as s:
            conn = s.connection()
            self.store.delete_all_in(conn, enterprise_id, None if is_enterprise_install else team_id)
            s.execute(update(Subscription).where(Subscription.team_id == key, Subscription.active.is_(True))
                      .values(active=False, unsubscribed_at=at, unsubscribed_by=reason[:64], next_post_at=None)
                      .execution_options(synchronize_session=False))
            s.execute(update(DigestSubscription).where(DigestSubscription.team_id == key)
                      .values(active=False).execution_options(synchronize_session=False))
            s.execute(update(ChannelSetting).where(ChannelSetting.team_id == key)
                      .values(auto_answer=False).execution_options(synchronize_session=False))
            # app_uninstalled and tokens_revoked come together: whichever is second finds the row
            s.execute(self._insert_departure().values(workspace_id=key, reason=reason[:32], left_at=at,
                                                      purge_after=at + self.grace)
                      .on_conflict_do_nothing(index_elements=["workspace_id"]))
        self.store.forget(enterprise_id, team_id)
        log.info("workspace %s left (%s): subscriptions stopped, its data is purged after %s", key, reason,
                 (at + self.grace).date().isoformat())
        if self.on_change:
            self.on_change()
        return key

    def _insert_departure(self):
        if self.db.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(WorkspaceDeparture)

    def prune_states(self) -> int:
        """Delete install links (OAuth states) that expired unused; returns how many."""
        table = self.states.oauth_states
        now = normalize_datetime_for_db(self.now())
        with self.db.write() as s:
            return s.execute(table.delete().where(table.c.expire_at <= now)).rowcount or 0

    def purge_due(self) -> int:
        """Delete what departed workspaces left behind once their grace period is over (and they did
        not come back); returns how many workspaces were purged."""
        at = self.now()
        with self.db.read() as s:
            due = list(s.scalars(select(WorkspaceDeparture.workspace_id)
                                 .where(WorkspaceDeparture.purge_after <= at)))
        purged = 0
        for key in due:
            with self.db.write() as s:
                # the departure row is the claim: a reinstall (Store.save) deletes it in its own
                # transaction, so only one of the two goes ahead, on every replica
                taken = s.execute(delete(WorkspaceDeparture).where(WorkspaceDeparture.workspace_id == key,
                                                                   WorkspaceDeparture.purge_after <= at)).rowcount
                if taken != 1 or self._installed_in(s.connection(), key):
                    continue  # another replica purged it, or it installed again: nothing to purge
                for model, column in LEFT_BEHIND:
                    s.execute(delete(model).where(column == key).execution_options(synchronize_session=False))
            purged += 1
            log.info("purged what workspace %s left behind (grace period over)", key)
        return purged

    def _installed_in(self, conn: sa.Connection, workspace_id: str) -> bool:
        c = self.store.bots.c
        where = and_(c.enterprise_id == workspace_id, c.team_id.is_(None)) if workspace_id.startswith("E") \
            else c.team_id == workspace_id
        return conn.execute(select(c.id).where(c.client_id == self.store.client_id, where,
                                               c.bot_token.is_not(None)).limit(1)).first() is not None

    def pending_purges(self) -> list[tuple[str, dt.datetime]]:
        with self.db.read() as s:
            return [(r.workspace_id, r.purge_after) for r in
                    s.scalars(select(WorkspaceDeparture).order_by(WorkspaceDeparture.purge_after))]


def revoked(workspaces: Workspaces, body: dict, event: dict, context: Any) -> str | None:
    """`tokens_revoked` / `app_uninstalled`: bolt's own clean-up (TokenRevocationListeners), then
    past it. Bolt deletes the bot rows on a revoked bot token but keeps the installation row that
    holds the same token, and its delete_all misses org-wide installs; here a revoked bot token or
    an uninstall is a departure (`Workspaces.left`). Returns the departed workspace id, if any."""
    from slack_bolt.listener.builtins import TokenRevocationListeners
    from slack_bolt.request.internals import extract_is_enterprise_install

    builtin = TokenRevocationListeners(workspaces.store)
    kind = event.get("type")
    org_wide = bool(extract_is_enterprise_install(body)) or bool(context.is_enterprise_install)
    if kind == "tokens_revoked":
        builtin.handle_tokens_revoked_events(event, context)
        if not (event.get("tokens") or {}).get("bot"):
            return None  # only user tokens, which this app never asks for: bolt's clean-up is all
    elif kind == "app_uninstalled":
        builtin.handle_app_uninstalled_events(context)
    else:
        return None
    return workspaces.left(enterprise_id=context.enterprise_id, team_id=context.team_id,
                           is_enterprise_install=org_wide, reason=str(kind))


def job_clients(config: Any, db: Database) -> tuple[Callable[[str], Any], Workspaces] | None:
    """For `cncf-bot potd run` / `digest run` in the multi-workspace mode: (workspace id -> a Web API
    client on its bot token, or None when it has not installed; the Workspaces). None with a fixed token."""
    if not config.oauth:
        return None
    from slack_sdk import WebClient

    workspaces = Workspaces(db, config.slack_client_id, config.slack_client_secret, api_url=config.slack_api_url,
                            grace=dt.timedelta(days=config.uninstall_grace_days), cache_seconds=0)
    clients: dict[str, Any] = {}

    def client_for(workspace_id: str) -> Any:
        token = workspaces.token(workspace_id)
        if token is None:
            return None
        if token not in clients:  # retries are the runner's own (its claim table knows what was posted)
            clients[token] = WebClient(token=token, base_url=config.slack_api_url, timeout=30, retry_handlers=[])
        return clients[token]

    return client_for, workspaces
