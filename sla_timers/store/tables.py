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


def bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) in bulk: on PostgreSQL by ``COPY``,
    elsewhere by an executemany.

    ``COPY`` sends the rows as one stream, with none of the per-statement round trips and
    parsing of an executemany; values go through the columns' own bind processing
    (instants to UTC, JSON serialized), and columns the rows leave out take their
    defaults. A unique key met twice fails the whole statement, as an INSERT would.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    dialect = connection.dialect
    fill: dict[str, Any] = {}
    for column in table.columns:
        if column.name in rows[0] or column.default is None:
            continue
        if not column.default.is_scalar:  # a callable default: let SQLAlchemy call it
            connection.execute(insert(table), rows)
            return
        fill[column.name] = column.default.arg  # type: ignore[attr-defined]
    _copy(connection, table, dialect.identifier_preparer.format_table(table), rows, fill)


def _copy(connection: Connection, table: Table, target: str, rows: list[dict[str, Any]], fill: dict[str, Any]) -> None:
    """``COPY target`` from ``rows``, typed as ``table``'s columns of the same names."""
    dialect = connection.dialect
    given = list(rows[0])
    names = given + list(fill)
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    extra = list(fill.values())
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(f"COPY {target} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                values = [row[name] for name in given] + extra
                copy.write_row([v if p is None or v is None else p(v) for v, p in zip(values, processors, strict=True)])
    finally:
        cursor.close()


_temp_tables = 0
#: From this many rows on, PostgreSQL batches go through ``COPY`` and a temporary table
#: (below it, creating the table costs more than the round trips it saves).
BULK_ROWS = 100


def _temp_table(connection: Connection, table: Table, columns: list[str]) -> str:
    """A new temporary table (dropped at commit) with ``table``'s ``columns``; its quoted name."""
    global _temp_tables
    _temp_tables += 1
    prepare = connection.dialect.identifier_preparer
    temp = prepare.quote(f"sla_tmp_{table.name}_{_temp_tables}")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT "
        + ", ".join(prepare.quote(c) for c in columns)
        + f" FROM {prepare.format_table(table)} WITH NO DATA"
    )
    return temp


def bulk_update(connection: Connection, table: Table, rows: list[dict[str, Any]], key: str = "id") -> None:
    """Set the columns each row of ``rows`` names (the same keys in every row) on the
    row of ``table`` whose ``key`` matches.

    On PostgreSQL the rows are copied into a temporary table dropped at commit and
    applied by one ``UPDATE ... FROM``; elsewhere an executemany by key.
    """
    if not rows:
        return
    names = [name for name in rows[0] if name != key]
    if connection.dialect.name != "postgresql" or len(rows) < BULK_ROWS:
        connection.execute(
            update(table)
            .where(table.c[key] == bindparam(f"b_{key}"))
            .values({name: bindparam(f"b_{name}") for name in names}),
            [{f"b_{name}": value for name, value in row.items()} for row in rows],
        )
        return
    prepare = connection.dialect.identifier_preparer
    columns = [key, *names]
    temp = _temp_table(connection, table, columns)
    _copy(connection, table, temp, [{c: row[c] for c in columns} for row in rows], {})
    # Without statistics the planner takes the new table for a small one and may scan the
    # whole of ``table`` for each batch; with them it joins by the key's index.
    connection.exec_driver_sql(f"ANALYZE {temp}")
    assignments = ", ".join(f"{prepare.quote(n)} = src.{prepare.quote(n)}" for n in names)
    connection.exec_driver_sql(
        f"UPDATE {prepare.format_table(table)} AS dst SET {assignments} FROM {temp} AS src "
        f"WHERE dst.{prepare.quote(key)} = src.{prepare.quote(key)}"
    )


def insert_ignoring_duplicates(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``; a row whose unique key exists already is skipped, by the database.

    ``ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite, ``INSERT IGNORE`` on MySQL. On
    PostgreSQL a large batch is copied into a temporary table first and inserted from
    it by one statement.
    """
    if not rows:
        return
    name = connection.dialect.name
    if name == "postgresql" and len(rows) >= BULK_ROWS:
        temp = _temp_table(connection, table, list(rows[0]))
        _copy(connection, table, temp, rows, {})
        quoted = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in rows[0])
        connection.exec_driver_sql(
            f"INSERT INTO {connection.dialect.identifier_preparer.format_table(table)} ({quoted}) "
            f"SELECT {quoted} FROM {temp} ON CONFLICT DO NOTHING"
        )
        return
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
    bulk_update(
        connection,
        TicketRow.__table__,  # type: ignore[arg-type]
        [
            {
                "id": t.ticket.id,
                "classification": t.ticket.classification,
                "trace": t.ticket.trace,
                "matrix_version": (t.ticket.classification or {}).get("matrix_version"),
                "priority": t.priority,
                "policy_name": (t.ticket.classification or {}).get("policy"),
                "policy_version": t.ticket.policy_version,
                "calendar": (t.ticket.classification or {}).get("calendar"),
                "created_at": t.ticket.created_at,
                "problems": t.problems or None,
                "updated_at": now,
                **ticket_dimensions(t.ticket),
            }
            for t in turns
        ],
    )
    ids = [t.ticket.id for t in turns]
    for part in chunks(ids):
        connection.execute(delete(TimerRow).where(TimerRow.ticket_id.in_(part)))
    timers = [row for t in turns for row in t.timers]
    bulk_insert(connection, TimerRow.__table__, timers)  # type: ignore[arg-type]
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
