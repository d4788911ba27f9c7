"""Databases for the store's tests: SQLite always, PostgreSQL and MariaDB when their URLs are set.

Each test session makes its own uniquely named database on a server
(``sla_test_<random>``, dropped at the end) from the URL given, so parallel runs
never collide; the shared servers are never stopped or reconfigured.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from server_databases import server_database
from sqlalchemy import Engine, create_engine, text
from store_helpers import LADDERS, MATRIX, POLICY, empty_tables

from sla_timers.store import migrate
from sla_timers.store.store import Store

SERVERS = {"postgresql": "SLA_TEST_DATABASE_URL", "mysql": "SLA_TEST_MYSQL_URL"}

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            "SLA_TEST_DATABASE_URL" not in os.environ, reason="SLA_TEST_DATABASE_URL not set (PostgreSQL)"
        ),
    ),
    pytest.param(
        "mysql",
        id="mysql",
        marks=pytest.mark.skipif(
            "SLA_TEST_MYSQL_URL" not in os.environ, reason="SLA_TEST_MYSQL_URL not set (MariaDB/MySQL)"
        ),
    ),
]


def _server_database(backend: str) -> Iterator[str]:
    yield from server_database(os.environ[SERVERS[backend]])


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session."""
    yield from _server_database("postgresql")


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    """A fresh MariaDB/MySQL database for this session."""
    yield from _server_database("mysql")


def _migrated(backend: str) -> Iterator[str]:
    for url in _server_database(backend):
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def postgresql_store_url() -> Iterator[str]:
    """A PostgreSQL database at head for this session; tests empty its tables."""
    yield from _migrated("postgresql")


@pytest.fixture(scope="session")
def mysql_store_url() -> Iterator[str]:
    """A MariaDB/MySQL database at head for this session; tests empty its tables."""
    yield from _migrated("mysql")


@pytest.fixture(params=BACKENDS)
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database at head with empty tables, on each backend."""
    from sla_timers.store.engine import make_engine

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'sla.db'}")
        migrate.upgrade(engine)
    else:
        engine = make_engine(request.getfixturevalue(f"{request.param}_store_url"))
        empty_tables(engine)
    yield engine
    engine.dispose()


def _clean(url: str) -> None:
    """Leave the server database empty for the next test."""
    engine = create_engine(url)
    try:
        migrate.downgrade(engine, "base")
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS sla_alembic_version"))
            connection.execute(text("DROP TABLE IF EXISTS host_tickets"))
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend (tables dropped after the test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sla.db'}"
        return
    url = request.getfixturevalue(f"{request.param}_url")
    _clean(url)
    yield url
    _clean(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database of each backend."""
    from sla_timers.store.engine import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()


SETUP_AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def store(store_engine: Engine) -> Iterator[Store]:
    """A store on each backend, at head, with the ``basic`` policy, a matrix and ladders."""
    s = Store(store_engine)
    s.put_policy(POLICY, now=SETUP_AT)
    s.put_matrix(MATRIX, effective_from=SETUP_AT, now=SETUP_AT)
    s.put_ladders(LADDERS, effective_from=SETUP_AT, now=SETUP_AT)
    yield s
