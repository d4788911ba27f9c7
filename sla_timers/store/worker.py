"""The worker: sweep due timers and deliver due notifications, in a loop, until told to stop.

``sla-timers worker`` runs one; any number may run at once against PostgreSQL
(sweep and delivery claim rows with ``SKIP LOCKED``, and the database refuses
a second record of one escalation step). Each round sweeps a batch at a time
until nothing is due, then delivers a batch at a time until nothing is due,
then sleeps for the interval. A lost database connection is logged and
retried after a capped, jittered backoff; nothing is held meanwhile (row locks
end with the transaction, delivery leases with their time). SIGTERM or SIGINT
lets the batch in hand finish and commit, then the loop returns.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from .delivery import Deliverer, DeliveryResult
from .delivery_errors import DeliveryConfigError

if TYPE_CHECKING:
    from .store import Store

__all__ = ["Round", "Worker"]

log = logging.getLogger("sla_timers.worker")

#: Sweep batches in one round before the round turns to delivery.
MAX_SWEEP_BATCHES = 100


@dataclass(frozen=True)
class Round:
    """What one round of the worker did."""

    #: Tickets swept, escalation steps recorded, notifications written, sweep batches.
    tickets: int = 0
    steps: int = 0
    notifications: int = 0
    batches: int = 0
    delivery: DeliveryResult = field(default_factory=DeliveryResult)

    @property
    def did_work(self) -> bool:
        """Whether anything was swept or sent."""
        return bool(self.tickets or self.steps or self.delivery.claimed)


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached (worth waiting for), not that a query is wrong."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class Worker:
    """Sweeps and delivers for a :class:`~sla_timers.store.store.Store` until :meth:`stop`.

    :param deliverer: sends the outbox; None sweeps only (another process delivers).
    :param interval: the sleep between rounds when nothing was due.
    :param batch_size: timers claimed per sweep transaction.
    :param backoff: the first wait after a database error; it doubles with each
        error in a row up to ``backoff_cap``, jittered to half to all of it.
    :param clock: the present (an aware datetime); tests pass a fixed one.
    :param chores: called with the round's instant after each round's sweep and
        delivery (``flask sla worker`` retries the watch's kept changes this way);
        a database error in one is waited out like the sweep's.
    :raises DeliveryConfigError: for a setting out of range.
    """

    def __init__(
        self,
        store: Store,
        deliverer: Deliverer | None = None,
        *,
        interval: timedelta = timedelta(seconds=5),
        batch_size: int = 500,
        backoff: timedelta = timedelta(seconds=1),
        backoff_cap: timedelta = timedelta(minutes=1),
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
        chores: Sequence[Callable[[datetime], object]] = (),
    ) -> None:
        for name, value in (("interval", interval), ("backoff", backoff), ("backoff_cap", backoff_cap)):
            if not isinstance(value, timedelta) or value <= timedelta(0):
                raise DeliveryConfigError(f"{name}: {value!r} must be a positive timedelta", field=name)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= 100_000:
            raise DeliveryConfigError(
                f"batch_size: {batch_size!r} must be a whole number from 1 to 100000", field="batch_size"
            )
        self.store = store
        self.deliverer = deliverer
        self.interval = interval
        self.batch_size = batch_size
        self.backoff = backoff
        self.backoff_cap = max(backoff, backoff_cap)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = rng or random.Random()
        self.chores = tuple(chores)
        self._stop = threading.Event()
        #: Database errors in a row (reset by a round that completes).
        self.failures = 0

    # -- stopping -----------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to return once the batch in hand is committed."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called (or a stop signal arrived)."""
        return self._stop.is_set()

    def handle_signals(self) -> None:
        """Stop on SIGTERM and SIGINT (call from the main thread)."""

        def _handler(signum: int, frame: FrameType | None) -> None:
            log.info("received %s: finishing the batch in hand, then stopping", signal.Signals(signum).name)
            self.stop()

        signal.signal(signal.SIGTERM, _handler)
        signal.signal(signal.SIGINT, _handler)

    # -- one round ----------------------------------------------------------------------

    def run_once(self, now: datetime | None = None) -> Round:
        """Sweep until nothing is due, then deliver until nothing is due (stopping early when asked).

        Database errors propagate; :meth:`run` waits them out.
        """
        now = now if now is not None else self.clock()
        tickets = steps = notes = batches = 0
        # Bounded, so a round always reaches the delivery even while the sweep has work left.
        while not self.stopping and batches < MAX_SWEEP_BATCHES:
            swept = self.store.sweep(now, batch_size=self.batch_size, max_batches=1)
            tickets, steps, notes, batches = (
                tickets + swept.tickets,
                steps + swept.steps,
                notes + swept.notifications,
                batches + 1,
            )
            if not swept.tickets and not swept.steps:
                # An empty batch, or one whose tickets another sweeper held: look again next round.
                break
        delivered = DeliveryResult()
        if self.deliverer is not None:
            while not self.stopping:
                batch = self.deliverer.deliver(now, max_batches=1)
                delivered += batch
                if batch.claimed < self.deliverer.batch_size:
                    break
        for chore in self.chores:
            if self.stopping:
                break
            chore(now)
        result = Round(tickets, steps, notes, batches, delivered)
        if result.did_work:
            log.info(
                "swept %d tickets: %d steps recorded, %d notifications queued; delivered %d, retrying %d, dead %d",
                tickets,
                steps,
                notes,
                delivered.delivered,
                delivered.retried,
                delivered.dead,
            )
        return result

    # -- the loop -----------------------------------------------------------------------

    def run(self, *, max_rounds: int | None = None, until_idle: bool = False) -> int:
        """Run rounds until stopped (or ``max_rounds`` done); returns the rounds completed.

        After a round that did work the next starts at once; after an idle one
        the worker sleeps ``interval``. A database that cannot be reached is
        logged and retried after the backoff; any other error propagates.

        With ``until_idle`` the loop also returns after a round that did nothing
        when no timer is due any more, not even one another worker holds (a
        worker killed mid-batch holds its rows until the database notices, and
        they must not be left behind): for tests, scripts and cron jobs.
        """
        rounds = 0
        log.info(
            "worker started (interval %ss, batch %d%s)",
            self.interval.total_seconds(),
            self.batch_size,
            "" if self.deliverer else ", sweep only",
        )
        while not self.stopping and (max_rounds is None or rounds < max_rounds):
            try:
                result = self.run_once()
            except Exception as exc:
                if not is_connection_error(exc):
                    raise
                self.failures += 1
                wait = self.backoff_for(self.failures)
                log.warning(
                    "database unavailable (%s); retrying in %.1fs (failure %d in a row)",
                    _first_line(exc),
                    wait.total_seconds(),
                    self.failures,
                )
                self._stop.wait(wait.total_seconds())
                continue
            if self.failures:
                log.info("database reachable again after %d failures", self.failures)
                self.failures = 0
            rounds += 1
            if not result.did_work:
                if until_idle and not self._due_left():
                    break
                self._stop.wait(self.interval.total_seconds())
        log.info("worker stopped after %d rounds", rounds)
        return rounds

    def _due_left(self) -> bool:
        try:
            return self.store.has_due(self.clock())
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            return True  # unknown: the next round waits the database out

    def backoff_for(self, failures: int) -> timedelta:
        """The jittered wait after ``failures`` database errors in a row."""
        ceiling: timedelta = min(self.backoff_cap, self.backoff * (2 ** min(failures - 1, 30)))
        return ceiling * (0.5 + 0.5 * self.rng.random())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
