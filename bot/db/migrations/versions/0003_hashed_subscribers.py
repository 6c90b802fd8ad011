"""subscriptions keep who subscribed as a keyed hash (as preferences and the question log do)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Earlier rows held raw Slack user ids. The hashing key is not known to a migration, so those
values are cleared rather than converted: a status then says "a member" subscribed.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("potd_subscriptions") as batch:
        batch.alter_column("subscribed_by", type_=sa.String(64), existing_type=sa.String(32), existing_nullable=False)
        batch.alter_column("unsubscribed_by", type_=sa.String(64), existing_type=sa.String(32), existing_nullable=True)
    op.execute("UPDATE potd_subscriptions SET subscribed_by = '' WHERE length(subscribed_by) < 64")
    op.execute("UPDATE potd_subscriptions SET unsubscribed_by = NULL WHERE length(unsubscribed_by) < 64")


def downgrade() -> None:
    with op.batch_alter_table("potd_subscriptions") as batch:
        batch.alter_column("subscribed_by", type_=sa.String(32), existing_type=sa.String(64), existing_nullable=False)
        batch.alter_column("unsubscribed_by", type_=sa.String(32), existing_type=sa.String(64), existing_nullable=True)
