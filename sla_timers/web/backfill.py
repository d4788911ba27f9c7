"""Backfill: timers for the tickets a host had before it watched them, built from their rows.

A ticket's history as the host keeps it is its creation time, its replies and
its current status; :func:`ticket_changes` turns that into events through the
watch mapping (``created`` at the creation time with the current priority, each
reply at its time, the current status at the ticket's change time). Event ids
derive from the rows exactly as the watch derives them, so running a backfill
twice records nothing new. Tickets the store already times (the watch saw them
created) are left alone.

:func:`backfill` walks tickets in id order and writes a checkpoint (the last
ticket done) after each batch, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..store.models import TicketRow
from .watch import Change, Watcher
from .watch_declare import WatchError, _instant, _text

if TYPE_CHECKING:
    from ..store import Store

_log = logging.getLogger("sla_timers.web.backfill")


def open_session(watcher: Watcher) -> Session:
    """A new session of the host's, from ``watch(session=...)``.

    :raises WatchError: when the watch was declared without one.
    """
    factory = watcher.session
    if factory is None or not callable(factory):
        raise WatchError(
            "session: backfill reads the host's tickets through its sessions; pass watch(session=...) "
            "(a sessionmaker, a scoped_session, or Flask-SQLAlchemy's db.session)",
            field="session",
        )
    made = factory()
    if not isinstance(made, Session):
        raise WatchError(f"session: calling it gave {type(made).__name__}, not a Session", field="session")
    return made


def ticket_changes(
    watcher: Watcher, ids: Sequence[Any], zone: ZoneInfo, *, session: Session | None = None
) -> Iterator[Change]:
    """One :class:`Change` per ticket id (a ticket that no longer exists is skipped): its events from its rows."""
    own = session is None
    session = session or open_session(watcher)
    try:
        model = watcher.ticket.model
        column = getattr(model, watcher.ticket.id.steps[0])
        for ticket_id in ids:
            row = session.execute(select(model).where(column == _typed(column, ticket_id))).scalars().first()
            if row is None:
                continue
            yield history(watcher, session, row, zone)
    finally:
        if own:
            session.close()


def _typed(column: Any, value: Any) -> Any:
    """A ticket id kept as text, as the column's Python type (an integer id compares as an integer)."""
    try:
        python_type = column.type.python_type
    except (NotImplementedError, AttributeError):
        return value
    if python_type is int and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def history(watcher: Watcher, session: Session, ticket: Any, zone: ZoneInfo) -> Change:
    """A ticket's events as its rows tell them (see the module's docstring)."""
    snap = watcher.snapshot(ticket, zone)
    now = datetime.now(UTC)
    replies: list[tuple[datetime, Any]] = []
    spec = watcher.reply
    if spec is not None:
        link = getattr(spec.model, spec.ticket.steps[0]) if len(spec.ticket.steps) == 1 else None
        query: Any
        if link is not None:
            query = select(spec.model).where(link == watcher.ticket.id.read(ticket))
        else:
            query = select(spec.model)
        for reply in session.execute(query).scalars():
            if link is None and _text(spec.ticket.read(reply)) != snap.id:
                continue
            at = _instant(spec.at.read(reply), zone, "reply_at") if spec.at is not None else None
            replies.append((at or snap.changed_at or snap.created_at or now, reply))
    replies.sort(key=lambda pair: pair[0])
    created_at = snap.created_at or (replies[0][0] if replies else None) or snap.changed_at or now
    events = watcher.created_events(snap, created_at)
    events[0]["status"] = watcher.ticket.new_status
    for at, reply in replies:
        events.append(watcher.reply_event(reply, snap, max(at, created_at)))
    status = snap.values.get("status")
    if status is not None and status != watcher.ticket.new_status:
        last = max([created_at, *(at for at, _ in replies)])
        at = max(snap.changed_at or last, created_at)
        stamp = at.isoformat()
        events.append({"kind": "status", "at": stamp, "id": f"{snap.id}/status/{stamp}/{status}", "status": status})
    return Change(snap.id, events, snap.inputs)


@dataclass
class BackfillResult:
    """What :func:`backfill` did."""

    #: Tickets whose timers it built.
    timed: int = 0
    #: Tickets the store already timed (left alone).
    known: int = 0
    #: Tickets it could not record, with the reason, as (ticket, message).
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: Tickets skipped because the checkpoint said an earlier run did them.
    resumed_after: Any = None

    def summary(self) -> str:
        """One line for the command's output."""
        parts = [f"{self.timed} timed", f"{self.known} already timed", f"{len(self.failed)} failed"]
        start = f" (resumed after ticket {self.resumed_after})" if self.resumed_after is not None else ""
        return f"backfill{start}: " + ", ".join(parts)


def backfill(
    watcher: Watcher,
    store: Store,
    zone: ZoneInfo,
    *,
    checkpoint: Path | None = None,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
    limit: int | None = None,
) -> BackfillResult:
    """Build timers for every ticket the store does not time yet, in id order.

    ``checkpoint`` (a JSON file) holds the last ticket done; a run starts after
    it and rewrites it after each batch; it is removed when the run completes.
    ``progress(n)`` is called with the number of tickets handled after each batch.
    """
    result = BackfillResult()
    model = watcher.ticket.model
    column = getattr(model, watcher.ticket.id.steps[0])
    last: Any = None
    if checkpoint is not None and checkpoint.exists():
        last = json.loads(checkpoint.read_text(encoding="utf-8")).get("last")
        result.resumed_after = last
    session = open_session(watcher)
    done = 0
    try:
        while limit is None or done < limit:
            query = select(column).order_by(column).limit(batch_size)
            if last is not None:
                query = query.where(column > last)
            ids = list(session.execute(query).scalars())
            if not ids:
                break
            known = _known(store, [str(_text(i)) for i in ids])
            for ticket_id in ids:
                text = str(_text(ticket_id))
                if text in known:
                    result.known += 1
                    continue
                try:
                    for change in ticket_changes(watcher, [ticket_id], zone, session=session):
                        store.record({change.ticket: change.events}, inputs={change.ticket: change.inputs or {}})
                        result.timed += 1
                except Exception as exc:  # one bad ticket must not stop the others; each is reported
                    _log.warning("backfill: ticket %s: %s", text, exc)
                    result.failed.append((text, f"{type(exc).__name__}: {exc}"))
            session.rollback()  # nothing to write in the host's database; end the read transaction
            last = _json_id(ids[-1])
            done += len(ids)
            if checkpoint is not None:
                checkpoint.write_text(json.dumps({"last": last}), encoding="utf-8")
            if progress is not None:
                progress(len(ids))
        else:
            return result
        if checkpoint is not None and checkpoint.exists():
            checkpoint.unlink()
    finally:
        session.close()
    return result


def count_tickets(watcher: Watcher) -> int:
    """How many tickets the host has (for the progress bar)."""
    session = open_session(watcher)
    try:
        return int(session.execute(select(func.count()).select_from(watcher.ticket.model)).scalar_one())
    finally:
        session.close()


def _json_id(value: Any) -> Any:
    return value if isinstance(value, (int, str)) else _text(value)


def _known(store: Store, ids: list[str]) -> set[str]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(TicketRow.host_id).where(TicketRow.host_id.in_(ids), TicketRow.classification.is_not(None))
        )
        return {row[0] for row in rows}
