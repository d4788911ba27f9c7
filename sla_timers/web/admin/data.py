"""What the admin pages read and write: the store's versioned configuration, with
the host's own ``SLA_`` configuration as the starting point of objects not stored yet.

Every write goes through the store's ``put_*`` methods, which validate with the
same loaders as files and the API (:meth:`PriorityMatrix.from_dict`,
:meth:`Policy.from_dict`, :meth:`BusinessCalendar.from_dict`) before anything is
written, so a rejected form leaves the store as it was.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ...clock import BusinessCalendar
from ...clock.files import list_shipped_calendars
from ...store.config import as_data
from ...store.models import AuditRow, CalendarRow, LadderRow, MatrixRow, PolicyRow
from ...store.store import Store
from ..state import app_state

#: The one priority matrix the admin pages edit (the store keeps versions per name).
MATRIX_NAME = "default"
#: The one set of escalation ladders the admin pages edit.
LADDERS_NAME = "default"


def admin_store() -> Store:
    """The app's store (opened, upgraded and seeded with the host's configuration on first use)."""
    return app_state().store()


@dataclass(frozen=True)
class Version:
    """One stored version of a configuration object."""

    kind: str
    name: str
    version: int
    effective_from: datetime
    definition: dict[str, Any]
    created_at: datetime | None
    created_by: str | None
    active: bool = True


_TABLES: dict[str, Any] = {"matrix": MatrixRow, "policy": PolicyRow, "calendar": CalendarRow, "ladders": LadderRow}


def versions(kind: str, name: str | None = None) -> list[Version]:
    """Stored versions of ``kind`` (``matrix``, ``policy``, ``calendar``), by name then version."""
    table = _TABLES[kind]
    query = select(table).order_by(table.name, table.version)
    if name is not None:
        query = query.where(table.name == name)
    with admin_store().engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        Version(
            kind,
            row.name,
            row.version,
            row.effective_from,
            dict(row.definition),
            row.created_at,
            row.created_by,
            bool(getattr(row, "active", True)),
        )
        for row in rows
    ]


def audit_rows(limit: int = 200, offset: int = 0) -> list[Any]:
    """The newest audit rows first."""
    with admin_store().engine.connect() as connection:
        return list(connection.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit).offset(offset)).all())


def audit_row(row_id: int) -> Any:
    """One audit row, or None."""
    with admin_store().engine.connect() as connection:
        return connection.execute(select(AuditRow).where(AuditRow.id == row_id)).first()


def _toml_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    # The host's own configuration (SLA_ keys): a path is allowed here, never in request data.
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _definition(item: object) -> dict[str, Any] | None:
    if isinstance(item, Mapping):
        return as_data(item)
    if isinstance(item, (str, os.PathLike)) and Path(item).is_file():
        return as_data(_toml_file(item))
    return None  # a compiled object: the host kept no definition to start from


def host_matrix() -> dict[str, Any] | None:
    """``SLA_PRIORITY_MATRIX`` as a definition, or None."""
    return _definition(app_state().settings.priority_matrix)


def host_policies() -> dict[str, list[dict[str, Any]]]:
    """``SLA_POLICIES`` as definitions by name, each name's versions in file order."""
    found: dict[str, list[dict[str, Any]]] = {}
    for item in app_state().settings.policies:
        items: list[Any] = [item]
        if isinstance(item, (str, os.PathLike)) and Path(item).is_dir():
            items = sorted(Path(item).glob("*.toml"))
        for entry in items:
            data = _definition(entry)
            if data is not None and isinstance(data.get("name"), str):
                found.setdefault(data["name"], []).append(data)
    return found


def shipped_calendar(name: str) -> dict[str, Any] | None:
    """A shipped calendar file as a definition, or None when no file has that name."""
    if name not in list_shipped_calendars():
        return None
    return as_data(tomllib.loads(files("sla_timers.calendars").joinpath(f"{name}.toml").read_text("utf-8")))


def host_calendar(name: str) -> dict[str, Any] | None:
    """``SLA_CALENDARS[name]`` as a definition, else the shipped file, else None."""
    item = app_state().settings.calendars.get(name)
    if item is not None:
        return _definition(item)
    return shipped_calendar(name)


def calendar_names() -> list[str]:
    """Every calendar an admin may edit: stored, registered by the host, or shipped."""
    stored = {v.name for v in versions("calendar")}
    return sorted(stored | set(app_state().registry.calendar_names()))


def latest(kind: str, name: str) -> Version | None:
    """The highest stored version of ``name``, or None."""
    found = versions(kind, name)
    return found[-1] if found else None


def current_matrix() -> tuple[dict[str, Any] | None, Version | None]:
    """The matrix an edit starts from (the latest stored version, else the host's), and its version."""
    stored = latest("matrix", MATRIX_NAME)
    if stored is not None:
        return copy.deepcopy(stored.definition), stored
    return host_matrix(), None


def current_policy(name: str) -> tuple[dict[str, Any] | None, Version | None]:
    """The policy an edit starts from: its latest stored version, else the host's latest."""
    stored = latest("policy", name)
    if stored is not None:
        return copy.deepcopy(stored.definition), stored
    host = host_policies().get(name)
    if host:
        return copy.deepcopy(max(host, key=lambda d: d.get("version", 1))), None
    return None, None


def policy_names() -> list[str]:
    """Stored and host policy names, sorted."""
    return sorted({v.name for v in versions("policy")} | set(host_policies()))


def next_policy_version(name: str) -> int:
    """One more than any version of ``name`` stored or in the host's files."""
    numbers = [v.version for v in versions("policy", name)]
    numbers += [int(d.get("version", 1)) for d in host_policies().get(name, []) if isinstance(d.get("version", 1), int)]
    return max(numbers, default=0) + 1


def current_calendar(name: str) -> tuple[dict[str, Any] | None, Version | None]:
    """The calendar an edit starts from: its latest stored version, else the host's or shipped file."""
    stored = latest("calendar", name)
    if stored is not None:
        return copy.deepcopy(stored.definition), stored
    return host_calendar(name), None


def calendar_object(name: str) -> BusinessCalendar:
    """The calendar now in force under ``name`` (latest stored version, else the host's or shipped one)."""
    data, _ = current_calendar(name)
    if data is not None:
        return BusinessCalendar.from_dict(data)
    return app_state().registry.calendar(name)


def current_ladders() -> tuple[dict[str, Any], Version | None]:
    """The escalation ladders an edit starts from (the latest stored version, else none), and its version."""
    stored = latest("ladders", LADDERS_NAME)
    if stored is not None:
        return copy.deepcopy(stored.definition), stored
    return {"ladders": {}}, None
