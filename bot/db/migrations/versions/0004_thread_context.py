"""thread context: what the bot last answered in each conversation, so any replica can follow up

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thread_context",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("memory", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", "thread_ts", name=op.f("pk_thread_context")),
    )
    op.create_index("ix_thread_context_updated", "thread_context", ["updated_at"])


def downgrade() -> None:
    op.drop_table("thread_context")
