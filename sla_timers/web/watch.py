"""``sla.watch(...)``: a host's SQLAlchemy models become ticket events, declared as data.

The host names its ticket model and the attributes that carry status, priority
(or impact and urgency), requester, business line and assignee group, each a
column or a dotted path through many-to-one relationships (``"status.name"``),
and its reply model (which ticket, when, by whom, public or internal, and how
to tell an agent from the requester). The watch listens to the ORM:

- ``before_flush`` reads each changed ticket as the database has it before the
  flush, ``after_flush`` as it has it after (both through a side session on the
  flush's own connection, so a change made through a foreign key column or
  through the relationship reads the same); the difference becomes ``status``,
  ``priority`` and ``assigned`` events, a new ticket ``created``, a new reply
  ``agent_reply`` or ``customer_reply``;
- the events wait in the session until its outermost transaction commits; a
  rollback (or a rolled-back savepoint) drops what was flushed inside it;
- after the commit they go to the store; if the store refuses or cannot be
  reached, they are kept in ``sla_watch_pending`` (or, when that table cannot be
  reached either, in memory) and retried by :meth:`Watcher.retry`.

Nothing here raises into the host's request: an error is logged with its
traceback, and the tickets it concerned are kept to be rebuilt from their rows
at the next retry. Events of one request share one instant (the first the
request produced), so a reply and the status change saved with it apply
together even when the host commits them separately. Event ids derive from the
host's rows, so a retry or a backfill of the same change is a duplicate, never
a second event.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper, Session

from ..store.models import WatchPendingRow
from .watch_declare import (
    ReplyMapping,
    TicketMapping,
    WatchError,
    _instant,
    _plain,
    _put,
    _text,
)

if TYPE_CHECKING:
    from ..store import Store
    from .state import AppState

_log = logging.getLogger("sla_timers.web.watch")

#: Attempts before a kept change is marked ``dead`` (left for an admin to read).
MAX_ATTEMPTS = 10
#: Wait before the first retry; doubled per attempt, up to :data:`MAX_BACKOFF`.
FIRST_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(hours=1)


# --- what the host's rows say ------------------------------------------------------------


@dataclass
class Snapshot:
    """One ticket's mapped values as a read of the database gave them."""

    id: str
    values: dict[str, Any]
    inputs: dict[str, Any]
    created_at: datetime | None
    changed_at: datetime | None


@dataclass
class Change:
    """Events of one ticket, and its classification inputs, waiting for the host's commit."""

    ticket: str
    events: list[dict[str, Any]]
    inputs: dict[str, Any] | None
    #: The innermost session transaction the flush ran in (a rolled-back savepoint drops it).
    transaction: Any = field(default=None, repr=False, compare=False)
    #: Tickets to rebuild from their rows because reading the change failed.
    resync: bool = False


class Watcher:
    """One ``watch(...)`` declaration, listening to the host's sessions. Made by :meth:`SLATimers.watch`."""

    def __init__(
        self,
        states: Callable[[], AppState | None],
        ticket: TicketMapping,
        reply: ReplyMapping | None,
        session: Any,
    ) -> None:
        self.ticket = ticket
        self.reply = reply
        #: What the listeners listen on, and what backfill opens sessions from (None: every Session).
        self.session = session
        self._states = states
        self._key = f"sla_timers.watch.{id(self)}"
        self._memory: list[Change] = []
        self._memory_lock = threading.Lock()
        #: Whether kept changes may be waiting (true at start: an earlier process may have left some).
        self._check_pending = True
        self._target = session if session is not None else Session
        self._listeners: list[tuple[str, Callable[..., Any]]] = [
            ("before_flush", self._before_flush),
            ("after_flush", self._after_flush),
            ("after_commit", self._after_commit),
            ("after_soft_rollback", self._after_soft_rollback),
        ]
        for name, listener in self._listeners:
            event.listen(self._target, name, listener)

    def remove(self) -> None:
        """Stop listening (tests, and a host that replaces its declaration)."""
        for name, listener in self._listeners:
            if event.contains(self._target, name, listener):
                event.remove(self._target, name, listener)

    # -- reading rows -------------------------------------------------------------------

    def snapshot(self, ticket: Any, zone: ZoneInfo) -> Snapshot:
        """The ticket's mapped values, with naive timestamps read in ``zone``."""
        t = self.ticket
        values: dict[str, Any] = {}
        for name in ("status", "priority", "impact", "urgency", "requester", "business_line", "group"):
            path = getattr(t, name)
            if path is not None:
                values[name] = _text(path.read(ticket))
        inputs: dict[str, Any] = {}
        for name in ("priority", "impact", "urgency", "business_line", "group", "status"):
            if name in values:
                inputs[name] = values[name]
        if "requester" in values:
            inputs["requester_id"] = values["requester"]
        for key, path in t.inputs.items():
            _put(inputs, key, _plain(path.read(ticket)))
        ticket_id = _text(t.id.read(ticket))
        if ticket_id is None:
            raise WatchError(f"id: {t.model.__name__}.{t.id.text} is empty after the flush", field="id")
        return Snapshot(
            ticket_id,
            values,
            inputs,
            _instant(t.created_at.read(ticket), zone, "created_at") if t.created_at else None,
            _instant(t.changed_at.read(ticket), zone, "changed_at") if t.changed_at else None,
        )

    def _load(self, side: Session, ticket_id: Any) -> Any:
        column = getattr(self.ticket.model, self.ticket.id.steps[0])
        return side.execute(select(self.ticket.model).where(column == ticket_id)).scalars().first()

    def created_events(self, snap: Snapshot, at: datetime) -> list[dict[str, Any]]:
        """``created`` for a new ticket: its priority and status as they are now."""
        data: dict[str, Any] = {
            "kind": "created",
            "at": at.isoformat(),
            "id": f"{snap.id}/created",
            "priority": snap.values.get("priority") or self.ticket.default_priority,
            "status": snap.values.get("status") or self.ticket.new_status,
        }
        if self.ticket.group is not None:
            data["group"] = snap.values.get("group")
        return [data]

    def change_events(self, old: Snapshot, new: Snapshot, at: datetime) -> list[dict[str, Any]]:
        """``status``, ``priority`` and ``assigned`` events for what changed between two reads."""
        out: list[dict[str, Any]] = []
        stamp = at.isoformat()
        for name, kind, key in (("priority", "priority", "priority"), ("group", "assigned", "group")):
            if name not in new.values or new.values[name] == old.values.get(name):
                continue
            value = new.values[name]
            if value is None and kind == "priority":
                continue
            out.append({"kind": kind, "at": stamp, "id": f"{new.id}/{kind}/{stamp}/{value}", key: value})
        status = new.values.get("status")
        if status is not None and status != old.values.get("status"):
            out.append({"kind": "status", "at": stamp, "id": f"{new.id}/status/{stamp}/{status}", "status": status})
        return out

    def reply_event(self, reply: Any, ticket: Snapshot, at: datetime) -> dict[str, Any]:
        """``agent_reply`` or ``customer_reply`` for a reply row, identified by its primary key."""
        spec = self.reply
        assert spec is not None
        reply_mapper: Mapper[Any] = sa_inspect(spec.model)
        key = "-".join(str(_plain(v)) for v in reply_mapper.primary_key_from_instance(reply))
        author = _text(spec.author.read(reply)) if spec.author is not None else None
        if spec.agent is not None:
            by_agent = bool(spec.agent.read(reply))
        else:
            requester = ticket.values.get("requester")
            by_agent = author is None or requester is None or author != requester
        data: dict[str, Any] = {"at": at.isoformat(), "id": f"{ticket.id}/reply/{key}"}
        if author is not None:
            data["author"] = author
        if by_agent:
            public = spec.public if isinstance(spec.public, bool) else bool(spec.public.read(reply))
            if spec.public_inverted:
                public = not public
            return {"kind": "agent_reply", **data, "public": public}
        return {"kind": "customer_reply", **data}

    # -- listeners ------------------------------------------------------------------------

    def _zone(self) -> ZoneInfo:
        state = self._states()
        return state.settings.host_timezone if state is not None else ZoneInfo("UTC")

    def _side(self, session: Session, model: type) -> Session:
        """A session on the flush's own connection: it reads what the database holds in this
        transaction, not the host's objects, and never commits or closes the host's transaction."""
        connection = session.connection(bind_arguments={"mapper": sa_inspect(model)})
        return Session(bind=connection, join_transaction_mode="rollback_only", autoflush=False, expire_on_commit=False)

    def _ticket_pk(self, obj: Any) -> Any:
        return self.ticket.id.read(obj)

    def _before_flush(self, session: Session, flush_context: Any, instances: Any) -> None:
        try:
            changed = [
                obj
                for obj in session.dirty
                if isinstance(obj, self.ticket.model) and session.is_modified(obj, include_collections=False)
            ]
            if not changed:
                return
            zone = self._zone()
            olds: dict[int, Snapshot | None] = {}
            side = self._side(session, self.ticket.model)
            try:
                for obj in changed:
                    row = self._load(side, self._ticket_pk(obj))
                    olds[id(obj)] = self.snapshot(row, zone) if row is not None else None
            finally:
                side.close()
            session.info.setdefault(self._key + ".old", {}).update(olds)
        except Exception:
            _log.exception("sla watch: reading tickets before a flush failed; they will be rebuilt from their rows")
            self._keep_resync(
                session, lambda: [self._ticket_pk(o) for o in session.dirty if isinstance(o, self.ticket.model)]
            )

    def _after_flush(self, session: Session, flush_context: Any) -> None:
        tickets: list[Any] = []
        replies: list[Any] = []
        try:
            olds: dict[int, Snapshot | None] = session.info.pop(self._key + ".old", {})
            tickets = [o for o in (*session.new, *session.dirty) if isinstance(o, self.ticket.model)]
            replies = [o for o in session.new if self.reply is not None and isinstance(o, self.reply.model)]
            if tickets or replies:
                self._flushed(session, tickets, replies, olds)
        except Exception:
            _log.exception("sla watch: reading a flush failed; its tickets will be rebuilt from their rows")

            def ids() -> list[Any]:
                found = [self._ticket_pk(o) for o in tickets]
                if self.reply is not None:
                    found += [self.reply.ticket.read(o) for o in replies]
                return found

            self._keep_resync(session, ids)

    def _flushed(
        self, session: Session, tickets: list[Any], replies: list[Any], olds: dict[int, Snapshot | None]
    ) -> None:
        zone = self._zone()
        flushed_at = datetime.now(UTC)
        new_ids = {id(o) for o in session.new}
        changes: dict[str, Change] = {}
        side = self._side(session, self.ticket.model)
        try:
            snaps: dict[str, Snapshot] = {}

            def read(ticket_id: Any) -> Snapshot | None:
                key = _text(ticket_id)
                if key is None:
                    return None
                if key not in snaps:
                    row = self._load(side, ticket_id)
                    if row is None:
                        return None
                    snaps[key] = self.snapshot(row, zone)
                return snaps[key]

            for obj in tickets:
                snap = read(self._ticket_pk(obj))
                if snap is None:
                    continue
                if id(obj) in new_ids:
                    at = self._instant(session, snap.created_at or snap.changed_at, flushed_at)
                    events = self.created_events(snap, at)
                else:
                    old = olds.get(id(obj))
                    if old is None:
                        continue
                    # A date column the change did not touch is stale: the change happened now.
                    stamp = snap.changed_at if snap.changed_at != old.changed_at else None
                    at = self._instant(session, stamp, flushed_at)
                    events = self.change_events(old, snap, at)
                    if not events and old.inputs == snap.inputs:
                        continue
                changes.setdefault(snap.id, Change(snap.id, [], snap.inputs)).events.extend(events)
            if self.reply is not None:
                reply_mapper: Mapper[Any] = sa_inspect(self.reply.model)
                for live in replies:
                    # Read as the database has it: a host that set only ``author_id`` has no ``author`` object yet.
                    obj = side.get(self.reply.model, reply_mapper.primary_key_from_instance(live))
                    if obj is None:
                        continue
                    snap = read(self.reply.ticket.read(obj))
                    if snap is None:
                        _log.warning(
                            "sla watch: a reply names ticket %r, which does not exist", self.reply.ticket.read(obj)
                        )
                        continue
                    stamp = _instant(self.reply.at.read(obj), zone, "reply_at") if self.reply.at else None
                    at = self._instant(session, stamp, flushed_at)
                    change = changes.setdefault(snap.id, Change(snap.id, [], snap.inputs))
                    change.events.append(self.reply_event(obj, snap, at))
        finally:
            side.close()
        transaction = session.get_nested_transaction() or session.get_transaction()
        pending = session.info.setdefault(self._key, [])
        for change in changes.values():
            change.transaction = transaction
            pending.append(change)

    def _instant(self, session: Session, candidate: datetime | None, flushed_at: datetime) -> datetime:
        """When a change happened. In a request: the first instant the request produced, so
        what one user action did (maybe over several commits) is one instant. Outside one: the
        row's own date when it has one, else the first flush time of the transaction."""
        try:
            from flask import g, has_request_context

            if has_request_context():
                return g.setdefault(self._key, candidate or flushed_at)  # type: ignore[no-any-return]
        except ImportError:  # pragma: no cover - Flask is a dependency of this package
            pass
        if candidate is not None:
            return candidate
        return session.info.setdefault(self._key + ".at", flushed_at)  # type: ignore[no-any-return]

    def _keep_resync(self, session: Session, ids: Callable[[], Iterable[Any]]) -> None:
        try:
            pending = session.info.setdefault(self._key, [])
            transaction = session.get_nested_transaction() or session.get_transaction()
            for ticket_id in ids():
                key = _text(ticket_id)
                if key is not None:
                    pending.append(Change(key, [], None, transaction, resync=True))
        except Exception:
            _log.exception("sla watch: could not keep the tickets to rebuild")

    def _after_commit(self, session: Session) -> None:
        if session.get_nested_transaction() is not None:
            return  # a savepoint released: its events wait for the outermost commit
        session.info.pop(self._key + ".at", None)
        changes: list[Change] = session.info.pop(self._key, [])
        if not changes:
            return
        try:
            if self.deliver(changes) == len(_merge(changes)) and self._check_pending:
                self._catch_up()
        except Exception:
            _log.exception("sla watch: delivering committed changes failed; kept in memory for a retry")
            self._remember(changes)

    def _catch_up(self) -> None:
        """The store answers again: record kept changes that are due, a few per commit, until none is left.

        Tickets kept to be rebuilt from their rows wait for an explicit :meth:`retry`, which
        reads the host's tables: the host's session is finishing its commit here."""
        state = self._states()
        if state is None:
            return
        store = state.store()
        self.retry(store=store, limit=20, resync=False)
        with store.engine.connect() as connection:
            left = connection.execute(
                select(func.count()).select_from(WatchPendingRow).where(WatchPendingRow.status == "pending")
            ).scalar_one()
        if not left and not self.pending():
            self._check_pending = False

    def _after_soft_rollback(self, session: Session, previous: Any) -> None:
        if previous.parent is None:
            session.info.pop(self._key, None)
            session.info.pop(self._key + ".at", None)
            session.info.pop(self._key + ".old", None)
            return
        if not previous.nested:
            return
        kept = []
        for change in session.info.get(self._key, []):
            t = change.transaction
            while t is not None and t is not previous:
                t = t.parent
            if t is None:
                kept.append(change)
        session.info[self._key] = kept

    # -- delivery -------------------------------------------------------------------------

    def deliver(self, changes: Sequence[Change], *, store: Store | None = None) -> int:
        """Record committed changes in the store, each ticket in its own transaction; what
        fails is kept in ``sla_watch_pending`` (or in memory) for :meth:`retry`. Returns the
        number of tickets recorded."""
        state = self._states()
        if store is None:
            if state is None:
                _log.error("sla watch: no app to deliver to (SLATimers serves several apps; use an app context)")
                self._remember(list(changes))
                return 0
            store = state.store()
        done = 0
        for change in _merge(changes):
            try:
                self._record(store, change)
                done += 1
            except Exception as exc:
                _log.warning("sla watch: ticket %s not recorded yet (%s); kept for a retry", change.ticket, exc)
                self._keep(store, change, exc)
        return done

    def _record(self, store: Store, change: Change) -> None:
        if change.resync:
            from .backfill import ticket_changes

            for rebuilt in ticket_changes(self, [change.ticket], self._zone()):
                self._resync(store, rebuilt)
            return
        inputs = {change.ticket: change.inputs} if change.inputs is not None else None
        store.record({change.ticket: change.events}, inputs=inputs)

    def _resync(self, store: Store, rebuilt: Change) -> None:
        """Record a ticket rebuilt from its rows. Its rows' events the store holds already
        (dated by the watch at the request's instant, so perhaps another instant) are the same
        facts: a conflict on one of those ids means it is there, not that this one is new."""
        known = {event.id for event in store.events(rebuilt.ticket)}
        if not known:
            store.record({rebuilt.ticket: rebuilt.events}, inputs={rebuilt.ticket: rebuilt.inputs or {}})
            return
        fresh = [e for e in rebuilt.events if e["id"] not in known and e["kind"] != "created"]
        store.record({rebuilt.ticket: fresh}, inputs={rebuilt.ticket: rebuilt.inputs or {}})

    def _keep(self, store: Store, change: Change, error: BaseException) -> None:
        self._check_pending = True
        now = datetime.now(UTC)
        payload = {"events": change.events, "inputs": change.inputs, "resync": change.resync}
        ids = "|".join(e["id"] for e in change.events) or f"resync:{now.isoformat()}"
        key = hashlib.sha256(f"{change.ticket}|{ids}".encode()).hexdigest()
        try:
            with store.engine.begin() as connection:
                exists = connection.execute(select(WatchPendingRow.id).where(WatchPendingRow.key == key)).first()
                if exists is None:
                    connection.execute(
                        insert(WatchPendingRow).values(
                            key=key,
                            ticket=change.ticket,
                            payload=payload,
                            status="pending",
                            attempts=1,
                            next_attempt_at=now + FIRST_BACKOFF,
                            last_error=_describe(error),
                            created_at=now,
                        )
                    )
        except Exception:
            _log.exception("sla watch: sla_watch_pending is unreachable too; ticket %s kept in memory", change.ticket)
            self._remember([change])

    def _remember(self, changes: list[Change]) -> None:
        self._check_pending = True
        with self._memory_lock:
            self._memory.extend(changes)

    def retry(
        self, *, store: Store | None = None, now: datetime | None = None, limit: int = 500, resync: bool = True
    ) -> RetryResult:
        """Record changes kept from failed deliveries: those in memory, then pending rows due at ``now``
        (with ``resync=False``, not the tickets kept to be rebuilt from the host's rows).

        The watch also calls it, a few rows at a time, at the first commits after a failure.

        A row that fails again waits twice as long (up to an hour); after
        :data:`MAX_ATTEMPTS` it is marked ``dead`` and left for an admin.
        """
        state = self._states()
        if store is None:
            if state is None:
                return RetryResult()
            store = state.store()
        now = now or datetime.now(UTC)
        with self._memory_lock:
            memory = [c for c in self._memory if resync or not c.resync]
            self._memory = [c for c in self._memory if not (resync or not c.resync)]
        recorded = failed = dead = 0
        for change in _merge(memory):
            try:
                self._record(store, change)
                recorded += 1
            except Exception as exc:
                failed += 1
                self._keep(store, change, exc)
        with store.engine.connect() as connection:
            rows = connection.execute(
                select(WatchPendingRow)
                .where(WatchPendingRow.status == "pending", WatchPendingRow.next_attempt_at <= now)
                .order_by(WatchPendingRow.id)
                .limit(limit)
            ).all()
        if not resync:
            rows = [row for row in rows if not row.payload.get("resync")]
        for row in rows:
            payload = row.payload
            change = Change(
                row.ticket, list(payload["events"]), payload.get("inputs"), resync=payload.get("resync", False)
            )
            try:
                self._record(store, change)
            except Exception as exc:
                failed += 1
                attempts = row.attempts + 1
                values: dict[str, Any] = {"attempts": attempts, "last_error": _describe(exc)}
                if attempts >= MAX_ATTEMPTS:
                    values["status"] = "dead"
                    dead += 1
                    _log.error("sla watch: ticket %s given up after %d attempts: %s", row.ticket, attempts, exc)
                else:
                    values["next_attempt_at"] = now + min(FIRST_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)
                with store.engine.begin() as connection:
                    connection.execute(update(WatchPendingRow).where(WatchPendingRow.id == row.id).values(**values))
                continue
            recorded += 1
            with store.engine.begin() as connection:
                connection.execute(delete(WatchPendingRow).where(WatchPendingRow.id == row.id))
        return RetryResult(recorded, failed, dead)

    def pending(self) -> int:
        """Changes kept in memory (the pending table is counted by :func:`pending_rows`)."""
        with self._memory_lock:
            return len(self._memory)


@dataclass(frozen=True)
class RetryResult:
    """What :meth:`Watcher.retry` did: changes recorded, failed again, given up."""

    recorded: int = 0
    failed: int = 0
    dead: int = 0


def pending_rows(store: Store, *, status: str = "pending") -> list[dict[str, Any]]:
    """Rows of ``sla_watch_pending`` with ``status`` (``pending`` or ``dead``), oldest first."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(WatchPendingRow).where(WatchPendingRow.status == status).order_by(WatchPendingRow.id)
        ).mappings()
        return [dict(row) for row in rows]


def _merge(changes: Iterable[Change]) -> list[Change]:
    """One change per ticket, in order (events concatenated, the latest inputs, resync if any asked)."""
    out: dict[str, Change] = {}
    for change in changes:
        found = out.get(change.ticket)
        if found is None:
            out[change.ticket] = Change(change.ticket, list(change.events), change.inputs, resync=change.resync)
            continue
        found.events.extend(change.events)
        if change.inputs is not None:
            found.inputs = change.inputs
        found.resync = found.resync or change.resync
    return list(out.values())


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
