"""Apply the Alembic migrations shipped in this package, safely from several processes at once.

Two replicas (or a CronJob and the server) may start together on an empty database. The whole
upgrade runs in one transaction behind a lock: an advisory lock on PostgreSQL, BEGIN IMMEDIATE on
SQLite (both have transactional DDL), so the second process waits and then finds nothing to do.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from .session import Database

MIGRATIONS = Path(__file__).with_name("migrations")
LOCK_KEY = 0x636E6366  # "cncf": the advisory lock id for migrations on PostgreSQL


def alembic_config(db: Database) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's ini interpolation treats % specially.
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> str | None:
    """Bring the schema to `revision`; return the revision it is at afterwards."""
    cfg = alembic_config(db)
    with db.engine.execution_options(sqlite_write=True).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        return MigrationContext.configure(conn).get_current_revision()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()
