"""A throwaway database on one of the machine's database servers, created for a test and dropped after it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from sqlalchemy import create_engine, make_url, text


def server_database(server_url: str) -> Iterator[str]:
    """Yield the URL of a new, empty database on the server at ``server_url``; drop it afterwards.

    The server is never reconfigured: only the database this made is dropped (on
    PostgreSQL with ``FORCE``, so a connection a test left open cannot keep it).
    """
    url = make_url(server_url)
    name = f"sla_test_{secrets.token_hex(6)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        force = " WITH (FORCE)" if url.get_backend_name() == "postgresql" else ""
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()
