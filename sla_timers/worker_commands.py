"""``sla-timers worker``: sweep due timers and deliver notifications until SIGTERM.

::

    sla-timers worker --url postgresql+psycopg://... [--webhook URL ...] [--import myapp.sla_receivers]

The webhook secret comes from ``$SLA_WEBHOOK_SECRET`` (never the command line,
which other users of the machine can read). ``--import`` loads modules that
connect receivers to :mod:`sla_timers.store.signals` in this process. Any
number of workers may run at once against PostgreSQL.
"""

from __future__ import annotations

import importlib
import logging
import os
from datetime import timedelta

import click

from .cli import SLACommand, UsageError

__all__ = ["worker"]


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
    from .store.delivery import Deliverer, Webhook
    from .store.delivery_errors import DeliveryConfigError
    from .store.store import Store
    from .store.worker import Worker

    url = url or os.environ.get("SLA_DATABASE_URL")
    if not url:
        raise UsageError("worker: give --url or set SLA_DATABASE_URL")
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
        store = Store(url)
        deliverer = None if no_delivery else Deliverer(store.engine, webhooks=hooks, max_attempts=max_attempts)
        loop = Worker(store, deliverer, interval=timedelta(seconds=interval), batch_size=batch_size)
    except DeliveryConfigError as exc:
        raise UsageError(f"worker: {exc}") from None
    loop.handle_signals()
    try:
        loop.run(max_rounds=1 if once else None)
    finally:
        store.engine.dispose()
