"""``sla-timers db ...`` (and ``flask sla db ...``): create, upgrade and check the store's tables.

::

    sla-timers db upgrade [REVISION] --url sqlite:///sla.db   (or the app's, or $SLA_DATABASE_URL)
    sla-timers db downgrade REVISION                         (base drops every sla_ table)
    sla-timers db current
    sla-timers db check                                      (exit 1 when models and database differ)

The database is ``--url``; else, under ``flask sla db ...``, the app's own
(``SLA_ENGINE`` or ``SLA_DATABASE_URL``, default the SQLite file in its instance
folder); else ``$SLA_DATABASE_URL``.

Only the ``sla_`` tables and the ``sla_alembic_version`` table are touched; a
host's own tables and Alembic history are left alone.
"""

from __future__ import annotations

import os
from typing import Any

import click

from .cli import SLAGroup, UsageError

__all__ = ["db"]


@click.group(cls=SLAGroup, help="create, upgrade or check the store's tables (sla_*)")
def db() -> None:
    """The store's migrations."""


_url = click.option(
    "--url",
    default=None,
    metavar="URL",
    help="SQLAlchemy database URL (default: the Flask app's, else $SLA_DATABASE_URL)",
)


def _database_url(url: str | None) -> Any:
    """``--url``, else the Flask app's database (its engine or URL), else ``$SLA_DATABASE_URL``."""
    if url:
        return url
    app_database = _app_database()
    if app_database is not None:
        return app_database
    url = os.environ.get("SLA_DATABASE_URL")
    if not url:
        raise UsageError("db: give --url or set SLA_DATABASE_URL (or run it as flask sla db in the app)")
    return url


def app_with_extension() -> Any:
    """The Flask app running this command (``flask sla ...``) when the SLA extension is on it, else None."""
    from flask import current_app, has_app_context
    from flask.cli import ScriptInfo

    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        # ``app.cli`` invoked directly (a test runner, an embedding script) pushes no app context.
        click_context = click.get_current_context(silent=True)
        info = click_context.find_object(ScriptInfo) if click_context is not None else None
        if info is None or info.create_app is None and info.app_import_path is None:
            return None
        app = info.load_app()
    return app if "sla_timers" in app.extensions else None


def _app_database() -> Any:
    """The current Flask app's store target when the SLA extension is on it, else None."""
    app = app_with_extension()
    if app is None:
        return None
    state = app.extensions["sla_timers"]
    settings = state.settings
    if settings.engine is not None:
        return settings.engine
    from pathlib import Path

    from sqlalchemy import make_url

    parsed = make_url(settings.database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return settings.database_url


@db.command(help="upgrade the sla_ tables to a revision (default: head)")
@click.argument("revision", default="head", metavar="REVISION")
@_url
def upgrade(revision: str, url: str | None) -> None:
    """Upgrade to ``revision``."""
    from .store import migrate  # the clock commands need no database driver

    url = _database_url(url)
    migrate.upgrade(url, revision)
    click.echo(f"at {migrate.current(url)}")


@db.command(help="downgrade the sla_ tables to a revision (base drops them)")
@click.argument("revision", metavar="REVISION")
@_url
def downgrade(revision: str, url: str | None) -> None:
    """Downgrade to ``revision``."""
    from .store import migrate

    url = _database_url(url)
    migrate.downgrade(url, revision)
    click.echo(f"at {migrate.current(url) or 'base'}")


@db.command(help="print the revision the database is at")
@_url
def current(url: str | None) -> None:
    """Print the current revision."""
    from .store import migrate

    click.echo(migrate.current(_database_url(url)) or "base (no sla_ tables)")


@db.command(help="exit 1 when the database differs from the models")
@_url
def check(url: str | None) -> None:
    """Compare the database with the models."""
    from .store import migrate

    try:
        migrate.check(_database_url(url))
    except migrate.MigrationError as exc:
        click.echo(f"sla-timers: {exc}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(f"up to date at {migrate.head()}")
