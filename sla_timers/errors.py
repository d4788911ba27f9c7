"""Errors sla_timers raises on purpose. Every one derives from :class:`SLAError`.

Each class has a stable ``code`` (the web layer maps codes to HTTP statuses) and
an optional ``field`` naming the input at fault (``hours.mon[1]``,
``events[3].at``). Where a builtin family fits, the class also derives from it
(``ValueError``, ``TypeError``, ``LookupError``), so generic handlers still work.
"""

from __future__ import annotations


class SLAError(Exception):
    """Root of every error sla_timers raises on purpose."""

    #: Stable machine-readable code; documented in the README.
    code = "sla_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        #: The input at fault, as a dotted/indexed path, or None.
        self.field = field

    @property
    def message(self) -> str:
        """The human-readable message (the first argument)."""
        return str(self.args[0]) if self.args else ""


class NaiveDatetimeError(SLAError, TypeError):
    """A datetime without a time zone was passed where an aware one is required."""

    code = "naive_datetime"


class CalendarError(SLAError, ValueError):
    """A calendar definition is invalid."""

    code = "invalid_calendar"


class UnknownTimezoneError(CalendarError):
    """The IANA zone name is not known (names match exactly, case included)."""

    code = "unknown_timezone"


class InvalidWindowError(CalendarError):
    """A window such as ``"09:00-17:00"`` is malformed or empty."""

    code = "invalid_window"


class OverlappingWindowsError(CalendarError):
    """Two windows overlap (also after an overnight window spills into the next day)."""

    code = "overlapping_windows"


class NoOpenTimeError(CalendarError):
    """The calendar has no open time, now or ever after the instant asked about."""

    code = "no_open_time"


class CalendarNotFound(SLAError, LookupError):
    """No shipped calendar or file has that name."""

    code = "calendar_not_found"


class DurationOutOfRangeError(SLAError, ValueError):
    """A clock computation would leave the supported range (years 1 to 9999)."""

    code = "duration_out_of_range"


class PolicyError(SLAError, ValueError):
    """A policy definition is invalid."""

    code = "invalid_policy"


class InvalidTargetError(PolicyError):
    """A target or lead time is malformed, zero, negative or over five years."""

    code = "invalid_target"


class EventError(SLAError, ValueError):
    """A ticket event is malformed or makes no sense at its place in the log."""

    code = "invalid_event"


class RulesError(SLAError, ValueError):
    """A priority matrix or escalation ladder definition is invalid."""

    code = "invalid_rules"


class ArgumentTypeError(SLAError, TypeError):
    """An argument of the wrong type reached the API (``classify(None)``, ``now="2026-..."``)."""

    code = "invalid_argument"


class ReportError(SLAError, ValueError):
    """A report's arguments or a report definition (service levels, a contract) are invalid."""

    code = "invalid_report"
