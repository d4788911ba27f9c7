"""``sla-timers worker``: sweep due timers and deliver notifications until SIGTERM.

::

    sla-timers worker --url postgresql+psycopg://... [--webhook URL ...] [--import myapp.sla_receivers]

The webhook secret comes from ``$SLA_WEBHOOK_SECRET`` (never the command line,
which other users of the machine can read). ``--import`` loads modules that
connect receivers to :mod:`sla_timers.store.signals` in this process. Any
number of workers may run at once against PostgreSQL.

Run as ``flask sla worker`` in a host app that has the extension, it works on the
app's own store (unless ``--url`` names another) and, each round, retries the
changes its ``sla.watch(...)`` declarations kept after a failed delivery.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import click

from .cli import SLACommand, UsageError

__all__ = ["worker"]

log = logging.getLogger("sla_timers.worker")


@click.command("worker", cls=SLACommand, help="sweep due timers and deliver notifications until SIGTERM")
@click.option("--url", default=None, metavar="URL", help="SQLAlchemy database URL (default: $SLA_DATABASE_URL)")
@click.option(
    "--webhook",
    "webhooks",
    multiple=True,
    metavar="URL",
    help="post each notification here, signed with $SLA_WEBHOOK_SECRET (repeatable)",
)
@click.option(
    "--import",
    "imports",
    multiple=True,
    metavar="MODULE",
    help="import a module that connects signal receivers (repeatable)",
)
@click.option("--no-delivery", is_flag=True, help="sweep only; another process delivers")
@click.option(
    "--interval",
    default=5.0,
    type=click.FloatRange(0.01, 3600),
    metavar="SECONDS",
    help="sleep between idle rounds (default 5)",
)
@click.option(
    "--batch-size",
    default=500,
    type=click.IntRange(1, 100_000),
    metavar="N",
    help="timers claimed per sweep transaction (default 500)",
)
@click.option(
    "--max-attempts",
    default=8,
    type=click.IntRange(1, 1000),
    metavar="N",
    help="failed deliveries before a notification is dead (default 8)",
)
@click.option(
    "--timeout",
    default=10.0,
    type=click.FloatRange(0.1, 300),
    metavar="SECONDS",
    help="the most one webhook request may take (default 10)",
)
@click.option("--once", is_flag=True, help="one round, then exit (for cron)")
@click.option(
    "--log-level",
    default="info",
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="logging level (default info)",
)
def worker(
    url: str | None,
    webhooks: tuple[str, ...],
    imports: tuple[str, ...],
    no_delivery: bool,
    interval: float,
    batch_size: int,
    max_attempts: int,
    timeout: float,
    once: bool,
    log_level: str,
) -> None:
    """Run the worker loop."""
    from .db_commands import app_with_extension
    from .store.delivery import Deliverer, Webhook
    from .store.delivery_errors import DeliveryConfigError
    from .store.store import Store
    from .store.worker import Worker

    app = app_with_extension()
    url = url or (None if app is not None else os.environ.get("SLA_DATABASE_URL"))
    if not url and app is None:
        raise UsageError("worker: give --url or set SLA_DATABASE_URL (or run it as flask sla worker in the app)")
    secret = os.environ.get("SLA_WEBHOOK_SECRET", "")
    if webhooks and not secret:
        raise UsageError("worker: --webhook needs the signing secret in $SLA_WEBHOOK_SECRET")
    if no_delivery and (webhooks or imports):
        raise UsageError("worker: --no-delivery delivers nothing; drop --webhook and --import")
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for module in imports:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise UsageError(f"worker: --import {module}: {exc}") from None
    try:
        hooks = [Webhook(hook, secret, timeout=timeout) for hook in webhooks]
        store = Store(url) if url else app.extensions["sla_timers"].store()
        deliverer = None if no_delivery else Deliverer(store.engine, webhooks=hooks, max_attempts=max_attempts)
        chores = [] if app is None else [_watch_retry(app)]
        loop = Worker(store, deliverer, interval=timedelta(seconds=interval), batch_size=batch_size, chores=chores)
    except DeliveryConfigError as exc:
        raise UsageError(f"worker: {exc}") from None
    # The handlers are put back on the way out, for a process that runs the command and carries on (tests, scripts).
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    loop.handle_signals()
    try:
        loop.run(max_rounds=1 if once else None)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        store.engine.dispose()


def _watch_retry(app: Any) -> Callable[[datetime], object]:
    """A round's chore: the app's watches record the changes they kept after a failed delivery."""

    def retry(now: datetime) -> None:
        with app.app_context():
            for watcher in app.extensions["sla_timers"].extension.watchers:
                result = watcher.retry(now=now)
                if result.recorded or result.failed or result.dead:
                    log.info(
                        "watch: %d kept changes recorded, %d failed again, %d given up",
                        result.recorded,
                        result.failed,
                        result.dead,
                    )

    return retry
