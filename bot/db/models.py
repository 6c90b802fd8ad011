"""The bot's tables, as SQLAlchemy 2 typed models.

Schema changes go through Alembic (bot/db/migrations); never edit a table by hand.
Times are stored in UTC; a subscription's local clock is its `timezone` column.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime, stored as a plain timestamp on every database.

    SQLite has no time zones, so storing naive UTC everywhere keeps both databases alike and
    every value read back aware (comparisons never mix naive and aware datetimes).
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


class Setting(Base):
    """Per-install values the bot generates once, such as the salt for hashing user ids."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Subscription(Base):
    """A channel that gets the project of the day. Unsubscribing keeps the row (and its history)."""

    __tablename__ = "potd_subscriptions"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", name="uq_potd_subscriptions_team_channel"),
        Index("ix_potd_subscriptions_due", "active", "next_post_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    post_time: Mapped[str] = mapped_column(String(5))  # "HH:MM", local to `timezone`
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. "Asia/Seoul"
    lang: Mapped[str] = mapped_column(String(2))
    include_sandbox: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    subscribed_by: Mapped[str] = mapped_column(String(64))  # keyed hash of team:user, never the raw id
    subscribed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    unsubscribed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    paused_reason: Mapped[str | None] = mapped_column(String(64), default=None)
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When the runner should look at this channel next (the next slot, or a retry); UTC.
    next_post_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class Post(Base):
    """The claim for one channel's project of one local date, and what became of it.

    The unique (team, channel, local_date) key is what makes the daily post exactly-once across
    processes: whoever inserts the row posts; everyone else sees it and leaves it alone.
    """

    __tablename__ = "potd_posts"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "local_date", name="uq_potd_posts_team_channel_date"),
        Index("ix_potd_posts_channel_status", "team_id", "channel_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    local_date: Mapped[dt.date] = mapped_column(Date)
    project_id: Mapped[str] = mapped_column(String(128))
    cycle: Mapped[int] = mapped_column(Integer, default=0)  # rotation round: no repeats within one
    # claimed: a runner is posting (until lease_until); retry: failed, try again at next_attempt_at;
    # posted: Slack accepted it (never posted again); abandoned: given up (paused channel, day over).
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_by: Mapped[str] = mapped_column(String(128))
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The last attempt may have reached Slack (crash, timeout): look for the message before reposting.
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    message_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    last_error: Mapped[str | None] = mapped_column(String(255), default=None)


class UserPref(Base):
    """A person's chosen answer language. Users are known only by a salted hash of their id."""

    __tablename__ = "user_prefs"
    __table_args__ = (UniqueConstraint("team_id", "user_hash", name="uq_user_prefs_team_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_hash: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Question(Base):
    """One question asked, for `/cncf stats`. Rows older than QUERY_LOG_DAYS are deleted."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_team_asked", "team_id", "asked_at"),
                      Index("ix_questions_asked", "asked_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    team_id: Mapped[str] = mapped_column(String(32))
    user_hash: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(2))
    matched_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    answered: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float] = mapped_column(Float)


class EventClaim(Base):
    """One Slack event, recorded on receipt by whichever replica got it first (bot.delivery).

    `event_id` is the primary key, so a second delivery (a retry, or the same event at another
    replica) finds the row. `working` rows belong to `owner` until `lease_until`; past it another
    replica finishes the event from `payload` (the event body, kept only until it is answered).
    Rows are deleted a while after they were received (bot.delivery.KEEP).
    """

    __tablename__ = "event_claims"
    __table_args__ = (Index("ix_event_claims_state_lease", "state", "lease_until"),
                      Index("ix_event_claims_received", "received_at"))

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(12))  # working | done | failed
    owner: Mapped[str] = mapped_column(String(128))
    lease_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    payload: Mapped[str | None] = mapped_column(Text, default=None)
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)


class ThreadContext(Base):
    """What the bot last answered in one conversation (a thread, or a DM's top level: thread_ts "").

    `memory` is knowledge.followup.Memory as JSON: entry ids, a concept id, a step, a filter, the
    language and the question (cleaned as the question log cleans it). Rows untouched for
    bot.threads.TTL are deleted.
    """

    __tablename__ = "thread_context"
    __table_args__ = (Index("ix_thread_context_updated", "updated_at"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    thread_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    memory: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Feedback(Base):
    """One person's verdict on one answer (the answer's metadata key); a second click updates it."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("team_id", "answer_key", "user_hash", name="uq_feedback_team_answer_user"),
                      Index("ix_feedback_team_created", "team_id", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    answer_key: Mapped[str] = mapped_column(String(128))
    user_hash: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    intent: Mapped[str] = mapped_column(String(32))
    matched_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ChannelSetting(Base):
    """A channel's own settings: `auto_answer`, answering confident questions without a mention."""

    __tablename__ = "channel_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    auto_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(String(64))  # keyed hash of who changed it
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class KnowledgeVersion(Base):
    """One synced set of landscape facts (the landscape.yaml format); the newest is in force."""

    __tablename__ = "knowledge_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    source_url: Mapped[str] = mapped_column(String(500))
    etag: Mapped[str | None] = mapped_column(String(200), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    data_date: Mapped[str] = mapped_column(String(10))
    facts: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


class DigestSubscription(Base):
    """A channel that gets a "what changed" post after each knowledge sync with changes."""

    __tablename__ = "digest_subscriptions"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lang: Mapped[str] = mapped_column(String(2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    subscribed_by: Mapped[str] = mapped_column(String(64))  # keyed hash
    subscribed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DigestPost(Base):
    """The claim for one channel's digest of one knowledge version: whoever inserts it posts."""

    __tablename__ = "digest_posts"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(12))  # claimed | posted | abandoned
    owner: Mapped[str] = mapped_column(String(128))
    lease_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    message_ts: Mapped[str | None] = mapped_column(String(32), default=None)


class WorkspaceDeparture(Base):
    """A workspace (or an org, for an org-wide install) that uninstalled the app or revoked its bot
    token: its subscriptions stopped at once; its questions, preferences and the rest of its rows are
    deleted once `purge_after` has passed, unless it installs again first (bot.installations).

    The installations themselves live in slack_sdk's tables (slack_installations, slack_bots,
    slack_oauth_states), created by migration 0009 exactly as slack_sdk's SQLAlchemy stores define them.
    """

    __tablename__ = "workspace_departures"
    __table_args__ = (Index("ix_workspace_departures_purge", "purge_after"),)

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # team id, or enterprise id
    reason: Mapped[str] = mapped_column(String(32))  # app_uninstalled | tokens_revoked
    left_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    purge_after: Mapped[dt.datetime] = mapped_column(UTCDateTime())
