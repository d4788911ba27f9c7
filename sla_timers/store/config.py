"""The configuration in force, read from the versioned tables: calendars, policies,
the priority matrix and the escalation ladders.

A :class:`Config` is an immutable snapshot. The store keeps one and reloads it
when the audit log (every configuration change writes a row) has moved on.
"""

from __future__ import annotations

import json
import tomllib
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, func, select

from ..clock import BusinessCalendar
from ..errors import CalendarNotFound, SLAError
from ..rules import EscalationLadders, PriorityMatrix
from ..timers import Policy, PolicySet
from .errors import ConfigChangeError
from .models import AuditRow, CalendarRow, LadderRow, MatrixRow, PolicyRow

#: ``effective_from`` stored for a policy that applies since always.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Separator of a calendar version's name as the engine sees it: ``us-ny-9x5@2``.
VERSION_MARK = "@"


def as_data(definition: Mapping[str, Any] | str) -> dict[str, Any]:
    """A definition as JSON-able data: TOML text parsed, dates and times as ISO text.

    :raises ConfigChangeError: for TOML that does not parse or a definition that is not a table.
    """
    if isinstance(definition, str):
        try:
            definition = tomllib.loads(definition)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigChangeError(f"definition: not valid TOML ({exc})", field="definition") from None
    if not isinstance(definition, Mapping):
        raise ConfigChangeError(f"definition: must be a table, got {type(definition).__name__}", field="definition")
    data = _plain(definition)
    assert isinstance(data, dict)
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def same_data(a: Any, b: Any) -> bool:
    """Whether two definitions are equal as stored (key order aside)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@dataclass(frozen=True)
class CalendarVersions:
    """The versions of one calendar name, oldest first; version 0 is the shipped file, if any."""

    name: str
    #: (effective_from, version, calendar), sorted by effective_from then version.
    versions: tuple[tuple[datetime, int, BusinessCalendar], ...]

    def at(self, t: datetime) -> tuple[int, BusinessCalendar]:
        """The version in force at ``t`` (the first one before any applies)."""
        index = bisect_right(self.versions, (t, 2**62), key=lambda v: (v[0], v[1]))
        effective, version, cal = self.versions[max(index - 1, 0)]
        return version, cal

    def changes_after(self, t: datetime, until: datetime) -> list[tuple[datetime, int]]:
        """The versions that take over in ``(t, until]``: (instant, version)."""
        return [(at, version) for at, version, _ in self.versions if t < at <= until]


@dataclass(frozen=True)
class Config:
    """Everything configured, as of the audit row ``stamp``."""

    stamp: int
    policies: PolicySet
    #: (name, version) -> active (a deactivated policy fires no escalations).
    active: Mapping[tuple[str, int], bool]
    #: (effective_from, version, matrix), oldest first.
    matrices: tuple[tuple[datetime, int, PriorityMatrix], ...]
    ladders: tuple[tuple[datetime, int, EscalationLadders], ...]
    calendars: Mapping[str, CalendarVersions]
    _sets: dict[tuple[str, int], PolicySet] = field(default_factory=dict, repr=False)
    #: Shipped calendars read so far (a ticket's turn asks for its calendar several times).
    _shipped: dict[str, CalendarVersions] = field(default_factory=dict, repr=False)

    def matrix_at(self, t: datetime) -> tuple[int, PriorityMatrix] | None:
        """The matrix version in force at ``t``, or None when none is."""
        found: tuple[int, PriorityMatrix] | None = _in_force(self.matrices, t)
        return found

    def ladders_at(self, t: datetime) -> EscalationLadders | None:
        """The ladders version in force at ``t``, or None."""
        found = _in_force(self.ladders, t)
        return None if found is None else found[1]

    def calendar_versions(self, name: str) -> CalendarVersions:
        """The versions of calendar ``name``: stored ones, after the shipped file of that name if any.

        :raises CalendarNotFound: when neither exists.
        """
        found = self.calendars.get(name) or self._shipped.get(name)
        if found is not None:
            return found
        shipped = BusinessCalendar.load(name)  # names only: a stored name is never a path
        found = self._shipped[name] = CalendarVersions(name, ((EPOCH, 0, shipped),))
        return found

    def calendar(self, versioned: str) -> BusinessCalendar:
        """A calendar by the engine's name for a version (``name@2``) or by plain name (its latest)."""
        name, _, version = versioned.rpartition(VERSION_MARK)
        if not name or not version.isdigit():
            return self.calendar_versions(versioned).versions[-1][2]
        for _, number, cal in self.calendar_versions(name).versions:
            if number == int(version):
                return cal
        raise CalendarNotFound(f"calendar {name!r} has no version {version}", field="calendar")

    def policy_set_for(self, name: str, version: int) -> PolicySet:
        """Every policy, but only version ``version`` of ``name``: a ticket keeps the
        version it was created under, also when a calendar change switches its clock."""
        key = (name, version)
        found = self._sets.get(key)
        if found is None:
            found = PolicySet([p for p in self.policies if p.name != name or p.version == version])
            self._sets[key] = found
        return found

    def is_active(self, policy: Policy | None) -> bool:
        """Whether ``policy``'s escalations may fire."""
        return policy is not None and self.active.get((policy.name, policy.version), True)


def _in_force(versions: tuple[tuple[datetime, int, Any], ...], t: datetime) -> Any:
    index = bisect_right(versions, (t, 2**62), key=lambda v: (v[0], v[1]))
    if not index:
        return None
    effective, version, value = versions[index - 1]
    return version, value


def stamp_of(connection: Connection) -> int:
    """The id of the latest audit row: it moves on with every configuration change."""
    return int(connection.execute(select(func.coalesce(func.max(AuditRow.id), 0))).scalar_one())


def load_config(connection: Connection, stamp: int) -> Config:
    """Read every configuration table into a :class:`Config`.

    :raises SLAError: if a stored definition no longer validates (it did when stored).
    """
    cal_rows = connection.execute(select(CalendarRow).order_by(CalendarRow.effective_from, CalendarRow.version)).all()
    calendars: dict[str, list[tuple[datetime, int, BusinessCalendar]]] = {}
    for row in cal_rows:
        calendars.setdefault(row.name, []).append(
            (row.effective_from, row.version, BusinessCalendar.from_dict(row.definition))
        )
    versions: dict[str, CalendarVersions] = {}
    for name, rows in calendars.items():
        try:
            shipped: list[tuple[datetime, int, BusinessCalendar]] = [(EPOCH, 0, BusinessCalendar.load(name))]
        except CalendarNotFound:
            shipped = []
        versions[name] = CalendarVersions(name, tuple(shipped + rows))

    def resolve(name: str) -> BusinessCalendar:
        if name in versions:
            return versions[name].versions[-1][2]
        return BusinessCalendar.load(name)

    policy_rows = connection.execute(select(PolicyRow)).all()
    policies = [Policy.from_dict(row.definition) for row in policy_rows]
    active = {(row.name, row.version): row.active for row in policy_rows}
    policy_set = PolicySet(policies)
    matrices = []
    for m in connection.execute(select(MatrixRow).order_by(MatrixRow.effective_from, MatrixRow.version)):
        matrices.append((m.effective_from, m.version, PriorityMatrix.from_dict(m.definition, calendars=resolve)))
    ladders = []
    priorities = matrices[-1][2].priorities if matrices else ()
    for lr in connection.execute(select(LadderRow).order_by(LadderRow.effective_from, LadderRow.version)):
        ladders.append(
            (
                lr.effective_from,
                lr.version,
                EscalationLadders.from_dict(lr.definition, priorities=priorities, policies=policies or None),
            )
        )
    return Config(stamp, policy_set, active, tuple(matrices), tuple(ladders), versions)


__all__ = [
    "Config",
    "CalendarVersions",
    "ConfigChangeError",
    "EPOCH",
    "SLAError",
    "as_data",
    "load_config",
    "same_data",
    "stamp_of",
]
