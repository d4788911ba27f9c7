"""Rule conditions: parsed from data into a small tree, then compiled to closures.

No I/O here, and nothing in a rule is evaluated as code: a condition is a
table of field tests (``{"requester.tier" = {in = ["premium"]}}``), the
combinators ``all`` / ``any`` / ``not``, and calendar tests that ask the
clock. :func:`parse` validates and builds the tree;
:func:`~sla_timers.rules._compile.compile_condition` turns it into one closure
``(ticket, context) -> bool``.

``all`` / ``any`` / ``not`` nest at most :data:`MAX_DEPTH` levels deep: every
step over the tree (parsing, compiling, evaluating) recurses once per level,
and a deeper condition is refused with its path instead of exhausting the
interpreter's stack.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeAlias

from . import _schema as s

#: A field path that is absent from the ticket.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__slots__": ()})()

FIELD_OPERATORS = ("eq", "ne", "in", "not_in", "contains", "gt", "gte", "lt", "lte", "glob")
COMBINATORS = ("all", "any", "not")
CALENDAR_TESTS = ("business_hours", "weekday", "date_between", "quarter_end")
RESERVED = COMBINATORS + CALENDAR_TESTS
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Keys of a rule itself: written inside ``when`` they would test ticket fields of that name.
RULE_KEYS = ("when", "then", "stop")
#: How deep ``all`` / ``any`` / ``not`` may nest in one condition. Admins write two or
#: three levels; 32 leaves room for generated rules while keeping the recursion of
#: parsing, compiling and evaluating far from Python's stack limit.
MAX_DEPTH = 32


class Calendar(Protocol):
    """What calendar tests need from :class:`sla_timers.clock.BusinessCalendar`."""

    name: str

    @property
    def zone(self) -> Any:
        """The calendar's tzinfo; local dates and weekdays are read in it."""

    def is_open(self, t: datetime) -> bool:
        """True inside open time."""

    def is_business_day(self, day: date) -> bool:
        """True when some open time starts on ``day``."""


class Context(Protocol):
    """What a compiled condition reads besides the ticket: the instant and the calendar so far."""

    now: datetime | None
    calendar: str


Predicate: TypeAlias = Callable[[Mapping[str, Any], Context], bool]


# -- the tree ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldTest:
    """``path op value``: one operator applied to one ticket field."""

    path: tuple[str, ...]
    op: str
    value: Any
    where: str


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every item holds (an empty list holds)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one item holds."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    """The item does not hold."""

    item: Node


@dataclass(frozen=True, slots=True)
class CalendarTest:
    """A test of the classification instant against a calendar (None: the ticket's calendar so far)."""

    kind: str
    arg: Any
    calendar: str | None
    where: str


Node: TypeAlias = FieldTest | AllOf | AnyOf | NotOf | CalendarTest


def plain(value: Any) -> Any:
    """``value``, or its plain ``str`` when it is a ``str`` subclass (an ``enum.StrEnum`` member).

    Host code often holds statuses and tiers as enum members: they must test,
    index and show as the text they stand for (``str()`` of a ``(str, Enum)``
    member would give ``Status.OPEN``; ``str.__str__`` gives its value).
    """
    if value.__class__ is str or not isinstance(value, str):
        return value
    return str.__str__(value)


#: Nesting :func:`plain_data` walks: past the deepest condition :func:`parse` accepts
#: (each ``all`` / ``any`` level is a table and an array), so what it leaves as is gets refused.
_PLAIN_DEPTH = 2 * MAX_DEPTH + 16


def plain_data(data: Any, depth: int = 0) -> Any:
    """``data`` (tables, arrays, scalars) with every ``str`` subclass, keys included, as its plain ``str``.

    Tables come back as dicts and arrays as lists; other values unchanged.
    """
    if isinstance(data, str):
        return plain(data)
    if depth > _PLAIN_DEPTH:
        return data
    if isinstance(data, Mapping):
        return {plain(k): plain_data(v, depth + 1) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [plain_data(v, depth + 1) for v in data]
    return data


def bool_key(value: Any) -> Any:
    """Hash key that keeps ``True`` apart from ``1`` (Python's ``True == 1`` is not what admins mean)."""
    return ("__bool__", value) if value.__class__ is bool else value


# -- parsing ----------------------------------------------------------------


def parse(data: object, path: str, depth: int = 0) -> Node:
    """Validate a ``when`` table and build its tree; several keys in one table all must hold.

    ``depth`` is the number of ``all`` / ``any`` / ``not`` around ``data``.

    :raises RulesError: naming the bad part's path; also for ``all`` / ``any`` /
        ``not`` nested more than :data:`MAX_DEPTH` deep.
    """
    when = s.table(data, path)
    if not when:
        s.fail(path, "an empty condition; leave out `when` for a rule that always applies")
    items: list[Node] = []
    for key, value in when.items():
        where = s.join(path, key)
        if key in COMBINATORS and depth >= MAX_DEPTH:
            s.fail(
                where,
                f"all, any and not nest more than {MAX_DEPTH} levels deep here; "
                "split the rule into several rules or flatten the condition",
            )
        if key in ("all", "any"):
            entries = s.array(value, where)
            parsed = tuple(parse(entry, s.join(where, i), depth + 1) for i, entry in enumerate(entries))
            items.append(AllOf(parsed) if key == "all" else AnyOf(parsed))
        elif key == "not":
            items.append(NotOf(parse(value, where, depth + 1)))
        elif key in CALENDAR_TESTS:
            items.append(_parse_calendar_test(key, value, where))
        else:
            items.extend(_parse_field(key, value, where))
    return items[0] if len(items) == 1 else AllOf(tuple(items))


def _parse_field(key: str, value: object, where: str) -> list[Node]:
    path = s.dotted_path(key, where)
    # An operator or a rule key where a field name belongs would read as a test of a
    # ticket field of that name, which no ticket has: the rule would silently never match.
    last = path[-1]
    if last in FIELD_OPERATORS:
        field = ".".join(path[:-1]) or "field"
        s.fail(where, f"'{last}' is an operator; write {{{field} = {{{last} = ...}}}}")
    if len(path) == 1 and key in RULE_KEYS:
        s.fail(where, f"'{key}' belongs to the rule, beside `when`, not inside its condition")
    if len(path) == 1:
        # A misspelt calendar test would otherwise read as a test of a ticket field
        # that is never there, and the rule would silently never match.
        close = difflib.get_close_matches(key, CALENDAR_TESTS, n=1, cutoff=0.8)
        if close:
            s.fail(
                where,
                f'unknown condition "{key}"; did you mean "{close[0]}"? (a ticket field of that '
                f"name cannot be tested at the top level)",
            )
    if not isinstance(value, Mapping):
        if isinstance(value, (list, tuple)):
            s.fail(where, f"a bare array is ambiguous; write {{in = {value!r}}} or {{contains = ...}}")
        # `"requester.vip" = true` is shorthand for `{eq = true}`.
        return [_field_test(path, "eq", value, where)]
    ops = s.table(value, where)
    if not ops:
        s.fail(where, f"no operator; use one of {', '.join(FIELD_OPERATORS)}")
    tests: list[Node] = []
    for op, arg in ops.items():
        if op not in FIELD_OPERATORS:
            hint = s.suggest(op, FIELD_OPERATORS + RESERVED)
            s.fail(where, f'unknown operator "{op}"{hint} (operators: {", ".join(FIELD_OPERATORS)})')
        tests.append(_field_test(path, op, arg, s.join(where, op)))
    return tests


def _scalar(value: object, where: str, *, allow_bool: bool = True) -> Any:
    if isinstance(value, bool):
        if not allow_bool:
            s.fail(where, f"cannot order booleans; got {value!r}")
        return value
    if not isinstance(value, s.SCALAR_TYPES):
        s.fail(where, f"expected a string, number, boolean or date, got {s.type_name(value)} {value!r}")
    if isinstance(value, float) and math.isnan(value):
        # NaN equals nothing, itself included, and orders with nothing: every test against it
        # has one fixed answer whatever the ticket says.
        s.fail(where, "NaN is not a value a field can be compared with; write a number")
    return value


def _field_test(path: tuple[str, ...], op: str, arg: object, where: str) -> FieldTest:
    if op in ("in", "not_in"):
        items = s.array(arg, where)
        value: Any = tuple(_scalar(item, s.join(where, i)) for i, item in enumerate(items))
    elif op in ("gt", "gte", "lt", "lte"):
        value = _scalar(arg, where, allow_bool=False)
    elif op == "glob":
        value = s.string(arg, where)
    else:
        value = _scalar(arg, where)
    return FieldTest(path, op, value, where)


def _calendar_args(value: object, where: str, main: str) -> tuple[object, str | None, str]:
    """Split the short form (``quarter_end = 5``) from the table form (``{last_business_days = 5, calendar = ...}``)."""
    if isinstance(value, Mapping):
        s.check_keys(value, where, (main, "calendar"))
        if main not in value:
            s.fail(where, f'missing "{main}"')
        calendar = s.optional_string(value, "calendar", where)
        return value[main], calendar, s.join(where, main)
    return value, None, where


def _parse_calendar_test(kind: str, value: object, where: str) -> CalendarTest:
    if kind == "business_hours":
        arg, calendar, at = _calendar_args(value, where, "open")
        return CalendarTest(kind, s.boolean(arg, at), calendar, where)
    if kind == "weekday":
        arg, calendar, at = _calendar_args(value, where, "in")
        days = s.strings(arg, at)
        for i, day in enumerate(days):
            s.name_in(day, s.join(at, i), WEEKDAYS, "weekday")
        return CalendarTest(kind, frozenset(WEEKDAYS.index(d) for d in days), calendar, where)
    if kind == "date_between":
        if isinstance(value, Mapping):
            s.check_keys(value, where, ("from", "to", "calendar"))
            for key in ("from", "to"):
                if key not in value:
                    s.fail(where, f'missing "{key}"')
            ends = [(value["from"], s.join(where, "from")), (value["to"], s.join(where, "to"))]
            calendar = s.optional_string(value, "calendar", where)
        else:
            pair = s.array(value, where)
            if len(pair) != 2:
                s.fail(where, f"expected [from, to], two dates, got {len(pair)} items")
            ends = [(pair[0], s.join(where, 0)), (pair[1], s.join(where, 1))]
            calendar = None
        first, last = (_date(v, p) for v, p in ends)
        if last < first:
            s.fail(where, f"ends before it starts ({first} > {last})")
        return CalendarTest(kind, (first, last), calendar, where)
    arg, calendar, at = _calendar_args(value, where, "last_business_days")
    return CalendarTest(kind, s.positive_int(arg, at), calendar, where)


def _date(value: object, where: str) -> date:
    if isinstance(value, datetime):
        s.fail(where, f"expected a date (2026-12-24), got a datetime {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    s.fail(where, f"expected a date such as 2026-12-24, got {s.type_name(value)} {value!r}")


def calendars_named(node: Node) -> dict[str | None, str]:
    """Calendar names the tree's calendar tests use, each with where it is first named.

    None stands for "the ticket's calendar so far".
    """
    if isinstance(node, CalendarTest):
        return {node.calendar: s.join(node.where, "calendar") if node.calendar else node.where}
    found: dict[str | None, str] = {}
    if isinstance(node, (AllOf, AnyOf)):
        for item in node.items:
            for name, where in calendars_named(item).items():
                found.setdefault(name, where)
    elif isinstance(node, NotOf):
        found.update(calendars_named(node.item))
    return found


def fields_named(node: Node) -> list[str]:
    """Dotted paths of the ticket fields the tree's field tests read, in the order written (repeats kept)."""
    if isinstance(node, FieldTest):
        return [".".join(node.path)]
    if isinstance(node, (AllOf, AnyOf)):
        return [path for item in node.items for path in fields_named(item)]
    if isinstance(node, NotOf):
        return fields_named(node.item)
    return []
