"""Two-tier service levels as contact centres write them ("90/10, 99/300": 90%
within 10 minutes and 99% within 300 minutes), declared per metric and
priority, and the report of which were kept and by how much. No I/O here."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType

from ..errors import ReportError
from ..validation import (
    check_depth,
    check_keys,
    describe,
    fail,
    join,
    load_toml,
    parse_duration,
    quote,
    require_list,
    require_table,
    require_type,
)
from ._rows import Grouping, Key, Row, key_order
from ._stats import ratio_percent
from .compliance import DateBy, check_date_by, dater
from .periods import Period, PeriodKind
from .records import TimerLike

#: The priority key that applies to every priority not listed on its own.
ANY_PRIORITY = "*"

_GOAL = re.compile(r"([0-9]{1,3}(?:\.[0-9]+)?)%?/(.+)", re.ASCII)
_TIER_KEYS = ("percent", "within")


@dataclass(frozen=True, slots=True)
class Goal:
    """One tier: ``percent`` of cycles within ``within`` of business time."""

    #: 0 < percent <= 100, exact.
    percent: Decimal
    within: timedelta

    def __str__(self) -> str:
        minutes = self.within / timedelta(minutes=1)
        shown = f"{int(minutes)}" if minutes == int(minutes) else f"{minutes:g}"
        return f"{self.percent.normalize():f}/{shown}"


class ServiceLevels:
    """Goals per metric and priority: ``{metric: {priority: (Goal, ...)}}``.

    Build with :meth:`from_dict` or :meth:`from_toml`. A priority ``"*"`` holds
    the goals of every priority not listed on its own. Immutable.
    """

    __slots__ = ("goals",)

    def __init__(self, goals: Mapping[str, Mapping[str, tuple[Goal, ...]]]) -> None:
        #: metric -> priority -> goals, shortest ``within`` first.
        self.goals: Mapping[str, Mapping[str, tuple[Goal, ...]]] = MappingProxyType(
            {metric: MappingProxyType(dict(by_priority)) for metric, by_priority in goals.items()}
        )

    def for_cycle(self, metric: str, priority: str | None) -> tuple[Goal, ...]:
        """The goals that apply to a cycle of ``metric`` on a ticket of ``priority``."""
        by_priority = self.goals.get(metric)
        if by_priority is None:
            return ()
        if priority is not None and priority in by_priority:
            return by_priority[priority]
        return by_priority.get(ANY_PRIORITY, ())

    @classmethod
    def from_dict(cls, data: object, *, path: str = "") -> ServiceLevels:
        """Validate ``{metric: {priority: goals}}``, goals written as text,
        ``"90/10, 99/300"`` (percent / minutes, or / a duration such as ``4h``),
        or as an array of tables ``[{percent = 90, within = "10m"}, ...]``.

        ``path`` prefixes field names when the table sits inside a larger
        document (``service_levels``).

        :raises ReportError: naming the field, e.g. ``first_response.high[1].within``.
        """
        check_depth(data, error=ReportError, path=path)
        table = require_table(data, path, error=ReportError, what="a table of metric -> priority -> goals")
        goals: dict[str, dict[str, tuple[Goal, ...]]] = {}
        for metric, by_priority in table.items():
            metric_path = join(path, metric)
            rows = require_table(
                by_priority, metric_path, error=ReportError, what='a table of priority -> goals such as "90/10, 99/300"'
            )
            goals[metric] = {
                priority: _parse_goals(value, join(metric_path, priority)) for priority, value in rows.items()
            }
        return cls(goals)

    @classmethod
    def from_toml(cls, text: object) -> ServiceLevels:
        """:meth:`from_dict` of TOML text, one table per metric::

        [first_response]
        high = "90/10, 99/300"
        """
        return cls.from_dict(load_toml(text, error=ReportError))


def _parse_goals(value: object, path: str) -> tuple[Goal, ...]:
    goals: list[Goal] = []
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",")]
        for i, part in enumerate(parts):
            goals.append(_parse_text_goal(part, f"{path}[{i}]", value))
    else:
        items = require_list(value, path, error=ReportError, example='"90/10, 99/300"')
        for i, item in enumerate(items):
            item_path = join(path, i)
            tier = require_table(item, item_path, error=ReportError)
            check_keys(tier, item_path, _TIER_KEYS, error=ReportError, required=_TIER_KEYS)
            goals.append(
                Goal(
                    parse_percent(tier["percent"], join(item_path, "percent")),
                    parse_duration(tier["within"], join(item_path, "within"), error=ReportError, whole_minutes=True),
                )
            )
    if not goals:
        fail(ReportError, path, 'no goals; write e.g. "90/10, 99/300"')
    seen: dict[timedelta, int] = {}
    for i, goal in enumerate(goals):
        if goal.within in seen:
            fail(ReportError, f"{path}[{i}]", f"a second goal within {goal}; one goal per time")
        seen[goal.within] = i
    return tuple(sorted(goals, key=lambda g: g.within))


def _parse_text_goal(part: str, path: str, whole: str) -> Goal:
    match = _GOAL.fullmatch(part)
    if match is None:
        fail(
            ReportError,
            path,
            f"{quote(part)} in {quote(whole)} is not a goal; write percent/minutes, "
            'e.g. "90/10" (90% within 10 minutes) or "99/4h"',
        )
    within_text = match[2]
    within: object = int(within_text) if within_text.isdigit() and len(within_text) <= 12 else within_text
    return Goal(
        parse_percent(match[1], f"{path}.percent"),
        parse_duration(within, f"{path}.within", error=ReportError, whole_minutes=True),
    )


def parse_percent(value: object, path: str, *, allow_zero: bool = False) -> Decimal:
    """A percentage written as a number or text (``99.5``, ``"99.5"``, ``"99.5%"``),
    exact as written, in ``(0, 100]`` (``[0, 100]`` with ``allow_zero``).

    :raises ReportError: naming ``path``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        fail(ReportError, path, f'expected a percentage such as 99.5 or "99.5%", got {describe(value)}')
    text = repr(value) if isinstance(value, float) else str(value)
    text = text.strip()
    if isinstance(value, str) and text.endswith("%"):
        text = text[:-1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        fail(ReportError, path, f'{quote(value)} is not a percentage; write e.g. 99.5 or "99.5%"')
    if not number.is_finite() or number > 100 or number < 0 or (number == 0 and not allow_zero):
        fail(
            ReportError,
            path,
            f"{quote(value)} is out of range; a percentage is {'0' if allow_zero else 'above 0'} to 100",
        )
    return number


@dataclass(frozen=True, slots=True)
class ServiceLevelRow(Row):
    """One goal of one metric in one group, and whether it was kept.

    A cycle counts for a goal once its answer is known: when it stopped
    (within if its business time is at most ``within``), or while still open
    once its time passed ``within`` (not within). Open cycles still under
    ``within`` are ``pending``. The goal is kept when the exact share within
    is at least its percent.
    """

    metric: str
    #: The group (``priority`` always, then the period and ``group_by``).
    keys: Mapping[str, Period | str | None]
    #: As written: ``"90/10"``.
    goal: str
    goal_percent: Decimal
    within: timedelta
    #: Cycles whose answer is known.
    counted: int
    within_count: int
    pending: int
    #: ``100 * within_count / counted``, rounded down to 0.01; None when nothing counted.
    achieved_percent: Decimal | None
    #: None when nothing counted.
    kept: bool | None
    #: Achieved minus goal, in percentage points, rounded down to 0.01 (negative when missed).
    margin: Decimal | None
    #: How many more cycles would have had to be within to keep it (0 when kept).
    short_by: int


def service_levels(
    records: Iterable[TimerLike],
    levels: ServiceLevels,
    *,
    group_by: Sequence[str] = (),
    period: PeriodKind | None = None,
    zone: tzinfo | str = "UTC",
    start: datetime | None = None,
    end: datetime | None = None,
    date_by: DateBy = "end",
) -> list[ServiceLevelRow]:
    """Each goal of ``levels`` per metric and priority (and period, and
    ``group_by``), reading ``records`` once; arguments as
    :func:`~sla_timers.reports.compliance`. Goals with no cycle in a group give no row.

    :raises ReportError: for bad arguments; :class:`ArgumentTypeError` if
        ``levels`` is not a :class:`ServiceLevels`.
    """
    require_type(levels, ServiceLevels, "levels")
    others = (
        [name for name in group_by if name != "priority"]
        if not isinstance(group_by, str)
        else ([] if group_by == "priority" else [group_by])
    )
    grouping = Grouping(("priority", *others), period, zone, start, end)
    key_of = grouping.keyer(dater(check_date_by(date_by)))
    counts: dict[tuple[str, Key, Goal], list[int]] = {}
    for record in records:
        goals = levels.for_cycle(record.metric, record.priority)
        if not goals:
            continue
        key = key_of(record)
        if key is None:
            continue
        stopped = record.stopped_at is not None
        for goal in goals:
            tally = counts.get((record.metric, key, goal))
            if tally is None:
                tally = counts[(record.metric, key, goal)] = [0, 0, 0]  # counted, within, pending
            if stopped:
                tally[0] += 1
                tally[1] += record.elapsed <= goal.within
            elif record.elapsed > goal.within:
                tally[0] += 1
            else:
                tally[2] += 1
    rows = []
    for (metric, key, goal), (counted, within, pending) in sorted(
        counts.items(), key=lambda item: (item[0][0], key_order(item[0][1]), item[0][2].within)
    ):
        share = Fraction(within, counted) if counted else None
        goal_share = Fraction(goal.percent) / 100
        rows.append(
            ServiceLevelRow(
                metric=metric,
                keys=grouping.labelled(key),
                goal=str(goal),
                goal_percent=goal.percent,
                within=goal.within,
                counted=counted,
                within_count=within,
                pending=pending,
                achieved_percent=ratio_percent(share),
                kept=None if share is None else share >= goal_share,
                margin=None if share is None else ratio_percent(share - goal_share),
                short_by=max(0, math.ceil(goal_share * counted) - within),
            )
        )
    return rows
