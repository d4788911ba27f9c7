"""The :class:`Store`: a host's tickets, their timers and escalations, in its database."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from ..errors import CalendarNotFound, EventError, NaiveDatetimeError
from ..timers import Policy, TicketEvent, parse_events
from ..validation import aware_utc
from . import migrate
from .config import Config, load_config, stamp_of
from .engine import make_engine
from .errors import ConfigChangeError, EventConflict, EventInFutureError
from .models import EventRow, TicketRow, TimerRow
from .run import Ticket, TicketRun, Turn, classify
from .tables import (
    bulk_insert,
    event_from_payload,
    load_fired,
    load_logs,
    load_tickets,
    write_turns,
)

#: How far past the store's clock an event may be dated (hosts' clocks drift a little).
DEFAULT_SKEW = timedelta(minutes=5)


def digest(payload: Mapping[str, Any]) -> str:
    """SHA-256 of an event's normalized payload (UTC instants, sorted keys)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class RecordResult:
    """What :meth:`Store.record` did."""

    #: Events written, as (ticket, event id).
    recorded: tuple[tuple[str, str], ...]
    #: Events already stored with the same payload: nothing done, as (ticket, event id).
    duplicates: tuple[tuple[str, str], ...]
    #: Tickets whose ``created`` has not arrived: their events are held.
    held: tuple[str, ...]
    #: Escalation steps fired while applying the events.
    steps: int = 0


@dataclass(frozen=True)
class SweepResult:
    """What :meth:`Store.sweep` did."""

    tickets: int = 0
    steps: int = 0
    notifications: int = 0
    batches: int = 0
    #: Step keys fired, in order (``ticket/metric/cycle/step``).
    keys: tuple[str, ...] = field(default=(), repr=False)


class Store:
    """A host's SLA data in its database: ``Store("sqlite:///sla.db")`` or ``Store(engine)``.

    Tables are created by the migrations (:meth:`upgrade`, or ``sla-timers db
    upgrade``). Every method runs in one transaction of its own; instants are
    aware and returned in UTC. ``clock`` (a function returning an aware
    datetime) replaces the system clock, for tests and replays.
    """

    def __init__(self, url_or_engine: str | Engine, *, clock: Any = None, skew: timedelta = DEFAULT_SKEW) -> None:
        self.engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
        self._clock = clock or (lambda: datetime.now(UTC))
        self.skew = skew
        self._config: Config | None = None
        self._lock = threading.Lock()

    # -- plumbing -----------------------------------------------------------------

    def upgrade(self) -> None:
        """Create or upgrade the store's tables to the latest migration."""
        migrate.upgrade(self.engine)

    def now(self, now: datetime | None = None) -> datetime:
        """``now`` in UTC, or the store's clock."""
        return aware_utc(now, "now") if now is not None else self._clock().astimezone(UTC)

    def config(self, connection: Connection) -> Config:
        """The configuration, reloaded when a change was stored since it was read."""
        stamp = stamp_of(connection)
        with self._lock:
            current = self._config
        if current is None or current.stamp != stamp:
            current = load_config(connection, stamp)
            with self._lock:
                self._config = current
        return current

    # -- ingestion ----------------------------------------------------------------

    def record(
        self,
        events: Mapping[str, Iterable[TicketEvent | Mapping[str, Any]]] | Iterable[Mapping[str, Any]],
        *,
        inputs: Mapping[str, Mapping[str, Any]] | None = None,
        now: datetime | None = None,
    ) -> RecordResult:
        """Record events of one or many tickets in one transaction.

        ``events`` is ``{ticket: [event, ...]}`` (events as :class:`TicketEvent`
        or dicts) or a list of dicts each with a ``ticket`` key. ``inputs`` gives
        tickets' classification fields (``{ticket: {"requester": ..., ...}}``):
        read by the matrix at ``created``; a later change reclassifies the ticket,
        and a changed priority or policy enters its log as an event.

        An event whose id is stored already with the same payload is a duplicate
        (reported, nothing done); an event without an id is identified by its
        payload. Events of a ticket whose ``created`` has not arrived are held.
        Before the new events apply, each ticket is swept at their instants.

        :raises EventError: for a malformed event, ``field`` naming it
            (``events[3].kind`` or ``T-1/events[3].kind``); nothing is written.
        :raises EventConflict: for an id stored (or given twice) with another
            payload; nothing of the batch is written.
        :raises EventInFutureError: for an event dated after now plus the skew.
        """
        now = self.now(now)
        batch = self._normalize(events, now)
        wanted: dict[str, dict[str, Any]] = {str(k): dict(v) for k, v in (inputs or {}).items()}
        host_ids = sorted({host for host, *_ in batch} | set(wanted))
        for attempt in range(3):
            try:
                with self.engine.begin() as connection:
                    return self._record(connection, batch, wanted, host_ids, now)
            except IntegrityError:
                # Another writer created one of these tickets at the same moment: read it and go again.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _normalize(self, events: Any, now: datetime) -> list[tuple[str, TicketEvent, str, str, dict[str, Any], str]]:
        items: list[tuple[str, Any, str]] = []
        if isinstance(events, Mapping):
            for host, evs in events.items():
                for i, e in enumerate(evs):
                    items.append((str(host), e, f"{host}/events[{i}]"))
        else:
            for i, e in enumerate(events):
                if not isinstance(e, Mapping) or "ticket" not in e:
                    raise EventError(
                        f"events[{i}]: needs a 'ticket' key naming the host's ticket", field=f"events[{i}].ticket"
                    )
                fields = dict(e)
                items.append((str(fields.pop("ticket")), fields, f"events[{i}]"))
        out = []
        seen: dict[tuple[str, str], tuple[str, str]] = {}
        limit = now + self.skew
        for host, item, where in items:
            try:
                event = parse_events([item])[0]
            except (EventError, NaiveDatetimeError) as exc:
                path = where + (exc.field[len("events[0]") :] if exc.field else "")
                raise type(exc)(f"{path}: {exc.message.split(': ', 1)[-1]}", field=path) from None
            if event.at > limit:
                raise EventInFutureError(
                    f"{where}.at: {event.at.isoformat()} is later than now ({now.isoformat()}) plus {self.skew}",
                    field=f"{where}.at",
                )
            payload = event.to_dict()
            d = digest(payload)
            event_id = event.id or f"sha256:{d}"
            previous = seen.get((host, event_id))
            if previous is not None and previous[0] != d:
                raise EventConflict(
                    f"{where}: event {event_id!r} of ticket {host!r} is also {previous[1]} with another payload",
                    field=where,
                )
            seen[(host, event_id)] = (d, where)
            out.append((host, event, event_id, d, payload, where))
        return out

    def _record(
        self,
        connection: Connection,
        batch: list[tuple[str, TicketEvent, str, str, dict[str, Any], str]],
        inputs: dict[str, dict[str, Any]],
        host_ids: list[str],
        now: datetime,
    ) -> RecordResult:
        config = self.config(connection)
        tickets = self._tickets(connection, host_ids, inputs, now)
        by_host = {t.host_id: t for t in tickets.values()}
        logs = load_logs(connection, list(tickets))
        new_rows: list[dict[str, Any]] = []
        recorded, duplicates = [], []
        fresh: dict[int, list[TicketEvent]] = {}
        for host, event, event_id, d, payload, where in batch:
            ticket = by_host[host]
            stored = logs[ticket.id].get(event_id)
            if stored is not None:
                if stored[0] == d:
                    duplicates.append((host, event_id))
                    continue
                raise EventConflict(
                    f"{where}: event {event_id!r} of ticket {host!r} was stored with another payload "
                    f"({json.dumps(stored[1], sort_keys=True)}); this one is {json.dumps(payload, sort_keys=True)}",
                    field=where,
                )
            logs[ticket.id][event_id] = (d, payload)
            fresh.setdefault(ticket.id, []).append(event)
            recorded.append((host, event_id))
            new_rows.append(
                {
                    "ticket_id": ticket.id,
                    "event_id": event_id,
                    "kind": event.kind,
                    "occurred_at": event.at,
                    "payload": payload,
                    "digest": d,
                    "received_at": now,
                    "source": "host",
                }
            )
        if new_rows:
            bulk_insert(connection, EventRow.__table__, new_rows)  # type: ignore[arg-type]
        fired = load_fired(connection, tickets)
        turns: list[Turn] = []
        held: list[str] = []
        changed = {by_host[h].id for h, v in inputs.items() if v != by_host[h].inputs}
        for ticket_id in sorted(set(fresh) | changed):
            ticket = tickets[ticket_id]
            log = [event_from_payload(p) for _, p in logs[ticket_id].values()]
            created = min((e for e in log if e.kind == "created"), key=TicketEvent.sort_key, default=None)
            if created is None:
                held.append(ticket.host_id)
                continue
            added: list[TicketEvent] = []
            if ticket.classification is None:
                classify(config, ticket, created)
            elif ticket_id in changed:
                added = self._reclassify(config, ticket, inputs[ticket.host_id], now)
            at = max(now, max(e.at for e in log))
            instants = [e.at for e in fresh.get(ticket_id, ())]
            turn = TicketRun(config, ticket, log + added, fired[ticket_id]).run(instants, at)
            turn.events[:0] = [(event, "classification") for event in added]
            turns.append(turn)
        steps, _ = write_turns(connection, turns, now, digest)
        return RecordResult(tuple(recorded), tuple(duplicates), tuple(held), steps)

    def _tickets(
        self, connection: Connection, host_ids: list[str], inputs: dict[str, dict[str, Any]], now: datetime
    ) -> dict[int, Ticket]:
        tickets = load_tickets(connection, host_ids=host_ids, lock=True)
        known = {t.host_id for t in tickets.values()}
        missing = [h for h in host_ids if h not in known]
        if missing:
            connection.execute(
                insert(TicketRow), [{"host_id": h, "inputs": inputs.get(h, {}), "updated_at": now} for h in missing]
            )
            tickets = load_tickets(connection, host_ids=host_ids, lock=True)
        for ticket in tickets.values():
            if ticket.classification is None and ticket.host_id in inputs:
                ticket.inputs = inputs[ticket.host_id]
        return tickets

    def _reclassify(self, config: Config, ticket: Ticket, inputs: dict[str, Any], now: datetime) -> list[TicketEvent]:
        """New inputs: classify again at ``now``; a changed priority or policy becomes an event."""
        old = ticket.classification
        assert old is not None
        ticket.inputs = inputs
        found = config.matrix_at(now)
        added: list[TicketEvent] = []
        if found is None:
            return added
        result = found[1].classify(inputs, now=now)
        stamp = now.strftime("%Y%m%dT%H%M%S.%fZ")
        if result.policy != old.get("current_policy", old["policy"]):
            added.append(TicketEvent("policy", now, id=f"classification/{stamp}/policy", policy=result.policy))
        if result.priority != old.get("current_priority", old["priority"]):
            added.append(TicketEvent("priority", now, id=f"classification/{stamp}/priority", priority=result.priority))
        ticket.trace = result.explain().splitlines()
        ticket.classification = {
            **old,
            "tags": list(result.tags),
            "matrix_version": found[0],
            "current_priority": result.priority,
            "current_policy": result.policy,
        }
        return added

    # -- the sweep ----------------------------------------------------------------

    def sweep(
        self, now: datetime | None = None, *, batch_size: int = 500, max_batches: int | None = None
    ) -> SweepResult:
        """Fire every escalation step due at ``now`` and schedule each timer's next look.

        Claims timers with ``next_check_at <= now`` in batches of ``batch_size``
        (``FOR UPDATE SKIP LOCKED`` on PostgreSQL and MariaDB/MySQL, so any number of
        sweepers share the work), one transaction per batch: steps are recorded under
        their unique key, a raise enters the log as a ``priority`` event, each
        step's notification is written to the outbox, and ``next_check_at`` moves on.
        """
        from .sweep import sweep_batch

        now = self.now(now)
        total = SweepResult()
        keys: list[str] = []
        while max_batches is None or total.batches < max_batches:
            with self.engine.begin() as connection:
                claimed, turns, steps, notes = sweep_batch(self, connection, now, batch_size)
            keys += [str(s.key) for t in turns for s in t.steps]
            total = SweepResult(
                total.tickets + len(turns),
                total.steps + steps,
                total.notifications + notes,
                total.batches + 1,
                tuple(keys),
            )
            if claimed < batch_size:
                break
        return total

    def has_due(self, now: datetime | None = None) -> bool:
        """Whether any timer is due for a sweep at ``now``, including timers another
        sweeper holds right now (one probe of the ``next_check_at`` index)."""
        from .sweep import due_exists

        now = self.now(now)
        with self.engine.connect() as connection:
            return due_exists(connection, now)

    # -- configuration --------------------------------------------------------------

    def put_policy(
        self, definition: Mapping[str, Any] | str, *, actor: str | None = None, now: datetime | None = None
    ) -> Policy:
        """Store a policy version (TOML text or a dict; its ``version`` and
        ``effective_from`` say which tickets get it: those created from then on).

        :raises PolicyError: for an invalid policy, naming the field.
        :raises ConfigChangeError: when that version is stored with another definition.
        """
        from .admin import put_policy

        return put_policy(self, definition, actor=actor, now=self.now(now))

    def deactivate_policy(self, name: str, *, actor: str | None = None, now: datetime | None = None) -> int:
        """Stop every escalation of policy ``name`` at once (its timers keep counting).
        Returns the number of timers whose sweeps were unscheduled.

        :raises UnknownPolicyError: when no version of ``name`` is stored.
        """
        from .admin import set_policy_active

        return set_policy_active(self, name, False, actor=actor, now=self.now(now))

    def activate_policy(self, name: str, *, actor: str | None = None, now: datetime | None = None) -> None:
        """Let policy ``name`` escalate again; its open timers are looked at by the next sweep."""
        from .admin import set_policy_active

        set_policy_active(self, name, True, actor=actor, now=self.now(now))

    def put_matrix(
        self,
        definition: Mapping[str, Any] | str,
        *,
        effective_from: datetime | None = None,
        name: str = "default",
        actor: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """Store a new priority matrix version for tickets created from ``effective_from``
        (default: now); older tickets keep their classification. Returns the version.

        :raises RulesError: for an invalid matrix, naming the field.
        """
        from .admin import put_matrix

        now = self.now(now)
        start = aware_utc(effective_from, "effective_from") if effective_from is not None else now
        return put_matrix(self, definition, effective_from=start, name=name, actor=actor, now=now)

    def put_ladders(
        self,
        definition: Mapping[str, Any] | str,
        *,
        effective_from: datetime | None = None,
        name: str = "default",
        actor: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """Store a new escalation ladders version, used by sweeps from ``effective_from``
        (default: now). Returns the version.

        :raises RulesError: for invalid ladders, naming the field.
        """
        from .admin import put_ladders

        now = self.now(now)
        start = aware_utc(effective_from, "effective_from") if effective_from is not None else now
        return put_ladders(self, definition, effective_from=start, name=name, actor=actor, now=now)

    def put_calendar(
        self,
        definition: Mapping[str, Any] | str,
        *,
        effective_from: datetime | None = None,
        actor: str | None = None,
        now: datetime | None = None,
        batch_size: int = 50_000,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Store a new version of a calendar (its ``name`` is in the definition), in force
        from ``effective_from`` (default: now) onward, and re-date the running timers
        on it in batches of ``batch_size``, calling ``progress(done, total)`` after each.
        Time counted before the change stays counted; stopped cycles are untouched.
        Returns the version.

        :raises CalendarError: for an invalid calendar, naming the field.
        :raises ConfigChangeError: for an ``effective_from`` before now (time already
            counted is never recounted).
        """
        from .admin import put_calendar_row, validate_calendar
        from .redate import redate

        now = self.now(now)
        start = aware_utc(effective_from, "effective_from") if effective_from is not None else now
        if start < now:
            raise ConfigChangeError(
                f"effective_from: {start.isoformat()} is before now ({now.isoformat()}); a calendar "
                "change applies from now on, since time already counted is never recounted",
                field="effective_from",
            )
        data, cal = validate_calendar(definition)
        with self.engine.begin() as connection:
            config = self.config(connection)
            try:
                old = config.calendar_versions(cal.name).at(start)[1]
            except CalendarNotFound:
                old = None
            version = put_calendar_row(connection, data, cal, effective_from=start, actor=actor, now=now)
        if old is not None:
            redate(self.engine, cal.name, old, cal, start, batch_size=batch_size, progress=progress)
        return version

    # -- reading ------------------------------------------------------------------

    def timers(self, ticket: str) -> list[dict[str, Any]]:
        """The ticket's timer rows (every cycle of every metric), as dicts, by metric then cycle."""
        with self.engine.connect() as connection:
            rows = (
                connection.execute(
                    select(TimerRow)
                    .join(TicketRow, TicketRow.id == TimerRow.ticket_id)
                    .where(TicketRow.host_id == ticket)
                    .order_by(TimerRow.metric, TimerRow.cycle)
                )
                .mappings()
                .all()
            )
        return [dict(row) for row in rows]

    def events(self, ticket: str) -> list[TicketEvent]:
        """The ticket's stored log (the host's events and the store's), in log order."""
        with self.engine.connect() as connection:
            rows = (
                connection.execute(
                    select(EventRow.payload)
                    .join(TicketRow, TicketRow.id == EventRow.ticket_id)
                    .where(TicketRow.host_id == ticket)
                )
                .scalars()
                .all()
            )
        return sorted((event_from_payload(p) for p in rows), key=TicketEvent.sort_key)
