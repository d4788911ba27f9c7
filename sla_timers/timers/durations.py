"""Targets and lead times as policies write them: ``"90m"``, ``"4h"``, ``"1h30m"``,
integer minutes, or the calendar-relative ``"eod"`` / ``"eod+N"``. No I/O here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from ..errors import InvalidTargetError

#: Longest target or lead time a policy may set. Five years of 366 days plus a
#: spare day, so "five years" written in hours is never refused.
MAX_TARGET = timedelta(days=5 * 366)

# [0-9], not \d: \d also matches other scripts' digits ("\u0664h"), which int() would read.
_DURATION = re.compile(r"(?:(?P<h>[0-9]+)h)?(?:(?P<m>[0-9]+)m)?")
_EOD = re.compile(r"eod(?:\+(?P<n>[0-9]+))?")
_HINT = 'write "90m", "4h" or "1h30m"'


def _shown(value: object) -> str:
    # Policies are TOML: show strings as TOML writes them, in double quotes.
    return f'"{value}"' if isinstance(value, str) else repr(value)


@dataclass(frozen=True, slots=True)
class EndOfDay:
    """A calendar-relative target: the close of the Nth business day after the one
    the timer starts in (``"eod"`` is N = 0, ``"eod+1"`` N = 1).

    Starting while the calendar is closed counts from the next business day. The
    engine turns it into an amount of business time once, when the cycle starts.
    """

    #: Business days after the starting day.
    days: int = 0

    def __str__(self) -> str:
        return "eod" if self.days == 0 else f"eod+{self.days}"


#: A target: a fixed amount of (business or calendar) time, or end of business day.
Target = timedelta | EndOfDay


def parse_duration(value: object, field: str) -> timedelta:
    """Parse a lead time or fixed target: ``"90m"``, ``"4h"``, ``"1h30m"`` or an
    integer number of minutes.

    :raises InvalidTargetError: if the value is malformed, zero, negative or over
        five years; ``field`` names it in the message and on the error.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidTargetError(
            f"{field}: {_shown(value)} is not a duration; {_HINT}, or an integer number of minutes",
            field=field,
        )
    if isinstance(value, int):
        return _checked_minutes(value, repr(value), field)
    text = value.strip()
    if text.startswith("-"):
        raise InvalidTargetError(f"{field}: {_shown(value)} is negative; a target must be positive", field=field)
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        hint = ' ("d" is ambiguous in business time: write "48h", or "eod+1" for a business day)' if text.endswith("d") else ""
        raise InvalidTargetError(f"{field}: {_shown(value)} is not a duration; {_HINT}{hint}", field=field)
    hours, minutes = int(match["h"] or 0), int(match["m"] or 0)
    return _checked_minutes(hours * 60 + minutes, _shown(value), field)


def parse_target(value: object, field: str) -> Target:
    """Parse a target: anything :func:`parse_duration` takes, or ``"eod"`` / ``"eod+N"``.

    :raises InvalidTargetError: as :func:`parse_duration`; also for ``eod+N``
        beyond five years of business days.
    """
    if isinstance(value, str):
        match = _EOD.fullmatch(value.strip())
        if match is not None:
            days = int(match["n"] or 0)
            if days > MAX_TARGET.days:
                raise InvalidTargetError(f"{field}: {_shown(value)} is over five years", field=field)
            return EndOfDay(days)
    return parse_duration(value, field)


def format_target(target: Target) -> str:
    """The canonical text of a target (``"1h30m"``, ``"eod+1"``), as a policy writes it."""
    if isinstance(target, EndOfDay):
        return str(target)
    minutes = int(target.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")


def _checked_minutes(minutes: int, shown: str, field: str) -> timedelta:
    if minutes < 0:
        raise InvalidTargetError(f"{field}: {shown} is negative; a target must be positive", field=field)
    if minutes == 0:
        raise InvalidTargetError(f"{field}: {shown} is zero; a target must be positive", field=field)
    if minutes > MAX_TARGET.days * 1440:
        raise InvalidTargetError(f"{field}: {shown} is over five years", field=field)
    return timedelta(minutes=minutes)
