"""Open tickets on the matrix now in force: the admin's "apply to open tickets" choice.

A matrix version applies to tickets created after it takes effect. An admin who
wants open tickets to follow a new rule at once asks for it; each open ticket is
then classified again at that instant exactly as the store does when a ticket's
fields change: a changed priority or policy enters the ticket's log as an event
(time already counted stays counted) and its timers are evaluated again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select

from ...store.models import TicketRow, TimerRow
from ...store.run import TicketRun, Turn
from ...store.store import Store, digest
from ...store.tables import event_from_payload, load_fired, load_logs, load_tickets, write_turns


def open_ticket_ids(store: Store, limit: int | None = None) -> list[str]:
    """Host ids of classified tickets with a running or paused timer, by id."""
    running = exists().where(TimerRow.ticket_id == TicketRow.id, TimerRow.stopped_at.is_(None))
    query = select(TicketRow.host_id).where(TicketRow.classification.is_not(None), running).order_by(TicketRow.id)
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def reclassify_open(store: Store, now: datetime) -> list[str]:
    """Classify every open ticket again at ``now``; returns the host ids whose priority
    or policy changed (their change is in their log as of ``now``)."""
    host_ids = open_ticket_ids(store)
    if not host_ids:
        return []
    with store.engine.begin() as connection:
        config = store.config(connection)
        tickets = load_tickets(connection, host_ids=host_ids, lock=True)
        logs = load_logs(connection, list(tickets))
        fired = load_fired(connection, tickets)
        turns: list[Turn] = []
        for ticket_id, ticket in sorted(tickets.items()):
            if ticket.classification is None:
                continue
            added = store._reclassify(config, ticket, dict(ticket.inputs), now)
            if not added:
                continue
            log = [event_from_payload(p) for _, p in logs[ticket_id].values()]
            at = max([now, *(e.at for e in log)])
            turn = TicketRun(config, ticket, log + added, fired[ticket_id]).run([], at)
            turn.events[:0] = [(event, "classification") for event in added]
            turns.append(turn)
        write_turns(connection, turns, now, digest)
    return [turn.ticket.host_id for turn in turns]
