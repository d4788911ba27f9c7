"""One batch of the escalation sweep, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from ._testing import checkpoint
from .models import TimerRow
from .run import TicketRun, Turn
from .tables import event_from_payload, load_fired, load_logs, load_tickets, lock_clause, write_turns

if TYPE_CHECKING:
    from .store import Store


def sweep_batch(
    store: Store, connection: Connection, now: datetime, batch_size: int
) -> tuple[int, list[Turn], int, int]:
    """Claim up to ``batch_size`` due timers, run their tickets at ``now``, write the results.

    Returns (timers claimed, turns, steps written, notifications written). The
    claim finds due timers through the ``next_check_at`` index, so an idle sweep
    costs one index probe however many timers are open. Timer rows and then
    their tickets are locked with ``SKIP LOCKED``: a ticket another sweeper or an
    ingestion holds is left to it.
    """
    query = (
        select(TimerRow.ticket_id)
        .where(TimerRow.next_check_at <= now)
        .order_by(TimerRow.next_check_at)
        .limit(batch_size)
    )
    if lock_clause(connection):
        query = query.with_for_update(skip_locked=True)
    claimed = connection.execute(query).scalars().all()
    if not claimed:
        return 0, [], 0, 0
    tickets = load_tickets(connection, ids=sorted(set(claimed)), lock=True, skip_locked=True)
    if not tickets:
        return len(claimed), [], 0, 0
    config = store.config(connection)
    logs = load_logs(connection, list(tickets))
    fired = load_fired(connection, tickets)
    turns = []
    for ticket_id, ticket in tickets.items():
        if ticket.classification is None:
            continue
        log = [event_from_payload(p) for _, p in logs[ticket_id].values()]
        turns.append(TicketRun(config, ticket, log, fired[ticket_id]).run((), now))
    from .store import digest

    steps, notes = write_turns(connection, turns, now, digest)
    # Fault tests stop here: the batch is written but not committed, its rows still locked.
    checkpoint("sweep.before_commit")
    return len(claimed), turns, steps, notes


def due_exists(connection: Connection, now: datetime) -> bool:
    """Whether any timer is due at ``now``, locked by another sweeper or not (an index probe)."""
    query = select(TimerRow.id).where(TimerRow.next_check_at <= now).limit(1)
    return connection.execute(query).first() is not None
