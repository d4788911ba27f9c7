"""Re-dating open timers after a calendar change, in bounded batches.

A calendar version applies from its ``effective_from`` onward, like a policy
switch: time counted before it stays counted, stopped cycles are untouched, and
a running timer's deadline becomes the new calendar's ``add`` of the business
time it had left at the change. That is computed here from the stored deadline
(``old.elapsed(change, due)`` then ``new.add(change, left)``), never by replaying
logs, and written by primary key in batches, each its own transaction. A later
evaluation of the ticket (a new event, a sweep) reaches the same instants: the
store adds the switch to the log the engine sees.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, text, update

from ..clock import BusinessCalendar
from .models import TicketRow, TimerRow

_US = timedelta(microseconds=1)
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


def redate(
    engine: Engine,
    name: str,
    old: BusinessCalendar,
    new: BusinessCalendar,
    change: datetime,
    *,
    batch_size: int = 10_000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Move the deadlines of every running timer on calendar ``name`` for the change
    from ``old`` to ``new`` at ``change``. Returns the number of timers looked at.

    ``progress(done, total)`` is called after each batch (one transaction each).
    """
    with engine.connect() as connection:
        total = int(connection.execute(select(func.count()).select_from(_open_timers(name).subquery())).scalar_one())
    done, last = 0, 0

    def move(at: datetime | None) -> datetime | None:
        if at is None or at <= change:
            return at
        return new.add(change, old.elapsed(change, at))

    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                _open_timers(name).where(TimerRow.id > last).order_by(TimerRow.id).limit(batch_size)
            ).all()
            if not rows:
                break
            changes = []
            cache: dict[datetime, datetime | None] = {}
            for row in rows:
                moved = {}
                for field in _MOVED:
                    at = getattr(row, field)
                    if at is not None and at > change:
                        if at not in cache:  # timers of one import often share deadlines
                            cache[at] = move(at)
                        moved[field] = cache[at]
                    else:
                        moved[field] = at
                if any(moved[f] != getattr(row, f) for f in _MOVED):
                    changes.append({"id": row.id, **moved})
            _write(connection, changes)
            last = rows[-1].id
            done += len(rows)
        if progress is not None:
            progress(done, total)
        if len(rows) < batch_size:
            break
    return done


def _write(connection: Connection, changes: list[dict[str, Any]]) -> None:
    """On PostgreSQL one ``UPDATE ... FROM unnest(arrays)`` (one statement, four array
    parameters, compiled once); elsewhere an executemany by primary key."""
    if not changes:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(_UNNEST, {"ids": [c["id"] for c in changes], **{f: [c[f] for c in changes] for f in _MOVED}})
        return
    connection.execute(
        update(TimerRow).where(TimerRow.id == bindparam("b_id")).values({f: bindparam(f"b_{f}") for f in _MOVED}),
        [{"b_id": c["id"], **{f"b_{f}": c[f] for f in _MOVED}} for c in changes],
    )


_UNNEST = text(
    "UPDATE sla_timers SET due_at = moved.due_at, next_warning_at = moved.next_warning_at, "
    "next_check_at = moved.next_check_at "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:due_at AS timestamptz[]), CAST(:next_warning_at AS timestamptz[]), "
    "CAST(:next_check_at AS timestamptz[])) AS moved(id, due_at, next_warning_at, next_check_at) "
    "WHERE sla_timers.id = moved.id"
)
