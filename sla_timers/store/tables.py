"""Bulk reads and writes the store's operations share: one statement per table per batch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects import mysql, postgresql, sqlite

from ..timers import TicketEvent
from .models import EscalationRow, EventRow, OutboxRow, TicketRow, TimerRow
from .report_source import ticket_dimensions
from .run import Ticket, Turn, step_actions

#: Most values bound in one IN list (PostgreSQL allows 65,535 parameters a statement).
CHUNK = 5000


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_ignoring_duplicates(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``; a row whose unique key exists already is skipped, by the database.

    ``ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite, ``INSERT IGNORE`` on MySQL.
    """
    if not rows:
        return
    name = connection.dialect.name
    if name == "postgresql":
        statement: Any = postgresql.insert(table).on_conflict_do_nothing()
    elif name == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    elif name in ("mysql", "mariadb"):
        statement = mysql.insert(table).prefix_with("IGNORE")
    else:
        statement = insert(table)
    connection.execute(statement, rows)


def lock_clause(connection: Connection) -> bool:
    """Whether the database has row locks (``SELECT ... FOR UPDATE``); SQLite locks the whole file."""
    return connection.dialect.name != "sqlite"


def load_tickets(
    connection: Connection,
    ids: Sequence[int] | None = None,
    host_ids: Sequence[str] | None = None,
    *,
    lock: bool = False,
    skip_locked: bool = False,
) -> dict[int, Ticket]:
    """Tickets by id (or host id), locked for this transaction when asked."""
    out: dict[int, Ticket] = {}
    values: Sequence[Any] = ids if ids is not None else host_ids or ()
    column = TicketRow.id if ids is not None else TicketRow.host_id
    for part in chunks(sorted(values)):
        query = (
            select(
                TicketRow.id,
                TicketRow.host_id,
                TicketRow.inputs,
                TicketRow.classification,
                TicketRow.trace,
                TicketRow.policy_version,
                TicketRow.created_at,
            )
            .where(column.in_(part))
            .order_by(TicketRow.id)
        )
        if lock and lock_clause(connection):
            query = query.with_for_update(skip_locked=skip_locked, of=TicketRow)
        for row in connection.execute(query):
            out[row.id] = Ticket(
                row.id,
                row.host_id,
                dict(row.inputs or {}),
                row.classification,
                row.trace,
                row.policy_version,
                row.created_at,
            )
    return out


def load_logs(connection: Connection, ticket_ids: Sequence[int]) -> dict[int, dict[str, tuple[str, dict[str, Any]]]]:
    """Every stored event of the tickets: ticket id -> event id -> (digest, payload)."""
    logs: dict[int, dict[str, tuple[str, dict[str, Any]]]] = {t: {} for t in ticket_ids}
    for part in chunks(list(ticket_ids)):
        rows = connection.execute(
            select(EventRow.ticket_id, EventRow.event_id, EventRow.digest, EventRow.payload).where(
                EventRow.ticket_id.in_(part)
            )
        )
        for ticket_id, event_id, digest, payload in rows:
            logs[ticket_id][event_id] = (digest, payload)
    return logs


def load_fired(connection: Connection, tickets: dict[int, Ticket]) -> dict[int, set[str]]:
    """The step keys fired for each ticket, as ``StepKey`` strings."""
    fired: dict[int, set[str]] = {t: set() for t in tickets}
    for part in chunks(list(tickets)):
        rows = connection.execute(
            select(EscalationRow.ticket_id, EscalationRow.metric, EscalationRow.cycle, EscalationRow.step).where(
                EscalationRow.ticket_id.in_(part)
            )
        )
        for ticket_id, metric, cycle, step in rows:
            fired[ticket_id].add(f"{tickets[ticket_id].host_id}/{metric}/{cycle}/{step}")
    return fired


def event_from_payload(payload: dict[str, Any]) -> TicketEvent:
    """The stored event back as a :class:`TicketEvent`."""
    return TicketEvent.from_dict(payload)


def write_turns(connection: Connection, turns: Iterable[Turn], now: datetime, digest: Any) -> tuple[int, int]:
    """Write what the turns decided: tickets, timers (replaced), steps fired, their
    notifications and the events they added. Returns (steps, notifications) written."""
    turns = list(turns)
    if not turns:
        return 0, 0
    connection.execute(
        update(TicketRow)
        .where(TicketRow.id == bindparam("b_id"))
        .values(
            classification=bindparam("b_classification"),
            trace=bindparam("b_trace"),
            matrix_version=bindparam("b_matrix_version"),
            priority=bindparam("b_priority"),
            policy_name=bindparam("b_policy_name"),
            policy_version=bindparam("b_policy_version"),
            calendar=bindparam("b_calendar"),
            created_at=bindparam("b_created_at"),
            problems=bindparam("b_problems"),
            updated_at=bindparam("b_updated_at"),
            business_line=bindparam("b_business_line"),
            assigned_group=bindparam("b_assigned_group"),
            organisation=bindparam("b_organisation"),
            service=bindparam("b_service"),
        ),
        [
            {
                "b_id": t.ticket.id,
                "b_classification": t.ticket.classification,
                "b_trace": t.ticket.trace,
                "b_matrix_version": (t.ticket.classification or {}).get("matrix_version"),
                "b_priority": t.priority,
                "b_policy_name": (t.ticket.classification or {}).get("policy"),
                "b_policy_version": t.ticket.policy_version,
                "b_calendar": (t.ticket.classification or {}).get("calendar"),
                "b_created_at": t.ticket.created_at,
                "b_problems": t.problems or None,
                "b_updated_at": now,
                **{f"b_{name}": value for name, value in ticket_dimensions(t.ticket).items()},
            }
            for t in turns
        ],
    )
    ids = [t.ticket.id for t in turns]
    for part in chunks(ids):
        connection.execute(delete(TimerRow).where(TimerRow.ticket_id.in_(part)))
    timers = [row for t in turns for row in t.timers]
    if timers:
        connection.execute(insert(TimerRow), timers)
    steps: list[dict[str, Any]] = []
    outbox: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for t in turns:
        for step in t.steps:
            actions = step_actions(step)
            key = step.key
            steps.append(
                {
                    "ticket_id": t.ticket.id,
                    "metric": key.metric,
                    "cycle": key.cycle,
                    "step": key.step,
                    "due_at": step.due_at,
                    "notify_at": step.notify_at,
                    "fired_at": now,
                    "actions": actions,
                }
            )
            notify_at = step.notify_at or step.due_at
            outbox.append(
                {
                    "key": str(key),
                    "kind": "escalation",
                    "notify_at": notify_at,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": notify_at,
                    "created_at": now,
                    "payload": {
                        "ticket": t.ticket.host_id,
                        "metric": key.metric,
                        "cycle": key.cycle,
                        "step": key.step,
                        "due_at": step.due_at.isoformat(),
                        "notify_at": notify_at.isoformat(),
                        **actions,
                    },
                }
            )
        for event, source in t.events:
            payload = event.to_dict()
            events.append(
                {
                    "ticket_id": t.ticket.id,
                    "event_id": event.id,
                    "kind": event.kind,
                    "occurred_at": event.at,
                    "payload": payload,
                    "digest": digest(payload),
                    "received_at": now,
                    "source": source,
                }
            )
    insert_ignoring_duplicates(connection, EscalationRow.__table__, steps)  # type: ignore[arg-type]
    insert_ignoring_duplicates(connection, OutboxRow.__table__, outbox)  # type: ignore[arg-type]
    insert_ignoring_duplicates(connection, EventRow.__table__, events)  # type: ignore[arg-type]
    return len(steps), len(outbox)
