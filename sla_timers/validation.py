"""Checks shared by every loader and public entry point: TOML text, nesting
depth, table keys with suggestions, typed values at a field path, the
timezone-aware check and the one duration grammar.

Every check takes the error class of the loader that calls it (``CalendarError``,
``PolicyError``, ``RulesError``...), so each loader keeps its own ``code``,
while the wording, the field paths and the grammar are the same everywhere.
Messages start with the field path (``targets.high.resolution: ...``) and
show text values as TOML writes them, in double quotes.

Pure: stdlib only. No I/O here.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NoReturn, TypeVar

from .errors import (
    ArgumentTypeError,
    DurationOutOfRangeError,
    InvalidTargetError,
    NaiveDatetimeError,
    SLAError,
)

T = TypeVar("T")

#: Longest duration any input may give: five years of 366 days (43920h), so
#: "five years" written in hours is never refused. Longer spans are typos, and
#: every deadline computed from one would fall out of the supported years.
MAX_DURATION = timedelta(days=5 * 366)

#: Deepest nesting of tables and arrays a loader accepts. The deepest real
#: definition (a matrix rule's ``when``, ``any`` of ``all`` of ``not``...) is
#: about ten levels; hundreds mean a generated or hostile document, which would
#: otherwise exhaust the interpreter's recursion limit somewhere later.
MAX_DEPTH = 32

# Units from largest to smallest; a duration writes each at most once, in this order.
_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
# [0-9], not \d: \d also matches other scripts' digits ("\u0664h"), which int() reads.
_PARTS = re.compile(r"(?:[0-9]+[A-Za-z]+)+", re.ASCII)
_PART = re.compile(r"([0-9]+)([A-Za-z]+)", re.ASCII)
_HINT = 'write "90m", "4h" or "1h30m"'
# More digits than this is over the cap in any unit; checked before int(), which
# refuses strings over 4,300 digits with a ValueError of its own.
_MAX_DIGITS = 12


# --- names and values in messages ---------------------------------------------------


def type_name(value: object) -> str:
    """The name of ``value``'s type as messages show it, in TOML's words where
    TOML has one (``string``, ``integer``, ``float``, ``boolean``, ``table``,
    ``array``, ``date``, ``datetime``, ``time``), ``null`` for None, else the
    Python type's name."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    for kind, name in (
        (str, "string"),
        (int, "integer"),
        (float, "float"),
        (datetime, "datetime"),
        (date, "date"),
        (time, "time"),
    ):
        if isinstance(value, kind):
            return name
    if isinstance(value, Mapping):
        return "table"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def python_type_name(value: object) -> str:
    """The Python name of ``value``'s type (``None`` for None), for messages about
    arguments of a Python call, where the caller thinks in Python's words rather
    than in the words of a TOML or JSON document."""
    return "None" if value is None else type(value).__name__


def quote(value: object, limit: int = 60) -> str:
    """``value`` as a message shows it: text in double quotes with JSON escapes
    (as TOML writes a string), anything else as ``repr``; cut to ``limit``
    characters so a pasted novel does not flood the message."""
    if isinstance(value, str):
        return json.dumps(value if len(value) <= limit else value[:limit], ensure_ascii=False) + (
            "..." if len(value) > limit else ""
        )
    shown = value.isoformat() if isinstance(value, (date, time)) else repr(value)
    return shown if len(shown) <= limit else shown[:limit] + "..."


def describe(value: object) -> str:
    """Type and value for "got ..." in messages: ``integer 5``, ``string "x"``, ``null``."""
    return "null" if value is None else f"{type_name(value)} {quote(value)}"


def join(path: str, key: object) -> str:
    """A field path one level down: ``join("rules", 3) == "rules[3]"``,
    ``join("rules[3]", "when") == "rules[3].when"``, ``join("", "name") == "name"``."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def fail(error: type[SLAError], path: str, problem: str) -> NoReturn:
    """Raise ``error`` with the message ``"{path}: {problem}"`` and ``field = path``
    (just ``problem`` and no field at the root, ``path == ""``)."""
    raise error(f"{path}: {problem}" if path else problem, field=path or None)


def suggest(word: str, choices: Collection[str]) -> str:
    """``'; did you mean "hours"?'`` for the closest of ``choices``, else ``""``.

    A choice equal to ``word`` but for case wins; otherwise the closest
    spelling by :mod:`difflib`, compared case-folded ("p1" is a near miss of
    "P1" though difflib alone scores it 0.5).
    """
    if len(word) > 100:  # nothing that long is a typo of a name; spare difflib
        return ""
    folded: dict[str, str] = {}
    for choice in sorted(choices):
        folded.setdefault(choice.casefold(), choice)
    same = folded.get(word.casefold())
    if same is not None:
        return f"; did you mean {quote(same)}?"
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
    return f"; did you mean {quote(folded[close[0]])}?" if close else ""


# --- structure ----------------------------------------------------------------------


def load_toml(text: object, *, error: type[SLAError], source: str = "", field: str | None = None) -> dict[str, Any]:
    """Parse TOML ``text``; every way it can fail is an :class:`SLAError`.

    ``source`` (a file name, say) starts the message; ``field`` goes on the
    error. Syntax errors keep tomllib's "(at line L, column C)". Arrays or
    inline tables nested deeper than the parser's recursion allows (hundreds
    of levels) are ``error`` too, naming the line where the nesting passes
    :data:`MAX_DEPTH`; shallower nesting is the loader's :func:`check_depth`.

    :raises ArgumentTypeError: if ``text`` is not a ``str`` (field ``text``).
    :raises SLAError: ``error``, for text that is not valid TOML.
    """
    if not isinstance(text, str):
        hint = "; decode the bytes as UTF-8 first" if isinstance(text, (bytes, bytearray)) else ""
        raise ArgumentTypeError(f"text: expected TOML text (a string), got {type_name(text)}{hint}", field="text")
    prefix = f"{source}: " if source else ""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{prefix}not valid TOML: {exc}", field=field) from None
    except RecursionError:
        line = _deep_line(text)
        where = f" (at line {line})" if line else ""
        raise error(
            f"{prefix}not valid TOML: arrays or inline tables nested deeper than {MAX_DEPTH} levels{where}", field=field
        ) from None


def _deep_line(text: str) -> int | None:
    """The first line where more than :data:`MAX_DEPTH` brackets are open (a hint for the message).

    Brackets inside quoted strings are skipped; a comment ends the line.
    """
    depth, quote_char = 0, ""
    for number, line in enumerate(text.splitlines(), start=1):
        escaped = False
        for char in line:
            if quote_char:
                if escaped:
                    escaped = False
                elif char == "\\" and quote_char == '"':
                    escaped = True
                elif char == quote_char:
                    quote_char = ""
            elif char in "\"'":
                quote_char = char
            elif char == "#":
                break
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return number
            elif char in "]}":
                depth -= 1
    return None


def check_depth(data: object, *, error: type[SLAError], path: str = "", limit: int = MAX_DEPTH) -> None:
    """Refuse tables and arrays nested more than ``limit`` levels deep (the top
    table is level 1), naming the path of the first one too deep.

    Walks without recursion, so a dict nested 100,000 levels deep (or one that
    contains itself) is refused, never a ``RecursionError``.

    :raises SLAError: ``error``, with ``field`` the path of the container past the limit.
    """
    stack: list[tuple[object, str, int]] = [(data, path, 1)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, Mapping):
            children: list[tuple[object, object]] = list(value.items())
        elif isinstance(value, (list, tuple)):
            children = list(enumerate(value))
        else:
            continue
        if depth > limit:
            fail(error, where, f"nested deeper than {limit} levels of tables and arrays")
        stack.extend((child, join(where, key), depth + 1) for key, child in children)


def check_keys(
    table: Mapping[Any, Any],
    path: str,
    allowed: Collection[str],
    *,
    error: type[SLAError],
    required: Collection[str] = (),
    renamed: Mapping[str, str] | None = None,
) -> None:
    """Refuse the first key of ``table`` not in ``allowed`` (with the closest
    allowed one as a suggestion, or the ``renamed`` hint for a known old name),
    then the first ``required`` key that is missing.

    Messages: ``hours.monday: unknown key "monday"; did you mean "mon"?
    (expected one of: mon, tue, ...)`` and ``closures[0].to: is required``.
    ``allowed`` lists in its own order when it is a sequence, else sorted.
    """
    names = list(allowed) if isinstance(allowed, Sequence) else sorted(allowed)
    for key in table:
        if key not in allowed:
            shown = key if isinstance(key, str) else repr(key)
            if renamed and key in renamed:
                fail(error, join(path, shown), f"unknown key {quote(shown)}; write {renamed[key]}")
            fail(
                error,
                join(path, shown),
                f"unknown key {quote(shown)}{suggest(shown, names)} (expected one of: {', '.join(names)})",
            )
    for key in required:
        if key not in table:
            fail(error, join(path, key), "is required")


def require_table(value: object, path: str, *, error: type[SLAError], what: str = "a table") -> Mapping[str, Any]:
    """``value`` if it is a mapping whose keys are all strings (a TOML table).

    ``what`` names it in the message: ``hours: expected a table of weekday ->
    windows, got array [...]``; at the root (``path == ""``), ``expected a
    policy table, got ...``.
    """
    if not isinstance(value, Mapping):
        fail(error, path, f"expected {what}, got {describe(value)}")
    for key in value:
        if not isinstance(key, str):
            fail(error, path, f"keys must be strings, got {describe(key)}")
    return value


def require_list(value: object, path: str, *, error: type[SLAError], example: str = "") -> list[Any]:
    """``value`` as a list if it is a list or tuple (a TOML array), never a string.

    ``example`` ends the message: ``hours.mon: expected an array, got string
    "09:00"; write e.g. ["09:00-17:00"]``.
    """
    if not isinstance(value, (list, tuple)):
        fail(error, path, f"expected an array, got {describe(value)}" + (f"; write e.g. {example}" if example else ""))
    return list(value)


def require_str(value: object, path: str, *, error: type[SLAError], non_empty: bool = False) -> str:
    """``value`` if it is a string (and, with ``non_empty``, not blank)."""
    if not isinstance(value, str):
        fail(error, path, f"expected a string, got {describe(value)}")
    if non_empty and not value.strip():
        fail(error, path, "must not be empty")
    return value


def require_int(value: object, path: str, *, error: type[SLAError], minimum: int | None = None) -> int:
    """``value`` if it is an integer (a boolean is not one) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        fail(
            error, path, f"expected a whole number{'' if minimum is None else f' >= {minimum}'}, got {describe(value)}"
        )
    if minimum is not None and value < minimum:
        fail(error, path, f"must be >= {minimum}, got {value}")
    return value


# --- arguments and instants -----------------------------------------------------------


def require_type(value: Any, expected: type[T] | tuple[type[Any], ...], name: str, what: str | None = None) -> T:
    """``value`` if it is an instance of ``expected``.

    :raises ArgumentTypeError: naming ``name`` and the type received, e.g.
        ``now: expected a datetime, got string "2026-11-23"``.
    """
    if not isinstance(value, expected):
        if what is None:
            kinds = expected if isinstance(expected, tuple) else (expected,)
            what = " or ".join(k.__name__ for k in kinds)
        article = "an" if what[:1] in "aeiou" else "a"
        raise ArgumentTypeError(f"{name}: expected {article} {what}, got {describe(value)}", field=name)
    return value


def require_aware(value: object, name: str, *, error: type[SLAError] = ArgumentTypeError) -> datetime:
    """``value`` unchanged if it is a timezone-aware datetime.

    ``error`` is raised for a value that is no datetime at all (a loader
    passes its own class, so a bad field in a batch keeps the batch's code).

    :raises SLAError: ``error`` (default :class:`ArgumentTypeError`) if it is not a datetime.
    :raises NaiveDatetimeError: if it has no tzinfo (or one that gives no offset).
    """
    if not isinstance(value, datetime):
        fail(error, name, f"{quote(value)} is not a datetime; expected a timezone-aware one")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{name}: {value.isoformat()} has no UTC offset; it must be timezone-aware", field=name
        )
    return value


def aware_utc(
    value: object,
    name: str,
    *,
    error: type[SLAError] = ArgumentTypeError,
    out_of_range: type[SLAError] = DurationOutOfRangeError,
) -> datetime:
    """:func:`require_aware`, then the same instant in UTC.

    Datetimes sharing one ``ZoneInfo`` subtract and compare as wall time (two
    that differ only in ``fold`` compare equal though an hour apart), so every
    instant is moved to UTC before any arithmetic.

    :raises SLAError: ``out_of_range`` (default :class:`DurationOutOfRangeError`)
        for an instant whose UTC time falls before year 1 or after year 9999
        (``0001-01-01T00:00+05:00``), where Python would raise ``OverflowError``.
    """
    aware = require_aware(value, name, error=error)
    try:
        return aware.astimezone(UTC)
    except OverflowError:
        fail(
            out_of_range,
            name,
            f"{aware.isoformat()} is outside the supported range: in UTC it falls before year 1 or after year 9999",
        )


# --- durations ---------------------------------------------------------------------------


def parse_duration(
    value: object,
    field: str,
    *,
    error: type[SLAError] = InvalidTargetError,
    signed: bool = False,
    seconds: bool = False,
    whole_minutes: bool = False,
) -> timedelta:
    """The one duration grammar: ``"90m"``, ``"4h"``, ``"1h30m"``.

    A number of ASCII digits and a lower-case unit, repeated, units from
    largest to smallest, each at most once; no spaces. Units: ``h``, ``m``,
    and ``s`` where ``seconds`` allows it. Days and weeks (``"2d"``, ``"1w"``)
    are recognised and refused: a business day's length depends on the
    calendar, so a day written as 24 hours would be misread (write ``"48h"``,
    or ``"eod+1"`` where targets allow it). Upper-case units are refused, as
    ``"1M"`` reads as a month in ISO 8601.

    ``signed``: a leading ``-`` (before) or ``+`` is allowed, and zero too;
    otherwise the duration must be more than zero. ``whole_minutes``: an
    integer (not a boolean) is also accepted, as that many minutes. The
    magnitude is at most :data:`MAX_DURATION` (five years).

    :raises SLAError: ``error`` (default :class:`InvalidTargetError`), the
        message starting with ``field``.
    """
    if isinstance(value, int) and not isinstance(value, bool) and whole_minutes:
        minutes = value
        if abs(minutes) > MAX_DURATION // timedelta(minutes=1):
            _over_cap(error, field, quote(value))
        return _checked(timedelta(minutes=minutes), quote(value), field, error, signed)
    if not isinstance(value, str):
        ints = " or a whole number of minutes" if whole_minutes else ""
        fail(error, field, f'expected a duration such as "90m"{ints}, got {describe(value)}')
    shown = quote(value)
    if any(char.isspace() for char in value):
        fail(error, field, f"{shown} is not a duration: it has spaces; {_HINT}")
    if any(char.isdigit() and char not in "0123456789" for char in value):
        fail(error, field, f"{shown} is not a duration: digits must be ASCII 0-9; {_HINT}")
    body, sign = value, 1
    if body[:1] in ("-", "+"):
        if not signed:
            if body[0] == "-":
                fail(error, field, f"{shown} is negative; write a duration above zero")
            fail(error, field, f"{shown} is not a duration: no sign is allowed here; {_HINT}")
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    if not _PARTS.fullmatch(body):
        fail(error, field, f"{shown} is not a duration; {_HINT}")
    total, last = 0, -1
    for digits, unit in _PART.findall(body):
        if unit not in _UNITS:
            if unit.lower() in _UNITS:
                fail(error, field, f"{shown} is not a duration: units are lower case ({quote(unit.lower())}); {_HINT}")
            fail(error, field, f"{shown} is not a duration; {_HINT}")
        rank = list(_UNITS).index(unit)
        if rank <= last:
            fail(
                error,
                field,
                f'{shown} is not a duration: write units from largest to smallest, each once, e.g. "1h30m"',
            )
        last = rank
        if unit in ("w", "d"):
            fail(
                error,
                field,
                f"{shown}: days and weeks are not accepted, since a business day's length "
                'depends on the calendar; write hours, e.g. "48h"',
            )
        if unit == "s" and not seconds:
            fail(error, field, f'{shown}: seconds are not accepted here; write whole minutes, e.g. "1m"')
        if len(digits.lstrip("0")) > _MAX_DIGITS:
            _over_cap(error, field, shown)
        total += int(digits) * _UNITS[unit]
    if total > MAX_DURATION // timedelta(seconds=1):
        _over_cap(error, field, shown)
    return _checked(timedelta(seconds=sign * total), shown, field, error, signed)


def _checked(duration: timedelta, shown: str, field: str, error: type[SLAError], signed: bool) -> timedelta:
    if not signed and duration < timedelta(0):
        fail(error, field, f"{shown} is negative; write a duration above zero")
    if not signed and not duration:
        fail(error, field, f"{shown} is zero; write a duration above zero")
    return duration


def _over_cap(error: type[SLAError], field: str, shown: str) -> NoReturn:
    hours = MAX_DURATION // timedelta(hours=1)
    fail(error, field, f"{shown} is over five years (at most {hours}h, five years of 366 days)")
