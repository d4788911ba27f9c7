"""From a ticket's event log to timer states: one pass over the sorted log.
No I/O here (a calendar named by a ``policy`` event and not supplied by the
caller is loaded through the clock, which reads shipped calendar files).

The work is split by concern: :mod:`._clock` keeps running totals on each time
scale, :mod:`._cycle` one cycle's clock state and what it reports,
:mod:`._warnings` the policy's warnings, :mod:`._replay` the pass over the log
and :mod:`._handlers` what each kind of event does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from operator import attrgetter

from ..clock import BusinessCalendar
from ..errors import EventError, NaiveDatetimeError
from ._handlers import HANDLERS
from ._replay import CalendarSource as CalendarSource
from ._replay import Replay
from .events import TicketEvent
from .policy import Policy, PolicySet
from .state import Evaluation, TimerState

UTC = UTC
#: Each event's place in the log, as :meth:`TicketEvent.sort_key` orders them.
_ORDER = attrgetter("_order")


def evaluate(
    policy: Policy | PolicySet,
    events: Iterable[TicketEvent],
    *,
    now: datetime,
    calendar: BusinessCalendar | None = None,
    calendars: CalendarSource | None = None,
) -> dict[str, TimerState]:
    """The latest cycle of each metric that has one, as of ``now``: ``{metric: TimerState}``.

    See :func:`evaluate_ticket` for the arguments; this is its ``states``.
    """
    run, now = _replayed(policy, events, now, calendar, calendars)
    return run.latest(now)


def evaluate_ticket(
    policy: Policy | PolicySet,
    events: Iterable[TicketEvent],
    *,
    now: datetime,
    calendar: BusinessCalendar | None = None,
    calendars: CalendarSource | None = None,
) -> Evaluation:
    """Every cycle of every metric, the ticket's measures and the problems found,
    as of ``now``.

    Events are applied in log order (:meth:`TicketEvent.sort_key`), so any
    permutation of ``events`` gives the same result; events after ``now`` are
    ignored. ``policy`` is the policy, or a :class:`PolicySet` from which the
    version in force at ``created`` is chosen (``created`` may name it with
    ``policy=``) and from which ``policy`` events pick theirs. ``calendar``, when
    given, is the ticket's business calendar and wins over the one the policy
    names (a priority matrix may choose a calendar per ticket); otherwise, and for
    calendars named by ``policy`` events, names are looked up in ``calendars`` (a
    mapping or a function), then in the clock's shipped calendars.

    An event repeated with its id and payload (a retried webhook) counts once; the
    same id on another payload is a problem, and the first in log order applies.

    A still-running timer whose due is ``now`` is breached as of ``now``; a stop
    event at that same instant would still have met it.

    :raises NaiveDatetimeError: if ``now`` has no tzinfo.
    :raises EventError: if an item of ``events`` is not a :class:`TicketEvent`.
    """
    run, now = _replayed(policy, events, now, calendar, calendars)
    return run.finish(now)


def _replayed(
    policy: Policy | PolicySet,
    events: Iterable[TicketEvent],
    now: datetime,
    calendar: BusinessCalendar | None,
    calendars: CalendarSource | None,
) -> tuple[Replay, datetime]:
    """The replay of ``events`` up to ``now``, and ``now`` in UTC (see :func:`evaluate_ticket`)."""
    if not isinstance(now, datetime):
        raise TypeError(f"now must be a datetime, got {type(now).__name__}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise NaiveDatetimeError(f"now must be timezone-aware, got {now!r}", field="now")
    now = now.astimezone(UTC)
    log = list(events)
    try:
        log.sort(key=_ORDER)
    except (AttributeError, TypeError):
        for i, event in enumerate(log):
            if not isinstance(event, TicketEvent):
                raise EventError(
                    f"events[{i}]: {type(event).__name__} is not a TicketEvent; build one, "
                    "or use parse_events() for dicts",
                    field=f"events[{i}]",
                ) from None
        raise
    run = Replay(policy, calendar, calendars)
    log = run.deduplicate(log)
    run.replay(log, now, HANDLERS)
    return run, now
