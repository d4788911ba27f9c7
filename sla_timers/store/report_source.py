"""Reports fed by the store: the timer cycles of a date range, streamed from
``sla_timers`` joined with ``sla_tickets`` in bounded memory, as the flat
records :mod:`sla_timers.reports` reads.

Rows come through a server-side cursor where the driver has one (psycopg,
PyMySQL's ``SSCursor``; SQLAlchemy's ``yield_per`` execution option), a batch
at a time, so a month of a million cycles never sits in memory at once: the
reports keep running tallies per group and read each record once.

A cycle is in the range the way the reports date it: by its stop (an open
cycle by its start) for ``date_by="end"``, by its start for ``"start"``; the
query filters by the same rule, so the reports see only the range's cycles.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, literal_column, or_, select

from ..errors import ReportError
from ..reports import OutageRecord
from ..reports import TimerRow as ReportRow
from ..reports._rows import check_range
from ..reports.compliance import check_date_by
from ..validation import aware_utc
from .engine import READ_ONLY
from .models import EventRow, TicketRow, TimerRow

__all__ = ["DEFAULT_BATCH", "count_timers", "stream_outages", "stream_timers", "ticket_dimensions"]

#: Rows fetched from the server per round trip (and the most held in memory at once).
DEFAULT_BATCH = 10_000
#: The width of the ticket columns reports group by; longer values are cut.
_WIDTH = 255
_US = timedelta(microseconds=1)


def ticket_dimensions(ticket: Any) -> dict[str, str | None]:
    """What reports group a ticket's cycles by, from its classification and inputs.

    ``business_line``: the one the matrix read (else inputs ``business_line``);
    ``assigned_group``: inputs ``group``; ``organisation``: inputs
    ``organisation`` or ``requester.organisation``; ``service``: inputs
    ``service`` (an outage ticket's service). A value that is not text or a
    number is left out (None); text is cut to 255 characters.
    """
    inputs: Mapping[str, Any] = ticket.inputs or {}
    classification: Mapping[str, Any] = ticket.classification or {}
    organisation = inputs.get("organisation")
    requester = inputs.get("requester")
    if organisation is None and isinstance(requester, Mapping):
        organisation = requester.get("organisation")
    line = classification.get("business_line")
    return {
        "business_line": _text(line if line is not None else inputs.get("business_line")),
        "assigned_group": _text(inputs.get("group")),
        "organisation": _text(organisation),
        "service": _text(inputs.get("service")),
    }


def _text(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)[:_WIDTH]


def _range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start_utc, end_utc = check_range(aware_utc(start, "start"), aware_utc(end, "end"))
    assert start_utc is not None and end_utc is not None
    return start_utc, end_utc


def _where(
    query: Any,
    start: datetime,
    end: datetime,
    date_by: str,
    metrics: Collection[str] | None,
    organisations: Collection[str] | None,
) -> Any:
    t = TimerRow
    if check_date_by(date_by) == "end":
        query = query.where(
            or_(
                and_(t.stopped_at >= start, t.stopped_at < end),
                and_(t.stopped_at.is_(None), t.started_at >= start, t.started_at < end),
            )
        )
    else:
        query = query.where(t.started_at >= start, t.started_at < end)
    if metrics is not None:
        names = _names(metrics, "metrics")
        query = query.where(t.metric.in_(names))
    if organisations is not None:
        query = query.where(TicketRow.organisation.in_(_names(organisations, "organisations")))
    return query


def _names(values: Collection[str], field: str) -> list[str]:
    if isinstance(values, str):
        raise ReportError(f"{field}: expected a list of names, got the string {values!r}", field=field)
    names = list(values)
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name:
            raise ReportError(f"{field}[{i}]: expected a non-empty name, got {name!r}", field=f"{field}[{i}]")
    return names


def count_timers(
    bind: Engine | Connection,
    *,
    start: datetime,
    end: datetime,
    date_by: str = "end",
    metrics: Collection[str] | None = None,
    organisations: Collection[str] | None = None,
) -> int:
    """How many cycles :func:`stream_timers` would yield (for a progress bar)."""
    start_utc, end_utc = _range(start, end)
    query = select(func.count()).select_from(TimerRow).join(TicketRow, TicketRow.id == TimerRow.ticket_id)
    query = _where(query, start_utc, end_utc, date_by, metrics, organisations)
    with _connected(bind) as connection:
        return int(connection.execute(query).scalar_one())


def stream_timers(
    bind: Engine | Connection,
    *,
    start: datetime,
    end: datetime,
    date_by: str = "end",
    metrics: Collection[str] | None = None,
    organisations: Collection[str] | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ReportRow]:
    """Every stored cycle dated in ``[start, end)`` (see the module's docs), as
    :class:`~sla_timers.reports.TimerRow` records with the ticket's host id,
    priority, business line, policy, assigned group and organisation.

    Durations are business time (``paused_for``: time the cycle stood paused;
    ``customer_wait``: its time waiting on the customer). ``metrics`` and
    ``organisations`` narrow the query. ``progress(n)`` is called after each
    batch of ``n`` rows. Rows are read ``batch_size`` at a time through one
    connection, held until the iterator is exhausted or closed.

    :raises ReportError: for a range in the wrong order, a bad ``date_by`` or
        ``batch_size``.
    :raises NaiveDatetimeError: for a naive ``start`` or ``end``.
    """
    start_utc, end_utc = _range(start, end)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ReportError(f"batch_size: expected a positive integer, got {batch_size!r}", field="batch_size")
    query = _where(_select(as_intervals=False), start_utc, end_utc, date_by, metrics, organisations)
    fast = _where(_select(as_intervals=True), start_utc, end_utc, date_by, metrics, organisations)
    return _rows(bind, query, fast, batch_size, progress)


#: Microseconds to an SQL interval, so PostgreSQL sends durations psycopg reads as timedelta in C.
_MICROSECOND: Any = literal_column("interval '1 microsecond'")


def _select(*, as_intervals: bool) -> Any:
    t, k = TimerRow, TicketRow

    def duration(column: Any) -> Any:
        return column * _MICROSECOND if as_intervals else column

    return select(
        k.host_id,
        t.metric,
        t.status,
        duration(t.target_us),
        t.started_at,
        t.stopped_at,
        duration(t.elapsed_us),
        duration(t.paused_for_us),
        duration(t.customer_wait_us),
        k.priority,
        k.business_line,
        k.policy_name,
        k.assigned_group,
        k.organisation,
    ).join(k, k.id == t.ticket_id)


def _rows(
    bind: Engine | Connection, query: Any, fast: Any, batch_size: int, progress: Callable[[int], None] | None
) -> Iterator[ReportRow]:
    with _connected(bind) as connection:
        if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
            # Rows arrive in the record's shape: durations as timedelta, instants aware in UTC.
            make = ReportRow._make
            for part in _psycopg_batches(connection, fast, batch_size):
                yield from map(make, part)
                if progress is not None:
                    progress(len(part))
            return
        us = _US
        for part in _batches(connection, query, batch_size):
            for host_id, metric, status, target, started, stopped, elapsed, paused, wait, *dims in part:
                yield ReportRow(
                    host_id,
                    metric,
                    status,
                    None if target is None else target * us,
                    started,
                    stopped,
                    elapsed * us,
                    paused * us,
                    wait * us,
                    *dims,
                )
            if progress is not None:
                progress(len(part))


def _batches(connection: Connection, query: Any, batch_size: int) -> Iterator[Sequence[Any]]:
    """Rows through SQLAlchemy with ``yield_per``: a server-side cursor where the driver has one."""
    result = connection.execution_options(yield_per=batch_size).execute(query)
    try:
        yield from result.partitions()
    finally:
        result.close()


def _psycopg_batches(connection: Connection, query: Any, batch_size: int) -> Iterator[Sequence[Any]]:
    """Rows through a named (server-side) psycopg cursor in binary format, in a
    transaction whose time zone is UTC, so instants arrive aware in UTC and
    durations as intervals, each made into a Python object by psycopg's C
    loaders: 2.1 s of CPU a million cycles where SQLAlchemy's rows and our
    conversions took 12.4 s, which decides whether a monthly report of a
    million cycles fits in seconds."""
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = {
        name: value.astimezone(UTC) if isinstance(value, datetime) else value for name, value in compiled.params.items()
    }
    connection.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")  # reverts when the transaction ends
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor(name=f"sla_report_{id(query):x}", binary=True)
    try:
        cursor.itersize = batch_size
        cursor.execute(str(compiled), params)
        while True:
            part = cursor.fetchmany(batch_size)
            if not part:
                return
            yield part
    finally:
        cursor.close()


def stream_outages(
    bind: Engine | Connection,
    *,
    start: datetime,
    end: datetime,
    services: Collection[str] | None = None,
    pause_statuses: Collection[str] = ("pending", "waiting_on_customer"),
    stop_statuses: Collection[str] = ("solved", "closed"),
) -> Iterator[OutageRecord]:
    """Outage tickets (a ticket whose inputs name a ``service``) that overlap
    ``[start, end)``, as :class:`~sla_timers.reports.OutageRecord` s.

    An outage runs from the ticket's creation to its first stop status (None
    while it has none); the stretches its log spent in a pause status are the
    customer's (``customer_held``), never counted against the provider. Memory
    follows one outage ticket's log at a time.
    """
    start_utc, end_utc = _range(start, end)
    pauses, stops = set(pause_statuses), set(stop_statuses)
    query = (
        select(TicketRow.id, TicketRow.host_id, TicketRow.service, TicketRow.created_at)
        .where(TicketRow.service.is_not(None), TicketRow.created_at.is_not(None), TicketRow.created_at < end_utc)
        .order_by(TicketRow.id)
    )
    if services is not None:
        query = query.where(TicketRow.service.in_(_names(services, "services")))
    with _connected(bind) as connection:
        tickets = connection.execute(query).all()
        for ticket_id, host_id, service, created_at in tickets:
            log = connection.execute(
                select(EventRow.occurred_at, EventRow.kind, EventRow.payload)
                .where(EventRow.ticket_id == ticket_id, EventRow.kind.in_(("created", "status")))
                .order_by(EventRow.occurred_at, EventRow.id)
            ).all()
            assert service is not None and created_at is not None  # by the query
            end_at, held = _outage_span(log, created_at, end_utc, pauses, stops)
            if end_at is not None and end_at <= start_utc:
                continue
            yield OutageRecord(service, created_at, end_at, tuple(held), host_id)


def _outage_span(
    log: Sequence[Any], created_at: datetime, until: datetime, pauses: set[str], stops: set[str]
) -> tuple[datetime | None, list[tuple[datetime, datetime]]]:
    held: list[tuple[datetime, datetime]] = []
    paused_at: datetime | None = None
    for at, _kind, payload in log:
        if at < created_at:
            continue
        status = payload.get("status") if isinstance(payload, Mapping) else None
        if status is None:
            continue
        if status in stops:
            if paused_at is not None:
                held.append((paused_at, at))
            return at, held
        if status in pauses:
            paused_at = paused_at or at
        elif paused_at is not None:
            held.append((paused_at, at))
            paused_at = None
    if paused_at is not None:
        held.append((paused_at, max(paused_at, until)))
    return None, held


class _connected:
    """A connection: the one given, or a new one from the engine, closed after."""

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        self.connection: Connection | None = None

    def __enter__(self) -> Connection:
        if isinstance(self.bind, Connection):
            return self.bind
        # Reports only read: on SQLite a snapshot, so a long report never holds up the writers.
        self.connection = self.bind.connect().execution_options(**{READ_ONLY: True})
        return self.connection

    def __exit__(self, *exc: object) -> None:
        if self.connection is not None:
            self.connection.close()
