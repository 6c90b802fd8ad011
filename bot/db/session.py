"""One SQLAlchemy engine per process, and a Session per unit of work.

SQLite (the default) runs in WAL mode with a busy timeout, and write transactions start with
BEGIN IMMEDIATE: in WAL mode a reader that later tries to write fails at once with SQLITE_BUSY
instead of waiting, which two `potd run` processes would hit. PostgreSQL needs nothing special.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 30_000
PG_TIMEOUT_S = 5


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_db_engine(url: str, **kw) -> Engine:
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            # Let SQLAlchemy, not the driver, decide when transactions begin (see begin below).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            _wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    # A database that stops answering must not hold threads for minutes: a few seconds to connect,
    # to wait for a pooled connection, and for any one statement.
    # (added to the URL's own `options`, such as a search_path, never in place of them)
    own = make_url(url).query.get("options") or ""
    own = " ".join(own) if isinstance(own, tuple) else own
    connect_args = {"connect_timeout": PG_TIMEOUT_S,
                    "options": f"{own} -c statement_timeout={PG_TIMEOUT_S * 1000}".strip()}
    connect_args.update(kw.pop("connect_args", None) or {})  # a caller's own, such as doctor's shorter wait
    kw.setdefault("pool_timeout", PG_TIMEOUT_S)
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kw)


def _wal(cur) -> None:
    """Switch to WAL. Two processes opening a new database at once race for the switch, and SQLite
    answers the loser "database is locked" at once, without its busy handler: try again briefly
    (the mode is then already WAL and the switch is a no-op)."""
    import sqlite3
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.01
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """The engine and the two kinds of session: `read()` and `write()`."""

    def __init__(self, url: str, engine: Engine | None = None):
        self.url = url
        self.engine = engine or create_db_engine(url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(sqlite_write=True), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as s:
            yield s

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits at the end of the block, or rolls back on an exception."""
        with self._write() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()
