"""SLA policies: statuses, metrics, warnings and targets per priority, validated
from a dict or TOML text, and the choice of the version in force. No I/O here.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, Literal

from ..errors import PolicyError
from ..validation import (
    aware_utc,
    check_depth,
    check_keys,
    describe,
    fail,
    join,
    load_toml,
    quote,
    require_aware,
    require_list,
    require_str,
    require_table,
    require_type,
    suggest,
)
from .durations import Target, parse_duration, parse_target

#: The metric kinds the engine knows; a metric's name is its kind unless it says ``kind``.
METRIC_KINDS = ("first_response", "next_response", "periodic_update", "resolution")

#: Which kinds pause in a pause status when the policy does not say: the clock
#: runs down the time the team owes, and while the customer owes an answer
#: nobody can resolve or update, but a first response is owed at once.
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

_TOP_KEYS = (
    "name",
    "version",
    "effective_from",
    "calendar",
    "description",
    "statuses",
    "pause_statuses",
    "stop_statuses",
    "first_response_statuses",
    "warn_at",
    "warn_before",
    "metrics",
    "targets",
)
_METRIC_KEYS = ("kind", "pauses", "reopen", "time", "scope")


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
    #: Status -> :meth:`status_plan`, filled on use (a cache, not part of the value).
    _status_plans: dict[str, tuple[bool, StatusCategory, bool]] = field(default_factory=dict, repr=False)
    #: Warning thresholds per target, filled by the engine (a cache, not part of the value).
    _thresholds: dict[timedelta, tuple[tuple[timedelta, timedelta | None, float | str | int], ...]] = field(
        default_factory=dict, repr=False
    )

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

    def status_plan(self, status: str) -> tuple[bool, StatusCategory, bool]:
        """What entering ``status`` means: known to the policy (:meth:`is_known_status`),
        its category (:meth:`category`), and whether it meets first_response."""
        plan = self._status_plans.get(status)
        if plan is None:
            plan = (self.is_known_status(status), self.category(status), status in self.first_response_statuses)
            if len(self._status_plans) >= 256:  # statuses come from events: stay small
                self._status_plans.clear()
            self._status_plans[status] = plan
        return plan

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

        :raises ArgumentTypeError: if ``text`` is not a ``str``.
        :raises PolicyError: for malformed TOML (with its line) or any invalid
            field (see :meth:`from_dict`).
        """
        return cls.from_dict(load_toml(text, error=PolicyError, source="policy"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Validate a policy given as a dict (the TOML schema; see the README).

        :raises InvalidTargetError: for a malformed, zero, negative or over-five-year
            target or lead time.
        :raises NaiveDatetimeError: for an ``effective_from`` datetime without offset.
        :raises PolicyError: for any other invalid field, nesting deeper than
            :data:`~sla_timers.validation.MAX_DEPTH` included; ``field`` names it.
        """
        data = require_table(data, "", error=PolicyError, what="a policy table")
        check_depth(data, error=PolicyError)
        check_keys(data, "", _TOP_KEYS, error=PolicyError, required=("name", "calendar"))
        name = require_str(data["name"], "name", error=PolicyError, non_empty=True)
        version = data.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            fail(PolicyError, "version", f"{quote(version)} is not a positive integer")
        calendar = require_str(data["calendar"], "calendar", error=PolicyError, non_empty=True)
        description = require_str(data.get("description", ""), "description", error=PolicyError)
        effective_from = _instant(data.get("effective_from"), "effective_from")

        statuses = _status_list(data, "statuses", None)
        pause = _status_list(data, "pause_statuses", DEFAULT_PAUSE_STATUSES)
        stop = _status_list(data, "stop_statuses", DEFAULT_STOP_STATUSES)
        first = _status_list(data, "first_response_statuses", ())
        assert pause is not None and stop is not None and first is not None
        both = sorted(set(pause) & set(stop))
        if both:
            fail(
                PolicyError,
                "pause_statuses",
                f"{quote(both[0])} is also in stop_statuses; a status either pauses or stops",
            )
        if statuses is not None:
            for key, listed in (("pause_statuses", pause), ("stop_statuses", stop), ("first_response_statuses", first)):
                for i, status in enumerate(listed):
                    if status not in statuses:
                        fail(
                            PolicyError,
                            join(key, i),
                            f"{quote(status)} is not in statuses; add it there or remove it here",
                        )
        for i, status in enumerate(first):
            if status in stop or status in pause:
                fail(
                    PolicyError,
                    join("first_response_statuses", i),
                    f"{quote(status)} is a pause or stop status; only working statuses can count as a first response",
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
        """:raises ArgumentTypeError: if ``policies`` is not iterable or holds
            something other than a :class:`Policy` (field ``policies[i]``).
        :raises PolicyError: if two policies share a name and version.
        """
        if isinstance(policies, (str, bytes, Mapping)) or not isinstance(policies, Iterable):
            require_type(policies, (list, tuple), "policies", "list of Policy")
        by_name: dict[str, list[Policy]] = {}
        for i, item in enumerate(policies):
            policy = require_type(item, Policy, join("policies", i))
            versions = by_name.setdefault(policy.name, [])
            if any(p.version == policy.version for p in versions):
                raise PolicyError(f"policy {policy.name!r} version {policy.version} is given twice", field="version")
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
        :raises ArgumentTypeError: if ``at`` is not a datetime.
        :raises NaiveDatetimeError: if ``at`` has no tzinfo.
        """
        require_aware(at, "at")
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


_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_MAX_VERSION = 2**63


def _sort_key(policy: Policy) -> tuple[datetime, int]:
    return (policy.effective_from or _EPOCH, policy.version)


def _instant(value: object, path: str) -> datetime | None:
    # A date means 00:00 UTC that day: policies are chosen by instant, and the
    # policy does not carry a calendar zone of its own to read a date in.
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            fail(PolicyError, path, f'{quote(value)} is not a date; write "2026-01-01" or "2026-01-01T00:00:00+00:00"')
    if isinstance(value, datetime):
        # Near year 1 or 9999 an offset can push the instant out of range in UTC.
        return aware_utc(value, path, error=PolicyError, out_of_range=PolicyError)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    fail(PolicyError, path, f"expected a date, got {describe(value)}")


def _status_list(data: Mapping[str, Any], key: str, default: tuple[str, ...] | None) -> tuple[str, ...] | None:
    value = data.get(key)
    if value is None:
        return default
    items = require_list(value, key, error=PolicyError, example='["pending"]')
    for i, status in enumerate(items):
        if not isinstance(status, str) or not status:
            fail(PolicyError, join(key, i), f"{quote(status)} is not a status name")
    if len(set(items)) != len(items):
        fail(PolicyError, key, "lists a status twice")
    return tuple(items)


def _warnings(data: Mapping[str, Any]) -> tuple[WarningMark, ...]:
    marks: list[WarningMark] = []
    fractions = require_list(data.get("warn_at", []), "warn_at", error=PolicyError, example="[0.5, 0.75]")
    for i, value in enumerate(fractions):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            fail(PolicyError, join("warn_at", i), f"{quote(value)} is not a fraction strictly between 0 and 1")
        marks.append(WarningMark(level=value, fraction=float(value)))
    leads = require_list(data.get("warn_before", []), "warn_before", error=PolicyError, example='["30m"]')
    for i, value in enumerate(leads):
        marks.append(WarningMark(level=value, lead=parse_duration(value, join("warn_before", i))))
    return tuple(marks)


def _metrics(table: object) -> dict[str, MetricSettings]:
    metrics: dict[str, MetricSettings] = {}
    for name, settings in require_table(table, "metrics", error=PolicyError, what="a table of metrics").items():
        metrics[name] = _metric(name, settings, join("metrics", name))
    return metrics


def _metric(name: str, settings: object, path: str) -> MetricSettings:
    if settings is None:
        settings = {}
    settings = require_table(settings, path, error=PolicyError)
    check_keys(settings, path, _METRIC_KEYS, error=PolicyError)
    kind = settings.get("kind", name)
    if kind not in METRIC_KINDS:
        where = join(path, "kind") if "kind" in settings else path
        fail(
            PolicyError,
            where,
            f"{quote(kind)} is not a metric kind; use one of {', '.join(METRIC_KINDS)}"
            + ("" if "kind" in settings else ', or set kind = "..." for a custom name'),
        )
    pauses = settings.get("pauses", DEFAULT_PAUSES[kind])
    if not isinstance(pauses, bool):
        fail(PolicyError, join(path, "pauses"), f"{quote(pauses)} must be true or false")
    reopen = settings.get("reopen", DEFAULT_REOPEN[kind])
    if kind == "first_response" and "reopen" in settings:
        fail(PolicyError, join(path, "reopen"), "first_response never restarts; remove this setting")
    if kind != "first_response" and reopen not in ("resume", "new_cycle"):
        fail(PolicyError, join(path, "reopen"), f'{quote(reopen)} must be "resume" or "new_cycle"')
    clock = settings.get("time", "business")
    if clock not in ("business", "calendar"):
        fail(
            PolicyError,
            join(path, "time"),
            f'{quote(clock)} must be "business" (the policy\'s calendar) or "calendar" (24x7)',
        )
    scope = settings.get("scope", "ticket")
    if scope not in ("ticket", "group"):
        fail(PolicyError, join(path, "scope"), f'{quote(scope)} must be "ticket" or "group"')
    return MetricSettings(name=name, kind=kind, pauses=pauses, reopen=reopen, time=clock, scope=scope)


def _targets(table: object, metrics: dict[str, MetricSettings]) -> dict[str, dict[str, Target]]:
    targets: dict[str, dict[str, Target]] = {}
    for priority, row in require_table(table, "targets", error=PolicyError, what="a table of priorities").items():
        path = join("targets", priority)
        parsed: dict[str, Target] = {}
        for metric, value in require_table(row, path, error=PolicyError, what="a table of metric targets").items():
            if metric not in metrics:
                if metric not in METRIC_KINDS:
                    fail(
                        PolicyError,
                        join(path, metric),
                        f"unknown metric; declare [metrics.{metric}] with a kind, or use one of "
                        f"{', '.join(METRIC_KINDS)}{suggest(metric, [*metrics, *METRIC_KINDS])}",
                    )
                metrics[metric] = _metric(metric, {}, join("metrics", metric))
            parsed[metric] = parse_target(value, join(path, metric))
        targets[priority] = parsed
    return targets
