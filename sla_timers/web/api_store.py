"""The plugin's store, opened on first use, and the store-backed timer source.

The extension keeps one :class:`StoreAccess` per app. The first request (or
command) that needs the store opens it on ``SLA_ENGINE`` or ``SLA_DATABASE_URL``,
upgrades its ``sla_`` tables to the latest migration when ``SLA_AUTO_UPGRADE`` is
on, and stores the configuration the host gave as ``SLA_`` keys (see
:func:`seed_config`), so events posted or watched are classified and timed by
the same policies the dry runs use.

Badges and ticket reads come from the store's materialized timers (the rows the
store writes at each event and each sweep): two or three indexed queries for a
page of tickets, never a replay of their logs.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, ItemsView, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, Text, bindparam, case, cast, exists, make_url, select
from sqlalchemy.orm import aliased

from ..errors import SLAError
from ..store import Store
from ..store.config import EPOCH, Config
from ..store.engine import READ_ONLY, make_engine
from ..store.models import EscalationRow, EventRow, TicketRow, TimerRow
from ..store.run import TicketRun
from ..store.tables import chunks, event_from_payload, load_fired, load_logs, load_tickets
from ..timers import Policy, TimerState
from .badge_data import TicketTimers, TimerView
from .settings import Settings

_log = logging.getLogger("sla_timers.web")
#: How long badge reads reuse the configuration before asking whether it changed.
CONFIG_CHECK_SECONDS = 1.0
_US = timedelta(microseconds=1)


class StoreAccess:
    """One app's :class:`~sla_timers.store.Store`, opened (and set up) on first use; thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._config: tuple[float, Config] | None = None

    @property
    def opened(self) -> bool:
        """Whether the store was opened already (tests and the CLI look before touching a database)."""
        return self._store is not None

    def config(self, connection: Connection) -> Config:
        """The store's configuration, its freshness checked at most every
        :data:`CONFIG_CHECK_SECONDS` (a badge read needs only calendars and policy
        names, and a check is a round trip to the database on every request)."""
        now = time.monotonic()
        cached = self._config
        if cached is not None and now - cached[0] < CONFIG_CHECK_SECONDS:
            return cached[1]
        config = self.get().config(connection)
        self._config = (now, config)
        return config

    def get(self) -> Store:
        """The store, opened now if this is its first use.

        :raises sqlalchemy.exc.DBAPIError: when the database cannot be reached; the next call tries again.
        """
        store = self._store
        if store is not None:
            return store
        with self._lock:
            if self._store is None:
                self._store = open_store(self._settings)
            return self._store


def open_store(settings: Settings) -> Store:
    """A :class:`Store` on the app's database, upgraded (``SLA_AUTO_UPGRADE``) and seeded."""
    target: str | Engine = settings.engine if settings.engine is not None else settings.database_url
    if isinstance(target, str):
        url = make_url(target)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            # The default lives in the instance folder, which Flask does not create.
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    if isinstance(target, str):
        target = make_engine(target, **settings.engine_options)
    store = Store(target)
    if settings.auto_upgrade:
        store.upgrade()
    seed_config(store, settings)
    return store


def seed_config(store: Store, settings: Settings) -> list[str]:
    """Store the ``SLA_POLICIES``, ``SLA_CALENDARS`` and ``SLA_PRIORITY_MATRIX`` given as
    files or dicts, where the store does not have them yet. Returns what was stored.

    A policy version already stored is left as it is (a version never changes; a
    file edited without a new version is logged). A calendar whose name is stored,
    or a matrix when one is stored, is left alone too: from then on the admin pages
    and API own them. Objects given as Python objects (``Policy``, ``BusinessCalendar``,
    ``PriorityMatrix``) have no definition to store; the host stores those itself.
    """
    done: list[str] = []
    for definition in _policy_definitions(settings.policies):
        try:
            before = _stamp(store)
            policy = store.put_policy(definition, actor="SLA_POLICIES")
        except SLAError as exc:
            _log.warning("SLA_POLICIES: a policy was not stored: %s", exc)
            continue
        if _stamp(store) != before:
            done.append(f"policy {policy.name} v{policy.version}")
    with store.engine.connect() as connection:
        config = store.config(connection)
    for name, item in settings.calendars.items():
        calendar = _definition(item)
        if calendar is None or name in config.calendars:
            continue
        try:
            store.put_calendar(calendar, actor="SLA_CALENDARS")
        except SLAError as exc:
            _log.warning("SLA_CALENDARS[%r]: not stored: %s", name, exc)
            continue
        done.append(f"calendar {name}")
    matrix = _definition(settings.priority_matrix)
    if matrix is not None and not config.matrices:
        try:
            # In force since always, so tickets a backfill brings from before today are classified too.
            store.put_matrix(matrix, effective_from=EPOCH, actor="SLA_PRIORITY_MATRIX")
        except SLAError as exc:
            _log.warning("SLA_PRIORITY_MATRIX: not stored: %s", exc)
        else:
            done.append("priority matrix")
    return done


def _stamp(store: Store) -> int:
    from ..store.config import stamp_of

    with store.engine.connect() as connection:
        return stamp_of(connection)


def _definition(item: Any) -> Mapping[str, Any] | str | None:
    if isinstance(item, Mapping):
        return item
    if isinstance(item, (str, os.PathLike)) and Path(item).is_file():
        return Path(item).read_text(encoding="utf-8")
    return None


def _policy_definitions(items: Sequence[Any]) -> list[Mapping[str, Any] | str]:
    out: list[Mapping[str, Any] | str] = []
    for item in items:
        if isinstance(item, (str, os.PathLike)) and Path(item).is_dir():
            out += [path.read_text(encoding="utf-8") for path in sorted(Path(item).glob("*.toml"))]
            continue
        definition = _definition(item)
        if definition is not None:
            out.append(definition)
    return out


# -- reading the store ------------------------------------------------------------------


def state_of(row: Any) -> TimerState:
    """A materialized ``sla_timers`` row back as the :class:`TimerState` it was written from.

    ``paused_for`` and ``customer_wait`` are not materialized and read as zero.
    """
    return TimerState(
        metric=row.metric,
        cycle=row.cycle,
        status=row.status,
        target=None if row.target_us is None else row.target_us * _US,
        started_at=row.started_at,
        due_at=row.due_at,
        elapsed=row.elapsed_us * _US,
        remaining=None if row.remaining_us is None else row.remaining_us * _US,
        breached_at=row.breached_at,
        stopped_at=row.stopped_at,
        stop_reason=row.stop_reason,
        warning_level=None if row.warning_level is None else json.loads(row.warning_level),
        paused_for=timedelta(0),
        customer_wait=timedelta(0),
        paused_since=row.paused_since,
        next_warning_at=row.next_warning_at,
        running_since=row.running_since,
    )


def find_policy(config: Config, name: str | None, version: int | None) -> Policy | None:
    """The stored policy version a ticket runs on, or None."""
    for policy in config.policies:
        if policy.name == name and policy.version == version:
            return policy
    return None


def current_statuses(connection: Any, ticket_ids: Sequence[int]) -> dict[int, str]:
    """Each ticket's status as its log last set it: the latest ``status`` (or ``created``)
    event, a ``status`` event after a ``created`` one at the same instant, the greater
    id among equals (as the engine applies them)."""
    latest: dict[int, tuple[tuple[datetime, int, str], str]] = {}
    for part in chunks(list(ticket_ids)):
        rows = connection.execute(
            select(EventRow.ticket_id, EventRow.occurred_at, EventRow.kind, EventRow.event_id, EventRow.payload).where(
                EventRow.ticket_id.in_(part), EventRow.kind.in_(("created", "status"))
            )
        )
        for ticket_id, at, kind, event_id, payload in rows:
            status = payload.get("status") if isinstance(payload, Mapping) else None
            if not isinstance(status, str):
                continue
            key = (at, 1 if kind == "status" else 0, event_id)
            seen = latest.get(ticket_id)
            if seen is None or key > seen[0]:
                latest[ticket_id] = (key, status)
    return {ticket_id: status for ticket_id, (_, status) in latest.items()}


# Built once: constructing a statement costs more than running it on a page of tickets.
# One round trip: the tickets asked for (classified ones), each with its metrics'
# latest cycles (an outer join, so a ticket without timers still comes back).
_NEWER = aliased(TimerRow)
#: The payload of the event that set the ticket's status last: the latest ``status``
#: (or ``created``) event, a ``status`` event before a ``created`` one at the same
#: instant and the greater id among equals, as the engine applies them.
_STATUS_PAYLOAD = (
    # As text: the driver would decode it again for each timer row of the ticket.
    select(cast(EventRow.payload, Text))
    .where(EventRow.ticket_id == TicketRow.id, EventRow.kind.in_(("created", "status")))
    .order_by(
        EventRow.occurred_at.desc(),
        case((EventRow.kind == "status", 1), else_=0).desc(),
        EventRow.event_id.desc(),
    )
    .limit(1)
    .correlate(TicketRow)
    .scalar_subquery()
)
_BADGE_ROWS = (
    select(
        TicketRow.id,
        _STATUS_PAYLOAD.label("status_payload"),
        TicketRow.host_id,
        TicketRow.calendar,
        TicketRow.policy_name,
        TicketRow.policy_version,
        TimerRow.metric,
        TimerRow.cycle,
        TimerRow.status,
        TimerRow.due_at,
        TimerRow.remaining_us,
        TimerRow.breached_at,
        TimerRow.stopped_at,
        TimerRow.stop_reason,
        TimerRow.paused_since,
        TimerRow.warning_level,
        TimerRow.next_warning_at,
    )
    .outerjoin(
        TimerRow,
        (TimerRow.ticket_id == TicketRow.id)
        # Only each metric's latest cycle (the unique key's index answers this).
        & ~exists().where(
            _NEWER.ticket_id == TimerRow.ticket_id, _NEWER.metric == TimerRow.metric, _NEWER.cycle > TimerRow.cycle
        ),
    )
    .where(TicketRow.host_id.in_(bindparam("ids", expanding=True)), TicketRow.created_at.is_not(None))
)


class _BadgeRow(NamedTuple):
    """A materialized timer as a badge reads it (a :class:`~.badge_data.TimerView`)."""

    cycle: int
    status: str
    due_at: datetime | None
    remaining: timedelta | None
    breached_at: datetime | None
    stopped_at: datetime | None
    stop_reason: str | None
    paused_since: datetime | None
    warning_level: float | str | int | None
    next_warning_at: datetime | None


def store_timers(
    store: Store,
    ticket_ids: Sequence[str],
    now: datetime | None = None,
    *,
    config_of: Callable[[Connection], Config] | None = None,
) -> dict[str, TicketTimers]:
    """The badge source over the store: ``{host ticket id: TicketTimers}`` with each
    metric's latest cycle. Tickets the store does not know, and tickets still waiting
    for their ``created`` event, are left out.

    One indexed query for the tickets, their current status and their latest timer
    cycles; ``config_of`` (default: the store's own check) gives the configuration.
    On PostgreSQL through psycopg, each ticket comes back as one row with its timers
    as JSON text, which is also the ticket's :attr:`TicketTimers.key`: a badge
    already written for the same text is reused without reading the timers.
    """
    now = now or datetime.now(UTC)
    out: dict[str, TicketTimers] = {}
    if not ticket_ids:
        return out
    connect = store.engine.connect()
    if store.engine.dialect.name != "sqlite":
        # Reads only: no BEGIN and ROLLBACK round trips around them.
        connect = connect.execution_options(isolation_level="AUTOCOMMIT")
    else:
        # Reads only: a snapshot, so badge polls neither queue behind a write nor hold one up.
        connect = connect.execution_options(**{READ_ONLY: True})
    with connect as connection:
        config = config_of(connection) if config_of is not None else store.config(connection)
        # psycopg (the postgres extra) takes the statement's %(ids)s and binds a list as an array.
        if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
            rows = _postgresql_rows(connection, ticket_ids)
        else:
            rows = _portable_rows(connection, ticket_ids)
    versions: dict[str, Any] = {}
    policies: dict[tuple[str | None, int | None], Policy | None] = {}
    for host_id, calendar_name, policy_name, policy_version, status, states, key in rows:
        if calendar_name is None:
            continue
        calendar = versions.get(calendar_name)
        if calendar is None:
            calendar = versions[calendar_name] = config.calendar_versions(calendar_name).at(now)[1]
        policy_key = (policy_name, policy_version)
        if policy_key not in policies:
            policies[policy_key] = find_policy(config, *policy_key)
        out[host_id] = TicketTimers(
            states=states,
            calendar=calendar,
            calendar_name=calendar_name,
            policy=policies[policy_key],
            status=status,
            key=key,
        )
    return out


#: One ticket as a badge read gives it: host id, calendar, policy name and version,
#: status, its latest cycles, and the key of its badge (None when it has none).
_TicketRead = tuple[str, str | None, str | None, int | None, str | None, Mapping[str, TimerView], str | None]


def _portable_rows(connection: Connection, ticket_ids: Sequence[str]) -> list[_TicketRead]:
    """The tickets through :data:`_BADGE_ROWS`: a row per timer, decoded here."""
    tickets: dict[int, Any] = {}
    latest: dict[int, dict[str, TimerView]] = {}
    statuses: dict[int, str] = {}
    for part in chunks(sorted(set(ticket_ids))):
        for row in connection.execute(_BADGE_ROWS, {"ids": list(part)}):
            (ticket_id, status_text, host_id, calendar_name, policy_name, policy_version, metric) = row[:7]
            if ticket_id not in tickets:
                tickets[ticket_id] = (host_id, calendar_name, policy_name, policy_version)
                latest[ticket_id] = {}
                status = json.loads(status_text).get("status") if status_text else None
                if isinstance(status, str):
                    statuses[ticket_id] = status
            if metric is None:
                continue
            (cycle, state, due_at, remaining_us, breached_at, stopped_at, reason, paused_since, level, warn_at) = row[
                7:
            ]
            latest[ticket_id][metric] = _BadgeRow(
                cycle,
                state,
                due_at,
                None if remaining_us is None else remaining_us * _US,
                breached_at,
                stopped_at,
                reason,
                paused_since,
                None if level is None else json.loads(level),
                warn_at,
            )
    return [
        (host_id, calendar_name, policy_name, policy_version, statuses.get(ticket_id), latest[ticket_id], None)
        for ticket_id, (host_id, calendar_name, policy_name, policy_version) in tickets.items()
    ]


# PostgreSQL builds each ticket's row itself: one row per ticket instead of one per
# timer, the status as text, the latest cycles as one JSON text (metric order, so
# the same timers always give the same text). The text is the badge cache's key, so
# a ticket whose badge was written before costs a dictionary lookup, and nothing is
# decoded unless it changed. The array's one statement text (whatever the number of
# tickets) lets the driver prepare it once per connection.
_POSTGRESQL_ROWS = f"""
SELECT t.host_id, t.calendar, t.policy_name, t.policy_version,
  (SELECT CASE WHEN json_typeof(e.payload -> 'status') = 'string' THEN e.payload ->> 'status' END
     FROM {EventRow.__tablename__} e
    WHERE e.ticket_id = t.id AND e.kind IN ('created', 'status')
    ORDER BY e.occurred_at DESC, e.kind = 'status' DESC, e.event_id DESC
    LIMIT 1),
  (SELECT json_agg(json_build_array(m.metric, m.cycle, m.status, m.due_at, m.remaining_us, m.breached_at,
                                    m.stopped_at, m.stop_reason, m.paused_since, m.warning_level,
                                    m.next_warning_at) ORDER BY m.metric)::text
     FROM (SELECT DISTINCT ON (x.metric) x.* FROM {TimerRow.__tablename__} x
            WHERE x.ticket_id = t.id ORDER BY x.metric, x.cycle DESC) m)
FROM {TicketRow.__tablename__} t
WHERE t.host_id = ANY(%(ids)s) AND t.created_at IS NOT NULL
"""


def _postgresql_rows(connection: Connection, ticket_ids: Sequence[str]) -> list[_TicketRead]:
    rows = connection.exec_driver_sql(_POSTGRESQL_ROWS, {"ids": list(dict.fromkeys(ticket_ids))}).fetchall()
    return [
        (host_id, calendar_name, policy_name, policy_version, status, _TimersText(text), text or "")
        for host_id, calendar_name, policy_name, policy_version, status, text in rows
    ]


class _TimersText(Mapping[str, TimerView]):
    """A ticket's latest cycles from their JSON text (:data:`_POSTGRESQL_ROWS`), decoded on first use."""

    __slots__ = ("_text", "_states")

    def __init__(self, text: str | None) -> None:
        self._text = text
        self._states: dict[str, TimerView] | None = None

    def _decoded(self) -> dict[str, TimerView]:
        if self._states is None:
            self._states = {
                item[0]: _BadgeRow(
                    item[1],
                    item[2],
                    _instant(item[3]),
                    None if item[4] is None else item[4] * _US,
                    _instant(item[5]),
                    _instant(item[6]),
                    item[7],
                    _instant(item[8]),
                    None if item[9] is None else json.loads(item[9]),
                    _instant(item[10]),
                )
                for item in (json.loads(self._text) if self._text else ())
            }
        return self._states

    def __getitem__(self, metric: str) -> TimerView:
        return self._decoded()[metric]

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def items(self) -> ItemsView[str, TimerView]:
        # The dict's own view: the generic one looks every key up again.
        return self._decoded().items()


def _instant(text: str | None) -> datetime | None:
    # PostgreSQL writes timestamptz in JSON with the session's offset: read back in UTC, as the models do.
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _seconds(amount: timedelta | None) -> float | int | None:
    if amount is None:
        return None
    whole, rest = divmod(amount // _US, 1_000_000)
    return whole if not rest else amount.total_seconds()


def ticket_detail(store: Store, host_id: str, now: datetime | None = None) -> dict[str, Any] | None:
    """A ticket as the API answers it, or None when the store does not know it.

    Timers are evaluated from the full stored log at ``now`` (so elapsed and
    remaining are exact to the request), every cycle of every metric; escalations
    are the steps the store recorded; classification and trace are what the matrix
    decided at creation (and at each reclassification).
    """
    now = now or datetime.now(UTC)
    with store.engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        config = store.config(connection)
        tickets = load_tickets(connection, host_ids=[host_id])
        if not tickets:
            return None
        ticket = next(iter(tickets.values()))
        row = connection.execute(select(TicketRow.problems, TicketRow.calendar).where(TicketRow.id == ticket.id)).one()
        log = [event_from_payload(p) for _, p in load_logs(connection, [ticket.id])[ticket.id].values()]
        fired = load_fired(connection, tickets)[ticket.id]
        steps = connection.execute(
            select(EscalationRow)
            .where(EscalationRow.ticket_id == ticket.id)
            .order_by(EscalationRow.due_at, EscalationRow.id)
        ).all()
        status = current_statuses(connection, [ticket.id]).get(ticket.id)
    out: dict[str, Any] = {
        "ticket": ticket.host_id,
        "held": ticket.classification is None,
        "status": status,
        "events": len(log),
        "evaluated_at": _iso(now),
        "created_at": _iso(ticket.created_at),
        "priority": None,
        "policy": None,
        "calendar": row.calendar,
        "timezone": None,
        "classification": ticket.classification,
        "trace": list(ticket.trace or []),
        "problems": [str(p) for p in row.problems or []],
        "timers": [],
        "escalations": [
            {
                "metric": s.metric,
                "cycle": s.cycle,
                "step": s.step,
                "due_at": _iso(s.due_at),
                "notify_at": _iso(s.notify_at),
                "fired_at": _iso(s.fired_at),
                "actions": s.actions,
            }
            for s in steps
        ],
    }
    if ticket.classification is None:
        return out
    at = max([now, *(e.at for e in log)])
    run = TicketRun(config, ticket, log, set(fired))
    evaluation = run.evaluate(at)
    policy = evaluation.policy
    calendar = run.versions.at(at)[1]
    out["priority"] = evaluation.priority
    out["policy"] = None if policy is None else {"name": policy.name, "version": policy.version}
    out["timezone"] = calendar.zone.key
    out["problems"] = [p.message for p in evaluation.problems]
    for metric, cycles in evaluation.cycles.items():
        settings = policy.metrics.get(metric) if policy is not None else None
        clock = "calendar" if settings is not None and settings.time == "calendar" else "business"
        for state in cycles:
            out["timers"].append(
                {
                    "metric": metric,
                    "cycle": state.cycle,
                    "status": state.status,
                    "clock": clock,
                    "target_seconds": _seconds(state.target),
                    "elapsed_seconds": _seconds(state.elapsed),
                    "remaining_seconds": _seconds(state.remaining),
                    "paused_for_seconds": _seconds(state.paused_for),
                    "customer_wait_seconds": _seconds(state.customer_wait),
                    "started_at": _iso(state.started_at),
                    "due_at": _iso(state.due_at),
                    "breached_at": _iso(state.breached_at),
                    "stopped_at": _iso(state.stopped_at),
                    "stop_reason": state.stop_reason,
                    "paused_since": _iso(state.paused_since),
                    # Why it is paused: the status the ticket waits in.
                    "paused_status": status if state.paused_since is not None else None,
                    "running_since": _iso(state.running_since),
                    "warning_level": state.warning_level,
                    "next_warning_at": _iso(state.next_warning_at),
                    "group": state.group,
                }
            )
    return out
