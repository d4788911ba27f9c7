"""Configuration changes: new versions of policies, the matrix, the ladders and
calendars, policy (de)activation; each with an audit row, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select, update

from ..clock import BusinessCalendar
from ..rules import EscalationLadders, PriorityMatrix
from ..timers import Policy
from .config import EPOCH, as_data, same_data
from .errors import ConfigChangeError, UnknownPolicyError
from .models import AuditRow, CalendarRow, LadderRow, MatrixRow, PolicyRow, TicketRow, TimerRow

if TYPE_CHECKING:
    from .store import Store

#: Progress callback of a re-dating: (timers done, timers in all).
Progress = Callable[[int, int], None]


def audit(
    connection: Connection,
    now: datetime,
    actor: str | None,
    object_type: str,
    name: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Write one audit row."""
    connection.execute(
        insert(AuditRow).values(
            at=now, actor=actor, object_type=object_type, object_name=name, action=action, before=before, after=after
        )
    )


def _latest(connection: Connection, table: Any, name: str) -> Any:
    return connection.execute(select(table).where(table.name == name).order_by(table.version.desc()).limit(1)).first()


def put_policy(store: Store, definition: Mapping[str, Any] | str, *, actor: str | None, now: datetime) -> Policy:
    """Store a policy version (its ``version`` and ``effective_from`` are in the definition).

    Storing the same version again with the same definition changes nothing.

    :raises PolicyError: for an invalid definition, naming the field.
    :raises ConfigChangeError: for a stored version given with another definition.
    """
    data = as_data(definition)
    policy = Policy.from_dict(data)
    with store.engine.begin() as connection:
        row = connection.execute(
            select(PolicyRow).where(PolicyRow.name == policy.name, PolicyRow.version == policy.version)
        ).first()
        if row is not None:
            if same_data(row.definition, data):
                return policy
            raise ConfigChangeError(
                f"policy {policy.name!r} version {policy.version} is stored with another definition; "
                "a version never changes: store it as a new version",
                field="version",
            )
        previous = _latest(connection, PolicyRow, policy.name)
        connection.execute(
            insert(PolicyRow).values(
                name=policy.name,
                version=policy.version,
                effective_from=policy.effective_from or EPOCH,
                definition=data,
                created_at=now,
                created_by=actor,
                active=True,
            )
        )
        audit(
            connection,
            now,
            actor,
            "policy",
            policy.name,
            "version" if previous else "create",
            previous.definition if previous else None,
            data,
        )
    return policy


def set_policy_active(store: Store, name: str, active: bool, *, actor: str | None, now: datetime) -> int:
    """Deactivate (or reactivate) every version of policy ``name``. A deactivated
    policy fires no escalation from now on: its timers' sweeps are unscheduled at
    once. Returns the number of timers unscheduled (0 when activating).

    :raises UnknownPolicyError: when no version of ``name`` is stored.
    """
    with store.engine.begin() as connection:
        rows = connection.execute(select(PolicyRow.version, PolicyRow.active).where(PolicyRow.name == name)).all()
        if not rows:
            raise UnknownPolicyError(f"policy {name!r} is not stored", field="policy")
        connection.execute(update(PolicyRow).where(PolicyRow.name == name).values(active=active))
        audit(
            connection,
            now,
            actor,
            "policy",
            name,
            "activate" if active else "deactivate",
            {"active": [bool(r.active) for r in rows]},
            {"active": [active] * len(rows)},
        )
        if active:
            # Look at each of its tickets again now: steps due since then fire.
            tickets = select(TicketRow.id).where(TicketRow.policy_name == name).scalar_subquery()
            connection.execute(
                update(TimerRow)
                .where(TimerRow.ticket_id.in_(tickets), TimerRow.stopped_at.is_(None))
                .values(next_check_at=now)
            )
            return 0
        tickets = select(TicketRow.id).where(TicketRow.policy_name == name).scalar_subquery()
        result = connection.execute(
            update(TimerRow)
            .where(TimerRow.ticket_id.in_(tickets), TimerRow.next_check_at.is_not(None))
            .values(next_check_at=None)
        )
        return int(result.rowcount or 0)


def _next_version(connection: Connection, table: Any, name: str) -> int:
    return (
        int(
            connection.execute(select(func.coalesce(func.max(table.version), 0)).where(table.name == name)).scalar_one()
        )
        + 1
    )


def put_matrix(
    store: Store,
    definition: Mapping[str, Any] | str,
    *,
    effective_from: datetime,
    name: str,
    actor: str | None,
    now: datetime,
) -> int:
    """Store a new version of the priority matrix, in force for tickets created from
    ``effective_from``. Returns its version number.

    :raises RulesError: for an invalid matrix (an unknown policy or calendar included).
    """
    data = as_data(definition)
    with store.engine.begin() as connection:
        config = store.config(connection)
        names = set(config.policies.names)
        PriorityMatrix.from_dict(
            data, calendars=lambda n: config.calendar_versions(n).versions[-1][2], policies=names or None
        )
        return _put_version(connection, MatrixRow, "matrix", name, data, effective_from, actor, now)


def put_ladders(
    store: Store,
    definition: Mapping[str, Any] | str,
    *,
    effective_from: datetime,
    name: str,
    actor: str | None,
    now: datetime,
) -> int:
    """Store a new version of the escalation ladders, in force from ``effective_from``.

    :raises RulesError: for invalid ladders (a policy or metric not stored, a priority the matrix lacks).
    """
    data = as_data(definition)
    with store.engine.begin() as connection:
        config = store.config(connection)
        priorities = config.matrices[-1][2].priorities if config.matrices else ()
        EscalationLadders.from_dict(data, priorities=priorities, policies=list(config.policies) or None)
        return _put_version(connection, LadderRow, "ladders", name, data, effective_from, actor, now)


def _put_version(
    connection: Connection,
    table: Any,
    kind: str,
    name: str,
    data: dict[str, Any],
    effective_from: datetime,
    actor: str | None,
    now: datetime,
) -> int:
    previous = _latest(connection, table, name)
    version = _next_version(connection, table, name)
    connection.execute(
        insert(table).values(
            name=name, version=version, effective_from=effective_from, definition=data, created_at=now, created_by=actor
        )
    )
    audit(
        connection,
        now,
        actor,
        kind,
        name,
        "version" if previous else "create",
        previous.definition if previous else None,
        {**data, "version": version, "effective_from": effective_from.isoformat()},
    )
    return version


def validate_calendar(definition: Mapping[str, Any] | str) -> tuple[dict[str, Any], BusinessCalendar]:
    """The calendar's data and the calendar.

    :raises CalendarError: naming the field at fault.
    """
    data = as_data(definition)
    return data, BusinessCalendar.from_dict(data)


def put_calendar_row(
    connection: Connection,
    data: dict[str, Any],
    cal: BusinessCalendar,
    *,
    effective_from: datetime,
    actor: str | None,
    now: datetime,
) -> int:
    """Insert the calendar version row and its audit row. Returns the version."""
    return _put_version(connection, CalendarRow, "calendar", cal.name, data, effective_from, actor, now)
