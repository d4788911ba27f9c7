"""The calendars, policies and priority matrix a host registers through ``SLA_`` keys.

Request data names calendars and policies only by name: a registered name, or
a calendar shipped with the package. A name is never read as a file path, so a
request cannot make the server open a file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ..clock import BusinessCalendar
from ..clock.files import list_shipped_calendars
from ..errors import CalendarNotFound, SLAError
from ..rules import PriorityMatrix
from ..timers import Policy, PolicySet
from ..validation import quote, suggest, type_name
from .errors import ConfigError, NotConfiguredError, PolicyNotFound


class Registry:
    """Calendars by name, every policy version and the priority matrix of one app.

    Build with :meth:`from_settings`; read-only afterwards (shipped calendars are
    loaded on first use and kept).
    """

    def __init__(
        self, calendars: Mapping[str, BusinessCalendar], policies: PolicySet, matrix: PriorityMatrix | None
    ) -> None:
        self._calendars = dict(calendars)
        self._shipped = frozenset(list_shipped_calendars())
        self._lock = threading.Lock()
        #: Every policy version, for :meth:`policy`.
        self.policies = policies
        #: The priority matrix, or None when the host configured none.
        self.matrix = matrix

    @classmethod
    def from_settings(cls, calendars: Mapping[str, Any], policies: Iterable[Any], matrix: Any) -> Registry:
        """Load ``SLA_CALENDARS``, ``SLA_POLICIES`` and ``SLA_PRIORITY_MATRIX`` (files are read now).

        :raises ConfigError: naming the key and entry at fault, with the loader's message.
        """
        loaded: dict[str, BusinessCalendar] = {}
        for name, item in calendars.items():
            key = f"SLA_CALENDARS[{name!r}]"
            if not isinstance(name, str) or not name:
                raise ConfigError(
                    f"SLA_CALENDARS: names must be non-empty strings, got {quote(name)}", field="SLA_CALENDARS"
                )
            loaded[name] = _configured(key, lambda item=item: _calendar(item))
        policy_list: list[Policy] = []
        for i, item in enumerate(policies):
            key = f"SLA_POLICIES[{i}]"
            if isinstance(item, (str, os.PathLike)) and Path(item).is_dir():
                for path in sorted(Path(item).glob("*.toml")):
                    policy_list.append(_configured(f"{key} {path.name}", lambda path=path: _policy(path)))
            else:
                policy_list.append(_configured(key, lambda item=item: _policy(item)))
        policy_set = _configured("SLA_POLICIES", lambda: PolicySet(policy_list))
        registry = cls(loaded, policy_set, None)
        if matrix is not None:
            registry.matrix = _configured("SLA_PRIORITY_MATRIX", lambda: _matrix(matrix, registry))
        return registry

    def calendar(self, name: str, field: str = "calendar") -> BusinessCalendar:
        """The calendar registered or shipped under ``name``.

        :raises CalendarNotFound: for any other name (paths included), with suggestions.
        """
        found = self._calendars.get(name)
        if found is not None:
            return found
        if name in self._shipped:
            with self._lock:
                found = self._calendars.get(name)
                if found is None:
                    found = self._calendars[name] = BusinessCalendar.load(name)
            return found
        known = sorted(set(self._calendars) | self._shipped)
        raise CalendarNotFound(f"{field}: no calendar is named {quote(name)}{suggest(name, known)}", field=field)

    def calendar_names(self) -> list[str]:
        """Registered and shipped calendar names, sorted."""
        return sorted(set(self._calendars) | self._shipped)

    def policy(self, name: str, at: datetime, field: str = "policy") -> Policy:
        """The version of policy ``name`` in force at ``at``.

        :raises PolicyNotFound: if no policy has that name, or none was in force yet.
        """
        found = self.policies.select(name, at)
        if found is not None:
            return found
        names = self.policies.names
        if name in names:
            raise PolicyNotFound(
                f"{field}: no version of policy {quote(name)} is in force at {at.isoformat()}", field=field
            )
        raise PolicyNotFound(f"{field}: no policy is named {quote(name)}{suggest(name, names)}", field=field)

    def require_matrix(self) -> PriorityMatrix:
        """The priority matrix.

        :raises NotConfiguredError: when ``SLA_PRIORITY_MATRIX`` is not set.
        """
        if self.matrix is None:
            raise NotConfiguredError("no priority matrix is configured (set SLA_PRIORITY_MATRIX)")
        return self.matrix


def _configured(key: str, load: Any) -> Any:
    try:
        return load()
    except ConfigError as exc:
        if exc.field is not None:
            raise
        raise ConfigError(f"{key}: {exc}", field=key) from exc
    except (SLAError, OSError) as exc:
        raise ConfigError(f"{key}: {exc}", field=key) from exc


def _calendar(item: object) -> BusinessCalendar:
    if isinstance(item, BusinessCalendar):
        return item
    if isinstance(item, Mapping):
        return BusinessCalendar.from_dict(item)
    if isinstance(item, (str, os.PathLike)):
        # The host's own configuration: a path to its file is allowed here (never in event data).
        return BusinessCalendar.load(item, allow_path=True)
    raise ConfigError(f"expected a BusinessCalendar, a dict or a .toml path, got {type_name(item)}")


def _policy(item: object) -> Policy:
    if isinstance(item, Policy):
        return item
    if isinstance(item, Mapping):
        return Policy.from_dict(item)
    if isinstance(item, (str, os.PathLike)):
        return Policy.from_toml(Path(item).read_text(encoding="utf-8"))
    raise ConfigError(f"expected a Policy, a dict or a .toml path, got {type_name(item)}")


def _matrix(item: object, registry: Registry) -> PriorityMatrix:
    if isinstance(item, PriorityMatrix):
        return item
    names = registry.policies.names or None
    if isinstance(item, Mapping):
        return PriorityMatrix.from_dict(item, calendars=registry.calendar, policies=names)
    if isinstance(item, (str, os.PathLike)):
        text = Path(item).read_text(encoding="utf-8")
        return PriorityMatrix.from_toml(text, calendars=registry.calendar, policies=names)
    raise ConfigError(f"expected a PriorityMatrix, a dict or a .toml path, got {type_name(item)}")
