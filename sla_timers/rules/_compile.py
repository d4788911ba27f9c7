"""Rule conditions compiled: a parsed condition tree (:mod:`.conditions`) becomes one
closure ``(ticket, context) -> bool``, with field getters built once per path and
calendar tests bound to the calendars they name."""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from ..errors import DurationOutOfRangeError
from .conditions import (
    MISSING,
    AllOf,
    Calendar,
    CalendarTest,
    Context,
    FieldTest,
    Node,
    NotOf,
    Predicate,
    bool_key,
)

# -- compiling --------------------------------------------------------------


def getter(path: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Any]:
    """A fast reader of a dotted path; :data:`MISSING` where a key is absent or a step is no table."""
    if len(path) == 1:
        (k0,) = path

        def get1(ticket: Mapping[str, Any]) -> Any:
            return ticket.get(k0, MISSING)

        return get1
    if len(path) == 2:
        k0, k1 = path

        def get2(ticket: Mapping[str, Any]) -> Any:
            inner = ticket.get(k0, MISSING)
            if inner is MISSING:
                return MISSING
            try:
                return inner.get(k1, MISSING)
            except AttributeError:  # a string or number where a table was expected
                return MISSING

        return get2

    def get_n(ticket: Mapping[str, Any]) -> Any:
        value: Any = ticket
        for key in path:
            try:
                value = value.get(key, MISSING)
            except AttributeError:
                return MISSING
            if value is MISSING:
                return MISSING
        return value

    return get_n


def _always(ticket: Mapping[str, Any], ctx: Context) -> bool:
    return True


def compile_condition(node: Node | None, calendars: Mapping[str, Calendar]) -> Predicate:
    """One closure for the whole tree; ``None`` compiles to "always"."""
    if node is None:
        return _always
    if isinstance(node, FieldTest):
        return _compile_field(node)
    if isinstance(node, CalendarTest):
        return _compile_calendar(node, calendars)
    if isinstance(node, NotOf):
        inner = compile_condition(node.item, calendars)
        return lambda t, c: not inner(t, c)
    preds = tuple(compile_condition(item, calendars) for item in node.items)
    if isinstance(node, AllOf):
        if not preds:
            return _always
        if len(preds) == 1:
            return preds[0]
        if len(preds) == 2:
            p0, p1 = preds
            return lambda t, c: p0(t, c) and p1(t, c)

        def every(t: Mapping[str, Any], c: Context) -> bool:
            for p in preds:  # a plain loop: all() over a generator costs twice as much here
                if not p(t, c):
                    return False
            return True

        return every
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        p0, p1 = preds
        return lambda t, c: p0(t, c) or p1(t, c)

    def some(t: Mapping[str, Any], c: Context) -> bool:
        for p in preds:
            if p(t, c):
                return True
        return False

    return some


def _compile_field(node: FieldTest) -> Predicate:
    get, op, expected = getter(node.path), node.op, node.value
    if op in ("eq", "ne"):
        negate = op == "ne"
        if expected.__class__ is bool:

            def eq(t: Mapping[str, Any], c: Context) -> bool:
                actual = get(t)
                return (actual.__class__ is bool and actual == expected) is not negate
        else:

            def eq(t: Mapping[str, Any], c: Context) -> bool:
                actual = get(t)
                return (actual == expected and actual.__class__ is not bool) is not negate

        return eq
    if op in ("in", "not_in"):
        keys = frozenset(bool_key(v) for v in expected)
        negate = op == "not_in"

        def member(t: Mapping[str, Any], c: Context) -> bool:
            actual = get(t)
            try:
                found = bool_key(actual) in keys
            except TypeError:  # unhashable (a list): equal to no scalar
                found = False
            return found is not negate

        return member
    if op == "contains":
        key = bool_key(expected)
        folded = expected.casefold() if isinstance(expected, str) else None

        def contains(t: Mapping[str, Any], c: Context) -> bool:
            actual = get(t)
            if isinstance(actual, str):
                return folded is not None and folded in actual.casefold()
            if isinstance(actual, (list, tuple, set, frozenset)):
                for item in actual:
                    try:
                        if bool_key(item) == key:
                            return True
                    except TypeError:
                        continue
            return False

        return contains
    if op == "glob":
        return _compile_glob(get, expected)
    compare = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}[op]

    def ordered(t: Mapping[str, Any], c: Context) -> bool:
        actual = get(t)
        if actual is MISSING or actual.__class__ is bool:
            return False
        try:
            return bool(compare(actual, expected))
        except TypeError:  # "10" vs 5, aware vs naive: not comparable, so not greater
            return False

    return ordered


def _compile_glob(get: Callable[[Mapping[str, Any]], Any], pattern: str) -> Predicate:
    """Case-insensitive shell pattern; the common shapes avoid the regex engine.

    ``*word*``, ``word*``, ``*word`` and ``word`` (no other wildcard) are a
    substring, prefix, suffix or equality test on the case-folded value: a
    ``.*word.*`` regex with IGNORECASE costs several times as much.
    """
    core = pattern.strip("*")
    if core and not any(ch in core for ch in "*?[") and pattern.count("*") == len(pattern) - len(core):
        needle = core.casefold()
        lead, trail = pattern.startswith("*"), pattern.endswith("*")
        if lead and trail:

            def glob_contains(t: Mapping[str, Any], c: Context) -> bool:
                actual = get(t)
                return isinstance(actual, str) and needle in actual.casefold()

            return glob_contains
        if trail:

            def glob_prefix(t: Mapping[str, Any], c: Context) -> bool:
                actual = get(t)
                return isinstance(actual, str) and actual.casefold().startswith(needle)

            return glob_prefix
        if lead:

            def glob_suffix(t: Mapping[str, Any], c: Context) -> bool:
                actual = get(t)
                return isinstance(actual, str) and actual.casefold().endswith(needle)

            return glob_suffix

        def glob_equal(t: Mapping[str, Any], c: Context) -> bool:
            actual = get(t)
            return isinstance(actual, str) and actual.casefold() == needle

        return glob_equal
    match = re.compile(fnmatch.translate(pattern), re.IGNORECASE | re.DOTALL).match

    def glob(t: Mapping[str, Any], c: Context) -> bool:
        actual = get(t)
        return isinstance(actual, str) and match(actual) is not None

    return glob


def _local(node: CalendarTest, ctx: Context, calendars: Mapping[str, Calendar]) -> tuple[Calendar, datetime]:
    calendar = calendars[node.calendar or ctx.calendar]
    now = ctx.now
    assert now is not None  # classify() fills it before any calendar test runs
    try:
        return calendar, now.astimezone(calendar.zone)
    except OverflowError:
        # Python converts through UTC: an instant whose UTC or local date falls
        # before year 1 or after 9999 has no date to test.
        raise DurationOutOfRangeError(
            f"now: {now.isoformat()} has no local date within the years 1 to 9999 in the zone of calendar "
            f"{calendar.name!r} ({calendar.zone}), which {node.where} reads",
            field="now",
        ) from None


def _compile_calendar(node: CalendarTest, calendars: Mapping[str, Calendar]) -> Predicate:
    kind, arg = node.kind, node.arg
    if kind == "business_hours":

        def business_hours(t: Mapping[str, Any], c: Context) -> bool:
            calendar, local = _local(node, c, calendars)
            return calendar.is_open(local) is arg

        return business_hours
    if kind == "weekday":

        def weekday(t: Mapping[str, Any], c: Context) -> bool:
            return _local(node, c, calendars)[1].weekday() in arg

        return weekday
    if kind == "date_between":
        first: date
        last: date
        first, last = arg

        def date_between(t: Mapping[str, Any], c: Context) -> bool:
            return first <= _local(node, c, calendars)[1].date() <= last

        return date_between
    starts: dict[tuple[str, int, int], date] = {}

    def quarter_end(t: Mapping[str, Any], c: Context) -> bool:
        calendar, local = _local(node, c, calendars)
        day = local.date()
        quarter = (day.month - 1) // 3
        key = (calendar.name, day.year, quarter)
        start = starts.get(key)
        if start is None:
            start = starts[key] = last_business_days_start(calendar, day.year, quarter, arg)
        return day >= start

    return quarter_end


def last_business_days_start(calendar: Calendar, year: int, quarter: int, count: int) -> date:
    """First date of the last ``count`` business days of a quarter (0-based), holidays skipped.

    Walks back from the quarter's last date; a quarter with fewer business days
    than ``count`` starts on its first date.
    """
    first = date(year, quarter * 3 + 1, 1)
    end_month = quarter * 3 + 3
    # The last date, without naming the first of the next quarter: in 9999 that would be year 10000.
    day = date(year, 12, 31) if end_month == 12 else date.fromordinal(date(year, end_month + 1, 1).toordinal() - 1)
    found = 0
    while day >= first:
        if calendar.is_business_day(day):
            found += 1
            if found == count:
                return day
        day = date.fromordinal(day.toordinal() - 1)
    return first
