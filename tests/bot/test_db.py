"""The schema: Alembic migrations shipped in the package, applied on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import Database, current_revision, head_revision, upgrade
from bot.db.migrate import MIGRATIONS
from bot.db.models import Base

from . import potd_fixtures

# pytest fixtures shared by the database tests
db_url = potd_fixtures.db_url

ROOT = Path(__file__).resolve().parents[2]


def expected_schema(engine):
    """The bot's models, and the tables slack_sdk's own SQLAlchemy stores read and write."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
    from sqlalchemy import MetaData

    meta = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(meta)
    store = SQLAlchemyInstallationStore(client_id="C", engine=engine)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=60, engine=engine)
    for table in (store.installations, store.bots, states.oauth_states):
        table.to_metadata(meta)
    return meta


def test_upgrade_creates_the_models_schema_and_is_idempotent(db_url):
    db = Database(db_url)
    try:
        assert current_revision(db) is None
        assert upgrade(db) == head_revision()
        assert upgrade(db) == head_revision()  # nothing left to do
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    expected_schema(db.engine))
            tables = set(inspect(conn).get_table_names())
        assert diff == [], diff
        assert {"potd_subscriptions", "potd_posts", "user_prefs", "questions", "settings", "event_claims",
                "slack_installations", "slack_bots", "slack_oauth_states", "workspace_departures"} <= tables
    finally:
        db.dispose()


def test_upgrading_a_database_with_raw_subscriber_ids_clears_them(db_url):
    from sqlalchemy import text

    db = Database(db_url)
    try:
        upgrade(db, "0002")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO potd_subscriptions (team_id, channel_id, post_time, timezone, lang, "
                              "include_sandbox, active, subscribed_by, subscribed_at, unsubscribed_by) VALUES "
                              "('T1', 'C1', '09:00', 'UTC', 'en', false, true, 'U0123ABCD', '2026-01-01', 'U9')"))
        upgrade(db)
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT channel_id, subscribed_by, unsubscribed_by FROM potd_subscriptions")).one()
        assert tuple(row) == ("C1", "", None)  # the subscription stays; the raw ids are gone
    finally:
        db.dispose()


def test_two_processes_upgrading_an_empty_database_at_once(db_url):
    env = dict(os.environ, DATABASE_URL=db_url, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "bot.cli", "db", "upgrade"]
    procs = [subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all(f"revision {head_revision()}" in out for out, _ in outs)
    assert "secret" not in outs[0][0]


def test_migrations_are_package_data():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = conf["tool"]["setuptools"]["package-data"]["bot"]
    bot_dir = ROOT / "bot"
    shipped = {p for pat in patterns for p in bot_dir.glob(pat)}
    wanted = {p for p in MIGRATIONS.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert wanted and wanted <= shipped
    assert "alembic" in " ".join(conf["project"]["dependencies"])


def test_potd_run_without_a_bot_token_says_which_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-m", "bot.cli", "potd", "run"], env=env, cwd=ROOT, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2 and "SLACK_BOT_TOKEN" in p.stderr and "Traceback" not in p.stderr


def test_bad_database_url_is_a_clear_error(tmp_path):
    env = dict(os.environ, DATABASE_URL="sqlite:////nonexistent-dir/x/y.sqlite3", PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, cwd=ROOT, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 1 and "cannot upgrade the database" in p.stderr and "Traceback" not in p.stderr


def test_postgresql_statements_time_out_and_keep_the_urls_own_options(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL setting")
    from sqlalchemy import text

    from bot.db.session import PG_TIMEOUT_S, create_db_engine

    engine = create_db_engine(db_url)  # the test URL sets its own search_path in `options`
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == f"{PG_TIMEOUT_S}s"
            assert conn.execute(text("SHOW search_path")).scalar().startswith("t_")
    finally:
        engine.dispose()
