"""SLA policies: statuses, metrics, warnings and targets per priority, validated
from a dict or TOML text, and the choice of the version in force. No I/O here.
"""

from __future__ import annotations

import tomllib
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from types import MappingProxyType
from typing import Any, Literal

from ..errors import NaiveDatetimeError, PolicyError
from .durations import Target, parse_duration, parse_target

#: The metric kinds the engine knows; a metric's name is its kind unless it says ``kind``.
METRIC_KINDS = ("first_response", "next_response", "periodic_update", "resolution")

#: Which kinds pause in a pause status when the policy does not say
#: (the issue: resolution and periodic update pause, first response does not).
DEFAULT_PAUSES = {"first_response": False, "next_response": False, "periodic_update": True, "resolution": True}

#: Reopen behaviour when the policy does not say (DESIGN.md). First response never restarts.
DEFAULT_REOPEN: dict[str, Literal["resume", "new_cycle"] | None] = {
    "first_response": None,
    "next_response": "new_cycle",
    "periodic_update": "new_cycle",
    "resolution": "resume",
}

DEFAULT_PAUSE_STATUSES = ("pending", "waiting_on_customer")
DEFAULT_STOP_STATUSES = ("solved", "closed")

StatusCategory = Literal["work", "pause", "stop"]

_TOP_KEYS = {
    "name", "version", "effective_from", "calendar", "description", "statuses", "pause_statuses",
    "stop_statuses", "first_response_statuses", "warn_at", "warn_before", "metrics", "targets",
}
_METRIC_KEYS = {"kind", "pauses", "reopen", "time", "scope"}


@dataclass(frozen=True, slots=True)
class MetricSettings:
    """How one metric of a policy runs."""

    #: The name targets use (``resolution``, or a custom one such as ``tier2_resolution``).
    name: str
    #: What starts and stops it: one of :data:`METRIC_KINDS`.
    kind: str
    #: True when a pause status stops its clock.
    pauses: bool
    #: ``"resume"`` or ``"new_cycle"`` after a stop status is left; None for first_response.
    reopen: Literal["resume", "new_cycle"] | None
    #: ``"business"`` (the policy's calendar) or ``"calendar"`` (24x7 in the calendar's zone).
    time: Literal["business", "calendar"] = "business"
    #: ``"ticket"``, or ``"group"``: one clock per assigned group (an OLA).
    scope: Literal["ticket", "group"] = "ticket"


@dataclass(frozen=True, slots=True)
class WarningMark:
    """One warning a policy asks for: a fraction of the target or a lead time before due."""

    #: As the policy wrote it: ``0.75``, ``"30m"`` (or integer minutes).
    level: float | str | int
    #: The fraction of the target, or None for a lead time.
    fraction: float | None = None
    #: The lead time before due, or None for a fraction.
    lead: timedelta | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Policy:
    """A validated SLA policy. Build it with :meth:`from_dict` or :meth:`from_toml`.

    Two policies are equal when their name and version are (a version is immutable).
    """

    name: str
    version: int
    #: First instant the version applies to tickets created then or later; None: always.
    effective_from: datetime | None
    #: Name of the business calendar; the caller supplies the calendar itself.
    calendar: str
    pause_statuses: frozenset[str]
    stop_statuses: frozenset[str]
    #: When set, any status outside it is reported as a problem.
    statuses: frozenset[str] | None
    #: Statuses that, entered, also meet first_response.
    first_response_statuses: frozenset[str]
    #: Warnings, in the order the policy wrote them (fractions, then lead times).
    warnings: tuple[WarningMark, ...]
    #: Metric name -> settings.
    metrics: Mapping[str, MetricSettings]
    #: Priority -> metric name -> target.
    targets: Mapping[str, Mapping[str, Target]]
    description: str = ""
    _category: dict[str, StatusCategory] = field(default_factory=dict, repr=False)
    #: True when some metric runs on calendar (24x7) time.
    uses_calendar_time: bool = field(default=False, repr=False)
    _kinds: dict[str, tuple[MetricSettings, ...]] = field(default_factory=dict, repr=False)
    #: Warning thresholds per target, filled by the engine (a cache, not part of the value).
    _thresholds: dict[timedelta, tuple[tuple[timedelta, timedelta, float | str | int], ...]] = field(
        default_factory=dict, repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Policy) and (self.name, self.version) == (other.name, other.version)

    def __hash__(self) -> int:
        return hash((self.name, self.version))

    @property
    def warn_at(self) -> tuple[float, ...]:
        """The fraction warnings, as written."""
        return tuple(w.fraction for w in self.warnings if w.fraction is not None)

    @property
    def warn_before(self) -> tuple[timedelta, ...]:
        """The lead-time warnings."""
        return tuple(w.lead for w in self.warnings if w.lead is not None)

    def category(self, status: str) -> StatusCategory:
        """``"stop"``, ``"pause"`` or ``"work"`` (any status in neither list)."""
        return self._category.get(status, "work")

    def target(self, priority: str | None, metric: str) -> Target | None:
        """The target of ``metric`` at ``priority``, or None when the policy sets none."""
        row = self.targets.get(priority) if priority is not None else None
        return None if row is None else row.get(metric)

    def of_kind(self, kind: str) -> tuple[MetricSettings, ...]:
        """The metrics of one kind, in the policy's order."""
        found = self._kinds.get(kind)
        if found is None:
            found = self._kinds[kind] = tuple(m for m in self.metrics.values() if m.kind == kind)
        return found

    def is_known_status(self, status: str) -> bool:
        """False only when the policy lists ``statuses`` and ``status`` is not among them."""
        return self.statuses is None or status in self.statuses

    @classmethod
    def from_toml(cls, text: str) -> Policy:
        """Parse a policy from TOML text (the caller reads the file).

        :raises PolicyError: for malformed TOML or any invalid field (see :meth:`from_dict`).
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"policy is not valid TOML: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Validate a policy given as a dict (the TOML schema; see the README).

        :raises InvalidTargetError: for a malformed, zero, negative or over-five-year
            target or lead time.
        :raises NaiveDatetimeError: for an ``effective_from`` datetime without offset.
        :raises PolicyError: for any other invalid field; ``field`` names it.
        """
        if not isinstance(data, Mapping):
            raise PolicyError(f"policy must be a table, got {type(data).__name__}")
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise PolicyError(f"{unknown[0]}: unknown policy key; known keys: {', '.join(sorted(_TOP_KEYS))}", field=unknown[0])
        name = _text(data, "name", "name")
        version = data.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise PolicyError(f"version: {version!r} is not a positive integer", field="version")
        calendar = _text(data, "calendar", "calendar")
        description = data.get("description", "")
        if not isinstance(description, str):
            raise PolicyError("description: must be a string", field="description")
        effective_from = _instant(data.get("effective_from"), "effective_from")

        statuses = _status_list(data, "statuses", None)
        pause = _status_list(data, "pause_statuses", DEFAULT_PAUSE_STATUSES)
        stop = _status_list(data, "stop_statuses", DEFAULT_STOP_STATUSES)
        first = _status_list(data, "first_response_statuses", ())
        assert pause is not None and stop is not None and first is not None
        both = sorted(set(pause) & set(stop))
        if both:
            raise PolicyError(
                f"pause_statuses: {both[0]!r} is also in stop_statuses; a status either pauses or stops",
                field="pause_statuses",
            )
        if statuses is not None:
            for key, listed in (("pause_statuses", pause), ("stop_statuses", stop), ("first_response_statuses", first)):
                for i, status in enumerate(listed):
                    if status not in statuses:
                        raise PolicyError(
                            f"{key}[{i}]: {status!r} is not in statuses; add it there or remove it here",
                            field=f"{key}[{i}]",
                        )
        for i, status in enumerate(first):
            if status in stop or status in pause:
                raise PolicyError(
                    f"first_response_statuses[{i}]: {status!r} is a pause or stop status; "
                    "only working statuses can count as a first response",
                    field=f"first_response_statuses[{i}]",
                )

        warnings = _warnings(data)
        metrics = _metrics(data.get("metrics", {}))
        targets = _targets(data.get("targets", {}), metrics)
        category: dict[str, StatusCategory] = {s: "pause" for s in pause}
        category.update({s: "stop" for s in stop})
        return cls(
            name=name,
            version=version,
            effective_from=effective_from,
            calendar=calendar,
            pause_statuses=frozenset(pause),
            stop_statuses=frozenset(stop),
            statuses=None if statuses is None else frozenset(statuses),
            first_response_statuses=frozenset(first),
            warnings=warnings,
            metrics=MappingProxyType(metrics),
            targets=MappingProxyType({p: MappingProxyType(row) for p, row in targets.items()}),
            description=description,
            _category=category,
            uses_calendar_time=any(m.time == "calendar" for m in metrics.values()),
        )


class PolicySet:
    """Every version of every policy a helpdesk has; picks the one in force.

    A ticket keeps the version in force when it was created; a ``policy`` event
    switches to the version of the named policy in force at the switch.
    """

    def __init__(self, policies: Iterable[Policy]) -> None:
        """:raises PolicyError: if two policies share a name and version."""
        by_name: dict[str, list[Policy]] = {}
        for policy in policies:
            versions = by_name.setdefault(policy.name, [])
            if any(p.version == policy.version for p in versions):
                raise PolicyError(
                    f"policy {policy.name!r} version {policy.version} is given twice", field="version"
                )
            versions.append(policy)
        for versions in by_name.values():
            versions.sort(key=_sort_key)
        self._by_name = by_name
        #: True when some metric of some policy runs on calendar (24x7) time.
        self.uses_calendar_time = any(p.uses_calendar_time for versions in by_name.values() for p in versions)

    def __iter__(self) -> Iterator[Policy]:
        """Every version of every policy, by name, then effective_from and version."""
        for name in sorted(self._by_name):
            yield from self._by_name[name]

    @property
    def names(self) -> tuple[str, ...]:
        """Policy names, sorted."""
        return tuple(sorted(self._by_name))

    def select(self, name: str | None, at: datetime) -> Policy | None:
        """The version of ``name`` in force at ``at`` (the latest ``effective_from``
        at or before it, then the highest version), or None if none is.

        ``name`` may be None when the set holds a single policy name.
        :raises NaiveDatetimeError: if ``at`` has no tzinfo.
        """
        if at.tzinfo is None or at.utcoffset() is None:
            raise NaiveDatetimeError(f"at must be timezone-aware, got {at!r}", field="at")
        if name is None:
            if len(self._by_name) != 1:
                return None
            name = next(iter(self._by_name))
        versions = self._by_name.get(name)
        if not versions:
            return None
        index = bisect_right(versions, (at, _MAX_VERSION), key=_sort_key)
        return versions[index - 1] if index else None


def select_policy(policies: Iterable[Policy], created_at: datetime, name: str | None = None) -> Policy | None:
    """The policy version in force at ``created_at`` (see :meth:`PolicySet.select`)."""
    return PolicySet(policies).select(name, created_at)


_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)
_MAX_VERSION = 2**63


def _sort_key(policy: Policy) -> tuple[datetime, int]:
    return (policy.effective_from or _EPOCH, policy.version)


def _text(data: Mapping[str, Any], key: str, path: str) -> str:
    value = data.get(key)
    if value is None:
        raise PolicyError(f"{path}: required", field=path)
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{path}: {value!r} must be a non-empty string", field=path)
    return value


def _instant(value: object, path: str) -> datetime | None:
    # A date means 00:00 UTC that day: policies are chosen by instant, and the
    # policy does not carry a calendar zone of its own to read a date in.
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            raise PolicyError(
                f"{path}: {value!r} is not a date; write \"2026-01-01\" or \"2026-01-01T00:00:00+00:00\"",
                field=path,
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"{path}: {value.isoformat()} has no UTC offset; add one (\"+00:00\")", field=path)
        return value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=timezone.utc)
    raise PolicyError(f"{path}: {value!r} is not a date", field=path)


def _status_list(data: Mapping[str, Any], key: str, default: tuple[str, ...] | None) -> tuple[str, ...] | None:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, list):
        raise PolicyError(f"{key}: must be a list of status names", field=key)
    for i, status in enumerate(value):
        if not isinstance(status, str) or not status:
            raise PolicyError(f"{key}[{i}]: {status!r} is not a status name", field=f"{key}[{i}]")
    if len(set(value)) != len(value):
        raise PolicyError(f"{key}: lists a status twice", field=key)
    return tuple(value)


def _warnings(data: Mapping[str, Any]) -> tuple[WarningMark, ...]:
    marks: list[WarningMark] = []
    fractions = data.get("warn_at", [])
    if not isinstance(fractions, list):
        raise PolicyError("warn_at: must be a list of fractions such as [0.5, 0.75]", field="warn_at")
    for i, value in enumerate(fractions):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise PolicyError(
                f"warn_at[{i}]: {value!r} is not a fraction strictly between 0 and 1", field=f"warn_at[{i}]"
            )
        marks.append(WarningMark(level=value, fraction=float(value)))
    leads = data.get("warn_before", [])
    if not isinstance(leads, list):
        raise PolicyError('warn_before: must be a list of lead times such as ["30m"]', field="warn_before")
    for i, value in enumerate(leads):
        marks.append(WarningMark(level=value, lead=parse_duration(value, f"warn_before[{i}]")))
    return tuple(marks)


def _metrics(table: object) -> dict[str, MetricSettings]:
    if not isinstance(table, Mapping):
        raise PolicyError("metrics: must be a table of metric names", field="metrics")
    metrics: dict[str, MetricSettings] = {}
    for name, settings in table.items():
        metrics[name] = _metric(name, settings, f"metrics.{name}")
    return metrics


def _metric(name: str, settings: object, path: str) -> MetricSettings:
    if settings is None:
        settings = {}
    if not isinstance(settings, Mapping):
        raise PolicyError(f"{path}: must be a table", field=path)
    unknown = sorted(set(settings) - _METRIC_KEYS)
    if unknown:
        raise PolicyError(
            f"{path}.{unknown[0]}: unknown setting; known: {', '.join(sorted(_METRIC_KEYS))}",
            field=f"{path}.{unknown[0]}",
        )
    kind = settings.get("kind", name)
    if kind not in METRIC_KINDS:
        where = f"{path}.kind" if "kind" in settings else path
        raise PolicyError(
            f"{where}: {kind!r} is not a metric kind; use one of {', '.join(METRIC_KINDS)}"
            + ("" if "kind" in settings else ', or set kind = "..." for a custom name'),
            field=where,
        )
    pauses = settings.get("pauses", DEFAULT_PAUSES[kind])
    if not isinstance(pauses, bool):
        raise PolicyError(f"{path}.pauses: {pauses!r} must be true or false", field=f"{path}.pauses")
    reopen = settings.get("reopen", DEFAULT_REOPEN[kind])
    if kind == "first_response" and "reopen" in settings:
        raise PolicyError(f"{path}.reopen: first_response never restarts; remove this setting", field=f"{path}.reopen")
    if kind != "first_response" and reopen not in ("resume", "new_cycle"):
        raise PolicyError(f'{path}.reopen: {reopen!r} must be "resume" or "new_cycle"', field=f"{path}.reopen")
    clock = settings.get("time", "business")
    if clock not in ("business", "calendar"):
        raise PolicyError(
            f'{path}.time: {clock!r} must be "business" (the policy\'s calendar) or "calendar" (24x7)',
            field=f"{path}.time",
        )
    scope = settings.get("scope", "ticket")
    if scope not in ("ticket", "group"):
        raise PolicyError(f'{path}.scope: {scope!r} must be "ticket" or "group"', field=f"{path}.scope")
    return MetricSettings(name=name, kind=kind, pauses=pauses, reopen=reopen, time=clock, scope=scope)


def _targets(table: object, metrics: dict[str, MetricSettings]) -> dict[str, dict[str, Target]]:
    if not isinstance(table, Mapping):
        raise PolicyError("targets: must be a table of priorities", field="targets")
    targets: dict[str, dict[str, Target]] = {}
    for priority, row in table.items():
        path = f"targets.{priority}"
        if not isinstance(row, Mapping):
            raise PolicyError(f"{path}: must be a table of metric targets", field=path)
        parsed: dict[str, Target] = {}
        for metric, value in row.items():
            if metric not in metrics:
                if metric not in METRIC_KINDS:
                    raise PolicyError(
                        f"{path}.{metric}: unknown metric; declare [metrics.{metric}] with a kind, "
                        f"or use one of {', '.join(METRIC_KINDS)}",
                        field=f"{path}.{metric}",
                    )
                metrics[metric] = _metric(metric, {}, f"metrics.{metric}")
            parsed[metric] = parse_target(value, f"{path}.{metric}")
        targets[priority] = parsed
    return targets

