"""The store's tables, all prefixed ``sla_`` so they sit beside a host's own.

Instants are :class:`~sla_timers.store.types.UTCDateTime` (stored UTC, read back
aware); durations are whole microseconds (``*_us``), exact on every database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import UTCDateTime

#: Constraint names are spelled out so migrations can drop them on every database.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Integer primary keys: BIGINT where it exists, INTEGER on SQLite (only that autoincrements there).
BigId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every ``sla_`` table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime}


class _Versioned:
    """Columns shared by versioned configuration: a name, its versions, each with the instant it applies from."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    #: First instant the version applies (to tickets created from then on, or, for a calendar, to time from then on).
    effective_from: Mapped[datetime]
    #: The definition as data (the TOML's tables as JSON).
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    #: Who stored it, as the host named them.
    created_by: Mapped[str | None] = mapped_column(String(255))


class CalendarRow(_Versioned, Base):
    """A version of a business calendar."""

    __tablename__ = "sla_calendars"
    __table_args__ = (UniqueConstraint("name", "version"),)


class PolicyRow(_Versioned, Base):
    """A version of an SLA policy. ``active`` False stops its escalations."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("name", "version"),)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MatrixRow(_Versioned, Base):
    """A version of the priority matrix (``name`` is ``default`` unless a host keeps several)."""

    __tablename__ = "sla_matrices"
    __table_args__ = (UniqueConstraint("name", "version"),)


class LadderRow(_Versioned, Base):
    """A version of the escalation ladders."""

    __tablename__ = "sla_ladders"
    __table_args__ = (UniqueConstraint("name", "version"),)


class TicketRow(Base):
    """A host ticket as the store knows it: its classification and the policy and calendar in force."""

    __tablename__ = "sla_tickets"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The host's own id, as text.
    host_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: The fields the matrix reads (requester, business line, impact, urgency, subject, ...).
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The matrix's answer: priority, policy, calendar, tags.
    classification: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The rules that decided it, one line each.
    trace: Mapped[list[Any] | None] = mapped_column(JSON)
    matrix_version: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[str | None] = mapped_column(String(64))
    policy_name: Mapped[str | None] = mapped_column(String(255))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    #: Name of the business calendar the ticket runs on (its versions apply by time).
    calendar: Mapped[str | None] = mapped_column(String(255))
    #: The ``created`` event's instant; None while events are held waiting for it.
    created_at: Mapped[datetime | None]
    #: Problems the engine found in the log (an event before ``created``, ...), as text.
    problems: Mapped[list[Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    #: What reports group by, kept in columns so a report reads no JSON: the
    #: business line the matrix read, the assigned group (inputs ``group``), the
    #: requester's organisation (inputs ``organisation`` or ``requester.organisation``).
    business_line: Mapped[str | None] = mapped_column(String(255))
    assigned_group: Mapped[str | None] = mapped_column(String(255))
    organisation: Mapped[str | None] = mapped_column(String(255))
    #: For an outage ticket, the service it reports down (inputs ``service``).
    service: Mapped[str | None] = mapped_column(String(255))


class EventRow(Base):
    """One event of a ticket's log: the host's, or one the store added (a raise, a reclassification)."""

    __tablename__ = "sla_ticket_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "event_id"),
        Index(None, "ticket_id", "occurred_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("sla_tickets.id", ondelete="CASCADE"))
    #: The host's event id (or a digest of the payload for an event sent without one).
    event_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    #: ``TicketEvent.to_dict()``: kind, at (UTC), id and data.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the normalized payload: a retry compares equal, a conflict does not.
    digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    #: ``host``, ``escalation`` (a raise) or ``classification`` (a reclassification).
    source: Mapped[str] = mapped_column(String(16), default="host")


class TimerRow(Base):
    """One cycle of one metric of a ticket, as of its last evaluation, and when to look again."""

    __tablename__ = "sla_timers"
    __table_args__ = (UniqueConstraint("ticket_id", "metric", "cycle"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("sla_tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))
    cycle: Mapped[int] = mapped_column(Integer)
    #: ``running``, ``paused``, ``met`` or ``breached``.
    status: Mapped[str] = mapped_column(String(16))
    #: ``business`` (the ticket's calendar) or ``calendar`` (real time).
    clock: Mapped[str] = mapped_column(String(16), default="business")
    target_us: Mapped[int | None] = mapped_column(BigInteger)
    elapsed_us: Mapped[int] = mapped_column(BigInteger, default=0)
    remaining_us: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    #: Indexed: a report finds a period's stopped cycles by it.
    stopped_at: Mapped[datetime | None] = mapped_column(index=True)
    stop_reason: Mapped[str | None] = mapped_column(String(255))
    #: Business time the cycle stood paused (waiting on the customer), microseconds.
    paused_for_us: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: Business time of the cycle the ticket waited on the customer (paused or not), microseconds.
    customer_wait_us: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    paused_since: Mapped[datetime | None]
    running_since: Mapped[datetime | None]
    next_warning_at: Mapped[datetime | None]
    #: The highest warning crossed, as the policy wrote it, as JSON text (``0.75``, ``"30m"``).
    warning_level: Mapped[str | None] = mapped_column(String(32))
    #: When the sweep must look at this timer next; None when nothing can happen without an event.
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    evaluated_at: Mapped[datetime]


class EscalationRow(Base):
    """An escalation step fired: at most one per (ticket, metric, cycle, step), by the database's word."""

    __tablename__ = "sla_escalations"
    __table_args__ = (UniqueConstraint("ticket_id", "metric", "cycle", "step"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("sla_tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))
    cycle: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(128))
    #: When the step fell due (exact, see the ladder's docs).
    due_at: Mapped[datetime]
    #: When its notifications go out (held to business hours), or None.
    notify_at: Mapped[datetime | None]
    fired_at: Mapped[datetime]
    #: The step's actions as recorded: notify targets, raise, reassign, tags.
    actions: Mapped[dict[str, Any]] = mapped_column(JSON)


class OutboxRow(Base):
    """A notification to deliver, written in the transaction that decided it (at least once, keyed)."""

    __tablename__ = "sla_outbox"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: Idempotency key sent with every delivery attempt; unique.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    #: ``escalation`` (or another kind a later feature adds).
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Not delivered before this instant (held to business hours).
    notify_at: Mapped[datetime]
    #: ``pending``, ``delivered`` or ``dead``.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    #: A delivery worker's claim expires at this instant (compared with the database's clock).
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class AuditRow(Base):
    """A configuration change: who, when, what, and the definition before and after."""

    __tablename__ = "sla_audit_log"
    __table_args__ = (Index(None, "object_type", "object_name"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(255))
    #: ``calendar``, ``policy``, ``matrix`` or ``ladders``.
    object_type: Mapped[str] = mapped_column(String(32))
    object_name: Mapped[str] = mapped_column(String(255))
    #: ``create``, ``version``, ``deactivate``, ``activate``.
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class WatchPendingRow(Base):
    """Ticket events a watched host committed that could not be recorded yet; retried until recorded."""

    __tablename__ = "sla_watch_pending"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The events' ids joined and hashed: the same change is kept once.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    #: The host's ticket id.
    ticket: Mapped[str] = mapped_column(String(255))
    #: ``{"events": [...], "inputs": {...}}`` as the watch built them.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: ``pending``, or ``dead`` once the attempts ran out (kept for an admin to read).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
