"""Validation helpers shared by the matrix and ladder parsers. No I/O here.

Every check raises :class:`~sla_timers.errors.RulesError` whose ``field`` is the
path of the bad part (``rules[3].when.requester.tier``) and whose message starts
with that path, so an admin reading only the message still knows where to look.
The checks themselves are :mod:`sla_timers.validation`'s, shared with the
calendar and policy loaders; this module fixes their error class.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta
from typing import Any, NoReturn

from .. import validation as v
from ..errors import RulesError

#: TOML scalars a condition may compare against (bool is checked separately).
SCALAR_TYPES: tuple[type, ...] = (str, int, float, date)

#: ``join("rules", 3) == "rules[3]"``, ``join("rules[3]", "when") == "rules[3].when"``.
join = v.join

#: ``'; did you mean "in"?'`` when a close spelling exists, else ``""``.
suggest = v.suggest

#: The TOML name of a value's type, for messages (``table``, ``array``...).
type_name = v.type_name


def fail(path: str, problem: str) -> NoReturn:
    """Raise the one error type of this package, message prefixed by the path."""
    v.fail(RulesError, path, problem)


#: How deep rules data may nest at all: conditions combine ``all``/``any``/``not``
#: up to 32 levels (each ``all`` or ``any`` a table holding an array) under a rule
#: in the ``rules`` array, so rules data needs more room than a calendar or a
#: policy; this backstop keeps pathological data from exhausting the stack.
DATA_DEPTH = 2 * 32 + 16


def table(value: object, path: str) -> Mapping[str, Any]:
    """``value`` as a table (mapping with string keys), or fail.

    The root table (``path == ""``), where every rules loader starts, is also
    checked for nesting deeper than :data:`DATA_DEPTH`.
    """
    found = v.require_table(value, path, error=RulesError)
    if not path:
        v.check_depth(found, error=RulesError, limit=DATA_DEPTH)
    return found


def check_keys(data: Mapping[str, Any], path: str, allowed: Collection[str]) -> None:
    """Fail on the first key not in ``allowed``, suggesting the closest one."""
    v.check_keys(data, path, sorted(allowed), error=RulesError)


def string(value: object, path: str) -> str:
    """A non-empty string, or fail."""
    return v.require_str(value, path, error=RulesError, non_empty=True)


def optional_string(data: Mapping[str, Any], key: str, path: str) -> str | None:
    """``data[key]`` as a non-empty string (at ``path.key``), or None when the key is absent."""
    return string(data[key], join(path, key)) if key in data else None


def boolean(value: object, path: str) -> bool:
    """A TOML boolean (not 0/1), or fail."""
    if not isinstance(value, bool):
        fail(path, f"expected true or false, got {v.describe(value)}")
    return value


def positive_int(value: object, path: str) -> int:
    """An integer >= 1 (not a boolean), or fail."""
    return v.require_int(value, path, error=RulesError, minimum=1)


def array(value: object, path: str, *, non_empty: bool = True) -> list[Any]:
    """A list (TOML array), or fail."""
    items = v.require_list(value, path, error=RulesError)
    if non_empty and not items:
        fail(path, "must not be empty")
    return items


def strings(value: object, path: str, *, unique: bool = True) -> tuple[str, ...]:
    """A non-empty array of non-empty strings (unique unless told), or fail."""
    items = array(value, path)
    seen: set[str] = set()
    for i, item in enumerate(items):
        string(item, join(path, i))
        if unique and item in seen:
            fail(join(path, i), f"{v.quote(item)} is listed twice")
        seen.add(item)
    return tuple(items)


def name_in(value: object, path: str, names: Collection[str], what: str) -> str:
    """A string that is one of ``names`` (a priority, a metric...), or fail with a suggestion."""
    if not isinstance(value, str):
        fail(path, f"expected a {what} name, got {v.describe(value)}")
    if value not in names:
        known = ", ".join(v.quote(n) for n in names)
        fail(path, f"unknown {what} {v.quote(value)}{suggest(value, names)} (known: {known})")
    return value


def dotted_path(value: str, path: str) -> tuple[str, ...]:
    """Split a ticket field path ``requester.tier`` into its keys, or fail on empty parts."""
    parts = tuple(value.split("."))
    if not value or any(not p.strip() for p in parts):
        fail(path, f'{v.quote(value)} is not a field path; write keys joined by dots, e.g. "requester.tier"')
    return parts


def duration(value: object, path: str, *, signed: bool) -> timedelta:
    """Parse ``"30m"``, ``"1h30m"``, ``"-2h"`` (sign only when ``signed``) into a
    timedelta: the grammar of :func:`sla_timers.validation.parse_duration`.

    Hours and minutes only, as policies write targets: a "day" of business
    time would read as a business day, which it is not.
    """
    return v.parse_duration(value, path, error=RulesError, signed=signed)
