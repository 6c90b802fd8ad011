"""Fixtures for the database tests: one fresh database per test on SQLite and on PostgreSQL.

PostgreSQL: the server at CNCF_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
each test gets its own schema (dropped afterwards), so parallel runs do not collide. The
PostgreSQL cases are skipped, with the reason, only when no server answers.
"""
from __future__ import annotations

import datetime as dt
import os
import uuid
from urllib.parse import quote

import pytest
from slack_sdk import WebClient

from bot.db import Database, upgrade

from .fake_slack_potd import FakeSlack

PG_URL = os.environ.get("CNCF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
UTC = dt.timezone.utc
_pg_problem: list[str] = []


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can (asked once per run)."""
    if not _pg_problem:
        try:
            import psycopg

            with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _pg_problem.append("")
        except Exception as exc:  # no driver, no server
            _pg_problem.append(f"no PostgreSQL server reachable at {PG_URL}: {exc}")
    return _pg_problem[0] or None


class DatabaseUnderTest:
    """A database URL for one test, and its cleanup."""

    def __init__(self, kind: str, tmp_path):
        self.kind = kind
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
            self.schema = None
        else:
            problem = postgres_problem()
            if problem:
                pytest.skip(problem)
            import psycopg

            self.schema = f"t_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
            sep = "&" if "?" in PG_URL else "?"
            self.url = f"{PG_URL}{sep}options={quote('-csearch_path=' + self.schema)}"

    def drop(self) -> None:
        if self.schema:
            import psycopg

            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    tdb = DatabaseUnderTest(request.param, tmp_path)
    yield tdb.url
    tdb.drop()


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def fake_slack():
    fake = FakeSlack(rate_limit=False)  # tests run many simulated days within one real second
    fake.api_url = fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def slack_client(fake_slack):
    return WebClient(token="xoxb-test", base_url=fake_slack.api_url, retry_handlers=[], timeout=10)
