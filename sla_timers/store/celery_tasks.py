"""Celery tasks: the escalation sweep and the outbox delivery on a host's Celery app, with a beat schedule.

For a host that already runs Celery, instead of ``sla-timers worker``::

    from celery import Celery
    from sla_timers.store.celery_tasks import register_tasks

    app = Celery("helpdesk", broker="redis://127.0.0.1:6379/0")
    register_tasks(app, database_url="postgresql+psycopg://app@db/helpdesk")

    # celery -A helpdesk worker      (any number of them)
    # celery -A helpdesk beat        (exactly one: it queues the periodic runs)

``sla_timers.sweep`` records every escalation step due and queues its
notifications; ``sla_timers.deliver`` sends the outbox (blinker signals in the
worker's process, and webhooks when given). Both are safe to run on any number
of workers at once (rows are claimed with ``SKIP LOCKED`` and each step is
unique in the database) and to run late or twice: a run queued while another
works finds the rest. Each periodic run expires after one period, so a backlog
of stale runs never builds up while the workers are down. A task's optional
``now`` argument (an ISO 8601 instant with its offset) arrives from the broker
and is checked like any network data; a bad one fails that task, naming the
argument, and nothing else.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..errors import SLAError
from .delivery import Deliverer, Webhook
from .delivery_errors import DeliveryConfigError
from .store import Store

__all__ = ["SLATasks", "TaskArgumentError", "register_tasks"]

#: The tasks' names on the host's app.
SWEEP_TASK = "sla_timers.sweep"
DELIVER_TASK = "sla_timers.deliver"
#: Longest ISO 8601 text accepted for ``now`` (a timestamp with microseconds and offset is 32).
MAX_NOW_CHARS = 64


class TaskArgumentError(SLAError, ValueError):
    """A task was sent an argument it cannot use (it comes from the broker: checked like network data)."""

    code = "invalid_task_argument"


@dataclass(frozen=True)
class SLATasks:
    """The tasks :func:`register_tasks` put on the app (Celery ``Task`` objects)."""

    sweep: Any
    deliver: Any


def parse_now(value: object) -> datetime | None:
    """The ``now`` a task was sent: None for the present, else an aware ISO 8601 instant.

    :raises TaskArgumentError: naming ``now``, for anything else.
    """
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_NOW_CHARS:
        raise TaskArgumentError(
            f"now: expected an ISO 8601 instant with its offset, got {type(value).__name__} "
            f"{str(value)[:MAX_NOW_CHARS]!r}",
            field="now",
        )
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise TaskArgumentError(f"now: {value!r} is not an ISO 8601 instant", field="now") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise TaskArgumentError(f"now: {value!r} has no offset; write e.g. '2026-11-30T14:00:00+00:00'", field="now")
    return at


class _PerProcess:
    """The store and deliverer, made once at registration. Celery forks its worker
    processes and a database connection must never cross a fork: the first use in
    a new process drops the pool's inherited connections without closing them
    (``Engine.dispose(close=False)``, as SQLAlchemy advises), so it opens its own."""

    def __init__(self, store: Store, deliverer: Deliverer) -> None:
        self.store = store
        self.deliverer = deliverer
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def get(self) -> tuple[Store, Deliverer]:
        with self._lock:
            if self._pid != os.getpid():
                self.store.engine.dispose(close=False)
                self._pid = os.getpid()
        return self.store, self.deliverer


def register_tasks(
    app: Any,
    *,
    database_url: str,
    webhooks: Iterable[Webhook] = (),
    signals: bool = True,
    max_attempts: int = 8,
    sweep_every: timedelta = timedelta(seconds=30),
    deliver_every: timedelta = timedelta(seconds=10),
    batch_size: int = 500,
    max_batches: int = 100,
    schedule: bool = True,
) -> SLATasks:
    """Register ``sla_timers.sweep`` and ``sla_timers.deliver`` on the Celery ``app``
    and, with ``schedule``, add them to its beat schedule every ``sweep_every`` and
    ``deliver_every`` (entries ``sla-timers-sweep`` and ``sla-timers-deliver``;
    the host's own entries are kept).

    A sweep run claims up to ``max_batches`` batches of ``batch_size`` timers; a
    delivery run sends until nothing is due (or ``max_batches`` batches). Each
    returns what it did as a dict of counts.

    :raises DeliveryConfigError: for a setting out of range, naming it.
    """
    if not isinstance(database_url, str) or not database_url:
        raise DeliveryConfigError("database_url: give the store's SQLAlchemy URL", field="database_url")
    for name, value in (("sweep_every", sweep_every), ("deliver_every", deliver_every)):
        if not isinstance(value, timedelta) or value <= timedelta(0):
            raise DeliveryConfigError(f"{name}: {value!r} must be a positive timedelta", field=name)
    for name, number, most in (("batch_size", batch_size, 100_000), ("max_batches", max_batches, 10_000)):
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= most:
            raise DeliveryConfigError(f"{name}: {number!r} must be a whole number from 1 to {most}", field=name)
    # Made here, so a bad URL, webhook or attempt count fails at registration, not in a worker
    # (an engine opens no connection until it is used).
    store = Store(database_url)
    deliverer = Deliverer(store.engine, webhooks=webhooks, signals=signals, max_attempts=max_attempts)
    state = _PerProcess(store, deliverer)

    @app.task(name=SWEEP_TASK)  # type: ignore[untyped-decorator]
    def sweep(now: str | None = None) -> dict[str, int]:
        """Record every escalation step due (at ``now``, default the present)."""
        at = parse_now(now)
        store, _ = state.get()
        result = store.sweep(at, batch_size=batch_size, max_batches=max_batches)
        return {
            "tickets": result.tickets,
            "steps": result.steps,
            "notifications": result.notifications,
            "batches": result.batches,
        }

    @app.task(name=DELIVER_TASK)  # type: ignore[untyped-decorator]
    def deliver(now: str | None = None) -> dict[str, int]:
        """Send the notifications due (at ``now``, default the present)."""
        at = parse_now(now)
        _, deliverer = state.get()
        result = deliverer.deliver(at, max_batches=max_batches)
        return {
            "claimed": result.claimed,
            "delivered": result.delivered,
            "retried": result.retried,
            "dead": result.dead,
            "released": result.released,
        }

    if schedule:
        entries = dict(app.conf.beat_schedule or {})
        entries["sla-timers-sweep"] = {
            "task": SWEEP_TASK,
            "schedule": sweep_every,
            "options": {"expires": sweep_every.total_seconds()},
        }
        entries["sla-timers-deliver"] = {
            "task": DELIVER_TASK,
            "schedule": deliver_every,
            "options": {"expires": deliver_every.total_seconds()},
        }
        app.conf.beat_schedule = entries
    return SLATasks(sweep, deliver)
