"""Re-dating open timers after a calendar change, in bounded batches.

A calendar version applies from its ``effective_from`` onward, like a policy
switch: time counted before it stays counted, stopped cycles are untouched, and
a running timer's deadline becomes the new calendar's ``add`` of the business
time it had left at the change. That is computed here from the stored deadline
(``old.elapsed(change, due)`` then ``new.add(change, left)``), never by replaying
logs, and written in batches, each its own transaction (on PostgreSQL copied
into a temporary table and applied by one ``UPDATE ... FROM``). A later
evaluation of the ticket (a new event, a sweep) reaches the same instants: the
store adds the switch to the log the engine sees.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select

from ..clock import BusinessCalendar
from .models import TicketRow, TimerRow
from .tables import bulk_update

_MOVED = ("due_at", "next_warning_at", "next_check_at")


def _open_timers(name: str) -> Any:
    return (
        select(TimerRow.id, TimerRow.due_at, TimerRow.next_warning_at, TimerRow.next_check_at)
        .join(TicketRow, TicketRow.id == TimerRow.ticket_id)
        .where(
            TicketRow.calendar == name,
            TimerRow.stopped_at.is_(None),
            TimerRow.paused_since.is_(None),
            TimerRow.clock == "business",
        )
    )


def first_difference(old: BusinessCalendar, new: BusinessCalendar, start: datetime, end: datetime) -> datetime | None:
    """The first instant in ``[start, end)`` where ``old`` and ``new`` disagree on being
    open, or None when they agree all along. Walks both calendars' open stretches
    side by side (a few hundred a year)."""
    ours = old.open_intervals(start, end)
    theirs = new.open_intervals(start, end)
    while True:
        a = next(ours, None)
        b = next(theirs, None)
        if a == b:
            if a is None:
                return None
            continue
        if a is None or b is None:
            return (a or b)[0]  # type: ignore[index]
        return min(a[0], b[0]) if a[0] != b[0] else min(a[1], b[1])


def redate(
    engine: Engine,
    name: str,
    old: BusinessCalendar,
    new: BusinessCalendar,
    change: datetime,
    *,
    batch_size: int = 50_000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Move the deadlines of every running timer on calendar ``name`` for the change
    from ``old`` to ``new`` at ``change``. Returns the number of timers looked at.

    Only instants after the first one where the two calendars differ can move
    (up to it both count the same time), so only timers with such an instant are
    read: a holiday next month leaves this week's deadlines alone, unread.
    ``progress(done, total)`` is called after each batch (one transaction each).
    """
    with engine.connect() as connection:
        timers = _open_timers(name).subquery()
        latest = connection.execute(select(*(func.max(timers.c[f]) for f in _MOVED))).one()
    horizon = max((at for at in latest if at is not None), default=None)
    if horizon is None or horizon <= change:
        if progress is not None:
            progress(0, 0)
        return 0
    differ = first_difference(old, new, change, horizon + timedelta(microseconds=1))
    if differ is None:
        if progress is not None:
            progress(0, 0)
        return 0
    affected = _open_timers(name).where(
        or_(TimerRow.due_at > differ, TimerRow.next_warning_at > differ, TimerRow.next_check_at > differ)
    )
    with engine.connect() as connection:
        total = int(connection.execute(select(func.count()).select_from(affected.subquery())).scalar_one())
    done, last = 0, 0
    cache: dict[datetime, datetime] = {}

    def move(at: datetime | None) -> datetime | None:
        if at is None or at <= differ:
            return at
        moved = cache.get(at)
        if moved is None:  # timers of one import often share deadlines
            moved = cache[at] = new.add(change, old.elapsed(change, at))
        return moved

    while True:
        with engine.begin() as connection:
            rows = connection.execute(affected.where(TimerRow.id > last).order_by(TimerRow.id).limit(batch_size)).all()
            if not rows:
                break
            changes = []
            for id_, due_at, warning_at, check_at in rows:
                moved = (move(due_at), move(warning_at), move(check_at))
                if moved != (due_at, warning_at, check_at):
                    changes.append(dict(zip(("id", *_MOVED), (id_, *moved), strict=True)))
            bulk_update(connection, TimerRow.__table__, changes)  # type: ignore[arg-type]
            last = rows[-1].id
            done += len(rows)
        if len(cache) > 100_000:
            cache.clear()
        if progress is not None:
            progress(done, total)
        if len(rows) < batch_size:
            break
    return done
