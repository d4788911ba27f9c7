"""Targets and lead times as policies write them: ``"90m"``, ``"4h"``, ``"1h30m"``,
integer minutes, or the calendar-relative ``"eod"`` / ``"eod+N"``. No I/O here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from ..errors import InvalidTargetError
from ..validation import MAX_DURATION, quote
from ..validation import parse_duration as parse_any_duration

#: Longest target or lead time a policy may set: the one cap on every duration
#: input (:data:`sla_timers.validation.MAX_DURATION`), five years of 366 days.
MAX_TARGET = MAX_DURATION

_EOD = re.compile(r"eod(?:\+(?P<n>[0-9]+))?", re.ASCII)
# eod+N past this many digits is over the cap whatever N is; checked before int(),
# which refuses strings over 4,300 digits with a ValueError of its own.
_EOD_DIGITS = 6


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
    integer number of minutes (the grammar of
    :func:`sla_timers.validation.parse_duration`, above zero).

    :raises InvalidTargetError: if the value is malformed, zero, negative or over
        five years; ``field`` names it in the message and on the error.
    """
    return parse_any_duration(value, field, error=InvalidTargetError, whole_minutes=True)


def parse_target(value: object, field: str) -> Target:
    """Parse a target: anything :func:`parse_duration` takes, or ``"eod"`` / ``"eod+N"``.

    :raises InvalidTargetError: as :func:`parse_duration`; also for ``eod+N``
        beyond five years of business days.
    """
    if isinstance(value, str):
        match = _EOD.fullmatch(value)
        if match is not None:
            digits = match["n"] or "0"
            if len(digits.lstrip("0")) > _EOD_DIGITS or int(digits) > MAX_TARGET.days:
                raise InvalidTargetError(
                    f"{field}: {quote(value)} is over five years (at most eod+{MAX_TARGET.days})", field=field
                )
            return EndOfDay(int(digits))
    return parse_duration(value, field)


def format_target(target: Target) -> str:
    """The canonical text of a target (``"1h30m"``, ``"eod+1"``), as a policy writes it."""
    if isinstance(target, EndOfDay):
        return str(target)
    minutes = int(target.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")
