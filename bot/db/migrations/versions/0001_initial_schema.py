"""initial schema: subscriptions, daily post claims, preferences, question log, settings

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Timestamps are naive UTC on every database (bot.db.models.UTCDateTime).
UTC = sa.DateTime()


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "potd_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("post_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("include_sandbox", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("subscribed_by", sa.String(32), nullable=False),
        sa.Column("subscribed_at", UTC, nullable=False),
        sa.Column("unsubscribed_by", sa.String(32), nullable=True),
        sa.Column("unsubscribed_at", UTC, nullable=True),
        sa.Column("paused_reason", sa.String(64), nullable=True),
        sa.Column("paused_at", UTC, nullable=True),
        sa.Column("next_post_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_potd_subscriptions")),
        sa.UniqueConstraint("team_id", "channel_id", name="uq_potd_subscriptions_team_channel"),
    )
    op.create_index("ix_potd_subscriptions_due", "potd_subscriptions", ["active", "next_post_at"])
    op.create_table(
        "potd_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("project_id", sa.String(128), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=False),
        sa.Column("claimed_at", UTC, nullable=False),
        sa.Column("lease_until", UTC, nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=True),
        sa.Column("uncertain", sa.Boolean(), nullable=False),
        sa.Column("posted_at", UTC, nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("last_error", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_potd_posts")),
        sa.UniqueConstraint("team_id", "channel_id", "local_date", name="uq_potd_posts_team_channel_date"),
    )
    op.create_index("ix_potd_posts_channel_status", "potd_posts", ["team_id", "channel_id", "status"])
    op.create_table(
        "user_prefs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_prefs")),
        sa.UniqueConstraint("team_id", "user_hash", name="uq_user_prefs_team_user"),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asked_at", UTC, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("matched_ids", sa.JSON(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index("ix_questions_asked", "questions", ["asked_at"])
    op.create_index("ix_questions_team_asked", "questions", ["team_id", "asked_at"])


def downgrade() -> None:
    op.drop_table("questions")
    op.drop_table("user_prefs")
    op.drop_table("potd_posts")
    op.drop_table("potd_subscriptions")
    op.drop_table("settings")
