"""installations: slack_sdk's SQLAlchemy InstallationStore and OAuthStateStore tables, and departed workspaces

The three slack_* tables are built from slack_sdk's own table definitions (the same builders its
stores use), so the columns, types and indexes are exactly what the stores read and write; the
project never calls their `create_tables()` (create_all) at start.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def slack_tables() -> list[sa.Table]:
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    meta = sa.MetaData()
    return [SQLAlchemyInstallationStore.build_installations_table(meta, "slack_installations"),
            SQLAlchemyInstallationStore.build_bots_table(meta, "slack_bots"),
            SQLAlchemyOAuthStateStore.build_oauth_states_table(meta, "slack_oauth_states")]


def upgrade() -> None:
    bind = op.get_bind()
    for table in slack_tables():
        table.create(bind)  # the table and its index, in this migration's transaction
    op.create_table(
        "workspace_departures",
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=False),
        sa.Column("purge_after", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_workspace_departures")),
    )
    op.create_index("ix_workspace_departures_purge", "workspace_departures", ["purge_after"])


def downgrade() -> None:
    op.drop_index("ix_workspace_departures_purge", table_name="workspace_departures")
    op.drop_table("workspace_departures")
    bind = op.get_bind()
    for table in reversed(slack_tables()):
        table.drop(bind)
