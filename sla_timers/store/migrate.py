"""Run the store's Alembic migrations from code: upgrade, downgrade, current, check.

The Alembic ``Config`` is built here, never read from an ``alembic.ini``: its
``script_location`` is the ``sla_timers.migrations`` package found through
:mod:`importlib.resources`, so it works from a wheel and from any directory.
The version table is ``sla_alembic_version``, apart from the host's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine

from ..errors import SLAError

#: Alembic's version table for our migrations, apart from a host's ``alembic_version``.
VERSION_TABLE = "sla_alembic_version"


class MigrationError(SLAError, RuntimeError):
    """The database's schema is not what the models expect (``db check`` found a difference)."""

    code = "migration_needed"


def _scripts() -> Traversable | Path:
    """The migrations folder: in a source checkout, the ``migrations/`` folder beside
    the package imported (so a checkout's new revisions apply even when an editable
    install of another checkout maps ``sla_timers.migrations`` elsewhere); else the
    installed ``sla_timers.migrations`` package."""
    root = Path(__file__).resolve().parents[2]
    checkout = root / "migrations"
    if (root / "setup.cfg").is_file() and (checkout / "env.py").is_file():
        return checkout
    try:
        return files("sla_timers.migrations")
    except ModuleNotFoundError:
        raise MigrationError("the sla_timers.migrations package is not installed; reinstall sla_timers") from None


@contextmanager
def _config(bind: Engine | Connection | str) -> Iterator[Config]:
    with as_file(_scripts()) as folder:
        config = Config()
        config.set_main_option("script_location", str(folder))
        if isinstance(bind, str):
            engine = create_engine(bind)
            try:
                with engine.begin() as connection:
                    config.attributes["connection"] = connection
                    yield config
            finally:
                engine.dispose()
        elif isinstance(bind, Engine):
            with bind.begin() as connection:
                config.attributes["connection"] = connection
                yield config
        else:
            config.attributes["connection"] = bind
            yield config


def upgrade(bind: Engine | Connection | str, revision: str = "head") -> None:
    """Upgrade the store's tables to ``revision`` (default: the latest)."""
    with _config(bind) as config:
        command.upgrade(config, revision)


def downgrade(bind: Engine | Connection | str, revision: str = "base") -> None:
    """Downgrade the store's tables to ``revision`` (``base`` drops them all)."""
    with _config(bind) as config:
        command.downgrade(config, revision)


def current(bind: Engine | Connection | str) -> str | None:
    """The revision the database is at, or None when the store's tables were never created."""
    with _config(bind) as config:
        connection: Connection = config.attributes["connection"]
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def head() -> str:
    """The latest revision shipped."""
    with as_file(_scripts()) as folder:
        config = Config()
        config.set_main_option("script_location", str(folder))
        revision = ScriptDirectory.from_config(config).get_current_head()
        assert revision is not None
        return revision


def check(bind: Engine | Connection | str) -> None:
    """Compare the database with the models.

    :raises MigrationError: naming the differences, when the database is not at
        head or a model and its table differ.
    """
    at = current(bind)
    if at != head():
        raise MigrationError(f"the database is at revision {at or 'none'}, not {head()}: run 'sla-timers db upgrade'")
    from alembic.autogenerate import compare_metadata

    from .models import Base

    with _config(bind) as config:
        connection: Connection = config.attributes["connection"]
        context = MigrationContext.configure(
            connection,
            opts={
                "version_table": VERSION_TABLE,
                "compare_type": True,
                "include_name": lambda name, type_, parents: type_ != "table" or (name or "").startswith("sla_"),
            },
        )
        diff = compare_metadata(context, Base.metadata)
    if diff:
        raise MigrationError("the database differs from the models: " + "; ".join(repr(d) for d in diff))
