"""Engines for the store: SQLite set up for several processes, servers as given."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError

#: How long a SQLite writer waits for another's lock before failing, in seconds.
SQLITE_BUSY_SECONDS = 30
#: A server connection idle this long (seconds) is pinged before it is used again.
PING_AFTER_IDLE_SECONDS = 5.0
#: Execution option of a connection that only reads: on SQLite its transaction begins
#: deferred (a WAL snapshot that neither waits for nor blocks the writer) instead of
#: taking the write lock. Set it before the connection's first statement.
READ_ONLY = "sla_read_only"


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url``; for SQLite, a file in WAL mode whose transactions
    take the write lock at ``BEGIN`` (``BEGIN IMMEDIATE``) and wait for it; for a
    server, a pool that checks connections left idle (:func:`ping_when_idle`) unless
    ``pool_pre_ping`` is given.

    A deferred SQLite transaction that reads and then writes fails at once with
    ``database is locked`` when another process wrote in between; taking the
    lock at the start and waiting makes several sweep processes queue instead.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if "pool_pre_ping" in options:
            return create_engine(url, **options)
        engine = create_engine(url, **options)
        ping_when_idle(engine)
        return engine
    options.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_SECONDS)
    engine = create_engine(url, **options)
    setup_sqlite(engine)
    return engine


def ping_when_idle(engine: Engine, idle_seconds: float | None = None) -> None:
    """Ping a pooled connection before use when it sat idle for ``idle_seconds``
    (default :data:`PING_AFTER_IDLE_SECONDS`); a dead one is replaced before the
    caller sees it.

    ``pool_pre_ping`` pings at every checkout: a round trip per request on a busy
    server. A connection used moments ago is almost always alive; when it is not
    (the server restarted in between), its first statement fails as a disconnect,
    SQLAlchemy drops it and every older connection of the pool, and the next
    checkout connects afresh (the web API retries a read once on it).
    """
    wait = PING_AFTER_IDLE_SECONDS if idle_seconds is None else idle_seconds

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, connection_record: Any) -> None:
        connection_record.info["sla_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
        # A new connection has no mark (``info`` is cleared when a connection is replaced).
        since = connection_record.info.get("sla_idle_since")
        if since is None or time.monotonic() - since < wait:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and checks out a new one.
            raise DisconnectionError(f"the pooled connection failed its ping: {exc}") from exc


def setup_sqlite(engine: Engine) -> None:
    """Give a SQLite engine WAL, foreign keys and ``BEGIN IMMEDIATE`` transactions
    (plain ``BEGIN`` on connections marked :data:`READ_ONLY`)."""

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
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
