"""Engines for the store: SQLite set up for several processes, servers as given."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url

#: How long a SQLite writer waits for another's lock before failing, in seconds.
SQLITE_BUSY_SECONDS = 30


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url``; for SQLite, a file in WAL mode whose transactions
    take the write lock at ``BEGIN`` (``BEGIN IMMEDIATE``) and wait for it.

    A deferred SQLite transaction that reads and then writes fails at once with
    ``database is locked`` when another process wrote in between; taking the
    lock at the start and waiting makes several sweep processes queue instead.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        options.setdefault("pool_pre_ping", True)
        return create_engine(url, **options)
    options.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_SECONDS)
    engine = create_engine(url, **options)
    setup_sqlite(engine)
    return engine


def setup_sqlite(engine: Engine) -> None:
    """Give a SQLite engine WAL, foreign keys and ``BEGIN IMMEDIATE`` transactions."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, connection_record: Any) -> None:
        # The driver's own implicit BEGIN is turned off, so ours below is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
