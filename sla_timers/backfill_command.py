"""``sla-timers backfill`` / ``flask sla backfill``: timers for the tickets a host already has.

::

    flask --app helpdesk sla backfill
    sla-timers backfill --app helpdesk:create_app

Reads every ticket through the ``sla.watch(...)`` declarations of the host's
app, builds the timers of those the store does not time yet from their rows
(replies, current status), and prints a summary. Idempotent (event ids come from
the host's rows) and resumable: a checkpoint in the app's instance folder
remembers the last ticket done, so a run stopped half-way goes on from there
(``--restart`` starts over). Changes the watch kept after a failed delivery are
retried first.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import click

from .cli import SLACommand, UsageError

__all__ = ["backfill"]


@click.command("backfill", cls=SLACommand)
@click.option(
    "--app",
    "app_path",
    default=None,
    metavar="MODULE:NAME",
    help="the host's Flask app or app factory (not needed under 'flask sla')",
)
@click.option(
    "--batch-size",
    default=200,
    type=click.IntRange(1, 100_000),
    metavar="N",
    help="tickets read per batch (default 200)",
)
@click.option("--restart", is_flag=True, help="ignore the checkpoint of an earlier run and start from the first ticket")
def _backfill(app_path: str | None, batch_size: int, restart: bool) -> None:
    """Build timers for existing tickets from their stored history (idempotent, resumable)."""
    from flask import current_app, has_app_context
    from flask.cli import ScriptInfo

    if app_path is not None:
        app = _load_app(app_path)
    elif has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        # ``flask sla backfill`` (and ``app.cli`` run by a test runner) carry the app in ScriptInfo.
        click_context = click.get_current_context(silent=True)
        info = click_context.find_object(ScriptInfo) if click_context is not None else None
        if info is None or (info.create_app is None and info.app_import_path is None):
            raise UsageError(
                "backfill: give --app MODULE:NAME (the host's app or factory), or run 'flask sla backfill'"
            )
        app = info.load_app()
    with app.app_context():
        _run(app, batch_size, restart)


#: The command (declared with its type, since ``cli`` imports it while it is being defined).
backfill: click.Command = _backfill


def _load_app(path: str) -> Any:
    from flask import Flask

    module_name, _, name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"backfill: --app {path}: {exc}") from None
    found = getattr(module, name or "app", None)
    if found is None and not name:
        found = getattr(module, "create_app", None)
    if found is not None and not isinstance(found, Flask) and callable(found):
        found = found()
    if not isinstance(found, Flask):
        raise UsageError(f"backfill: --app {path}: no Flask app or app factory there")
    return found


def _run(app: Any, batch_size: int, restart: bool) -> None:
    from .web.backfill import backfill as run_backfill
    from .web.backfill import count_tickets
    from .web.state import app_state

    state = app_state()
    watchers = state.extension.watchers
    if not watchers:
        raise UsageError("backfill: the app declares no sla.watch(...); there are no tickets to read")
    store = state.store()
    zone = state.settings.host_timezone
    for watcher in watchers:
        retried = watcher.retry(store=store)
        if retried.recorded or retried.failed:
            click.echo(f"retried kept changes: {retried.recorded} recorded, {retried.failed} failed again")
        name = watcher.ticket.model.__name__
        checkpoint = Path(app.instance_path, f"sla-backfill-{name}.json")
        if restart and checkpoint.exists():
            checkpoint.unlink()
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        total = count_tickets(watcher)
        with click.progressbar(length=total, label=f"{name} tickets", show_pos=True) as bar:
            result = run_backfill(
                watcher, store, zone, checkpoint=checkpoint, batch_size=batch_size, progress=bar.update
            )
        click.echo(result.summary())
        for ticket, message in result.failed[:10]:
            click.echo(f"  ticket {ticket}: {message}")
        if len(result.failed) > 10:
            click.echo(f"  ... and {len(result.failed) - 10} more (see the log)")
