"""Alembic environment of sla_timers: its own version table, its own tables only.

It shares a database with the host's own Alembic without touching it: the
version table is ``sla_alembic_version`` and autogenerate looks only at ``sla_``
tables. The connection comes from ``config.attributes["connection"]`` (see
:mod:`sla_timers.store.migrate`), else from the ``sqlalchemy.url`` option.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from sla_timers.store.models import Base

VERSION_TABLE = "sla_alembic_version"


def _ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Only our tables (and everything inside them) are compared or migrated."""
    return type_ != "table" or (name or "").startswith("sla_")


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        include_name=_ours,
        compare_type=True,
        # SQLite alters tables by copying them; batch mode does that.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection)
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("sla_timers migrations run online only: use 'sla-timers db upgrade'.")
_run()
