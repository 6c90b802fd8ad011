"""event claims: each Slack event recorded once across replicas, with a lease and a time to live

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = sa.DateTime()


def upgrade() -> None:
    op.create_table(
        "event_claims",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("lease_until", UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_claims")),
    )
    # the sweeper's question ("working, lease over?") and the time-to-live delete each read one index
    op.create_index("ix_event_claims_state_lease", "event_claims", ["state", "lease_until"])
    op.create_index("ix_event_claims_received", "event_claims", ["received_at"])


def downgrade() -> None:
    op.drop_table("event_claims")
