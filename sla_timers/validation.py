"""Checks shared by every loader and public entry point: one place for the
timezone-aware check, type names in messages and argument type checks.

Pure: stdlib only. No I/O here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from .errors import ArgumentTypeError, NaiveDatetimeError

T = TypeVar("T")


def type_name(value: object) -> str:
    """A short name for ``value``'s type, as messages show it (``None``, ``str``, ``list``)."""
    return "None" if value is None else type(value).__name__


def require_type(value: Any, expected: type[T] | tuple[type[Any], ...], name: str, what: str | None = None) -> T:
    """``value`` if it is an instance of ``expected``.

    :raises ArgumentTypeError: naming ``name`` and the type received, e.g.
        ``now must be a datetime, got str``.
    """
    if not isinstance(value, expected):
        if what is None:
            kinds = expected if isinstance(expected, tuple) else (expected,)
            what = " or ".join(k.__name__ for k in kinds)
        raise ArgumentTypeError(f"{name} must be a {what}, got {type_name(value)}", field=name)
    return value  # type: ignore[return-value]


def require_aware(value: object, name: str) -> datetime:
    """``value`` unchanged if it is a timezone-aware datetime.

    :raises ArgumentTypeError: if it is not a datetime.
    :raises NaiveDatetimeError: if it has no tzinfo (or one that gives no offset).
    """
    if not isinstance(value, datetime):
        raise ArgumentTypeError(f"{name} must be a timezone-aware datetime, got {type_name(value)}", field=name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(f"{name} must be timezone-aware, got {value!r}", field=name)
    return value


def aware_utc(value: object, name: str) -> datetime:
    """:func:`require_aware`, then the same instant in UTC.

    Datetimes sharing one ``ZoneInfo`` subtract and compare as wall time (two
    that differ only in ``fold`` compare equal though an hour apart), so every
    instant is moved to UTC before any arithmetic.
    """
    return require_aware(value, name).astimezone(UTC)
