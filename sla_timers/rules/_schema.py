"""Validation helpers shared by the matrix and ladder parsers. No I/O here.

Every check raises :class:`~sla_timers.errors.RulesError` whose ``field`` is the
path of the bad part (``rules[3].when.requester.tier``) and whose message starts
with that path, so an admin reading only the message still knows where to look.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Any, NoReturn

from ..errors import RulesError

#: TOML scalars a condition may compare against (bool is checked separately).
SCALAR_TYPES: tuple[type, ...] = (str, int, float, date)


def join(path: str, key: str | int) -> str:
    """``join("rules", 3) == "rules[3]"``, ``join("rules[3]", "when") == "rules[3].when"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def fail(path: str, problem: str) -> NoReturn:
    """Raise the one error type of this package, message prefixed by the path."""
    raise RulesError(f"{path}: {problem}" if path else problem, field=path or None)


def suggest(word: str, choices: Collection[str]) -> str:
    """``'; did you mean "in"?'`` when a close spelling exists, else ``""``."""
    # Compare case-folded: "p1" is a near miss of "P1" though difflib scores it 0.5.
    folded = {c.casefold(): c for c in sorted(choices)}
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
    return f'; did you mean "{folded[close[0]]}"?' if close else ""


def type_name(value: object) -> str:
    """The TOML-ish name of a value's type, for messages (``table``, ``array``...)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Mapping):
        return "table"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    return type(value).__name__


def table(value: object, path: str) -> Mapping[str, Any]:
    """``value`` as a table (mapping with string keys), or fail."""
    if not isinstance(value, Mapping):
        fail(path, f"expected a table, got {type_name(value)} {value!r}")
    for key in value:
        if not isinstance(key, str):
            fail(path, f"keys must be strings, got {key!r}")
    return value


def check_keys(data: Mapping[str, Any], path: str, allowed: Collection[str]) -> None:
    """Fail on the first key not in ``allowed``, suggesting the closest one."""
    for key in data:
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            fail(join(path, key), f'unknown key "{key}"{suggest(key, allowed)} (expected one of: {expected})')


def string(value: object, path: str) -> str:
    """A non-empty string, or fail."""
    if not isinstance(value, str):
        fail(path, f"expected a string, got {type_name(value)} {value!r}")
    if not value.strip():
        fail(path, "must not be empty")
    return value


def optional_string(data: Mapping[str, Any], key: str, path: str) -> str | None:
    """``data[key]`` as a non-empty string (at ``path.key``), or None when the key is absent."""
    return string(data[key], join(path, key)) if key in data else None


def boolean(value: object, path: str) -> bool:
    """A TOML boolean (not 0/1), or fail."""
    if not isinstance(value, bool):
        fail(path, f"expected true or false, got {type_name(value)} {value!r}")
    return value


def positive_int(value: object, path: str) -> int:
    """An integer >= 1 (not a boolean), or fail."""
    if isinstance(value, bool) or not isinstance(value, int):
        fail(path, f"expected a whole number >= 1, got {type_name(value)} {value!r}")
    if value < 1:
        fail(path, f"must be >= 1, got {value}")
    return value


def array(value: object, path: str, *, non_empty: bool = True) -> list[Any]:
    """A list (TOML array), or fail."""
    if not isinstance(value, (list, tuple)):
        fail(path, f"expected an array, got {type_name(value)} {value!r}")
    if non_empty and not value:
        fail(path, "must not be empty")
    return list(value)


def strings(value: object, path: str, *, unique: bool = True) -> tuple[str, ...]:
    """A non-empty array of non-empty strings (unique unless told), or fail."""
    items = array(value, path)
    seen: set[str] = set()
    for i, item in enumerate(items):
        string(item, join(path, i))
        if unique and item in seen:
            fail(join(path, i), f'"{item}" is listed twice')
        seen.add(item)
    return tuple(items)


def name_in(value: object, path: str, names: Collection[str], what: str) -> str:
    """A string that is one of ``names`` (a priority, a metric...), or fail with a suggestion."""
    if not isinstance(value, str):
        fail(path, f"expected a {what} name, got {type_name(value)} {value!r}")
    if value not in names:
        known = ", ".join(f'"{n}"' for n in names)
        fail(path, f'unknown {what} "{value}"{suggest(value, names)} (known: {known})')
    return value


def dotted_path(value: str, path: str) -> tuple[str, ...]:
    """Split a ticket field path ``requester.tier`` into its keys, or fail on empty parts."""
    parts = tuple(value.split("."))
    if not value or any(not p.strip() for p in parts):
        fail(path, f'"{value}" is not a field path; write keys joined by dots, e.g. "requester.tier"')
    return parts


_DURATION = re.compile(r"(\d+)\s*(h|m)")
_UNITS = {"h": timedelta(hours=1), "m": timedelta(minutes=1)}


def duration(value: object, path: str, *, signed: bool) -> timedelta:
    """Parse ``"30m"``, ``"1h30m"``, ``"-2h"`` (sign only when ``signed``) into a timedelta.

    Hours and minutes only, as policies write targets: a "day" of business
    time would read as a business day, which it is not.
    """
    if not isinstance(value, str):
        fail(path, f'expected a duration such as "30m" or "-1h", got {type_name(value)} {value!r}')
    text = value.strip()
    sign = 1
    if text[:1] in "+-" and text:
        if not signed:
            fail(path, f'"{value}" must not have a sign')
        sign = -1 if text[0] == "-" else 1
        text = text[1:].strip()
    pos, total = 0, timedelta(0)
    for match in _DURATION.finditer(text):
        if match.start() != pos and text[pos:match.start()].strip():
            break
        total += int(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not text or text[pos:].strip():
        fail(path, f'"{value}" is not a duration; write e.g. "30m", "1h30m", "48h"' +
             (', "-30m" for before' if signed else ""))
    return sign * total
