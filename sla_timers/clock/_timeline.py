"""Instants as integer microseconds on the UTC timeline. No I/O here.

Every clock computation runs on ints: microseconds since 0001-01-01T00:00Z.
Ints are exact (no float timestamps) and never subtract as wall time, which is
what two datetimes sharing a ``ZoneInfo`` do: 01:00 to 03:00 on a fall-back
night would give 2 h where 3 h of real time pass.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from ..errors import DurationOutOfRangeError, NaiveDatetimeError

__all__ = [
    "DAY_US",
    "MAX_US",
    "MINUTE_US",
    "WEEK_US",
    "duration_us",
    "first_instant",
    "from_us",
    "to_us",
]

UTC = UTC
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1, 1, 1)
_US = timedelta(microseconds=1)
MINUTE_US = 60_000_000
DAY_US = 86_400_000_000
WEEK_US = 7 * DAY_US
#: 9999-12-31T23:59:59.999999Z, the last instant a UTC datetime can hold.
MAX_US = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _US


def to_us(value: datetime, name: str) -> int:
    """``value`` (aware, any zone) as microseconds since 0001-01-01T00:00Z.

    :raises NaiveDatetimeError: if ``value`` has no UTC offset; ``name`` is the field.
    """
    try:
        # An aware datetime minus the UTC epoch goes through utcoffset(), so
        # fold and gaps are honoured; the floor division keeps it an exact int.
        return (value - _EPOCH) // _US
    except TypeError:
        raise _not_aware(value, name) from None
    except OverflowError:
        raise DurationOutOfRangeError(
            f"{name} is outside the supported range (years 1 to 9999): {value!r}", field=name
        ) from None


def _not_aware(value: object, name: str) -> TypeError:
    if isinstance(value, datetime):
        return NaiveDatetimeError(
            f"{name} must be timezone-aware, got {value!r}; attach a zone "
            "(datetime(..., tzinfo=ZoneInfo('America/New_York'))) or use UTC",
            field=name,
        )
    return TypeError(f"{name} must be an aware datetime, got {type(value).__name__}: {value!r}")


def duration_us(value: timedelta, name: str) -> int:
    """``value`` as whole microseconds.

    :raises TypeError: if ``value`` is not a ``timedelta``.
    """
    if not isinstance(value, timedelta):
        raise TypeError(f"{name} must be a timedelta, got {type(value).__name__}: {value!r}")
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


def from_us(us: int, zone: tzinfo) -> datetime:
    """The instant ``us`` as an aware datetime in ``zone``.

    :raises DurationOutOfRangeError: when the instant (or its local reading in
        ``zone``) falls outside years 1 to 9999.
    """
    try:
        # _US * us builds the timedelta in half the time timedelta(microseconds=us) takes.
        return (_EPOCH + _US * us).astimezone(zone)
    except OverflowError:
        raise DurationOutOfRangeError("the result falls outside the supported range (years 1 to 9999)") from None


def first_instant(zone: ZoneInfo, wall_us: int) -> int:
    """The first instant at which ``zone``'s clock reads ``wall_us`` or later.

    For an ordinary reading that is its only instant; for a reading the clock
    shows twice (fall back) the first, fold=0; for a reading a spring-forward
    gap skips, the instant the clock jumps over it (so a window whose start the
    gap skips opens when the clock resumes).
    """
    try:
        wall = _NAIVE_EPOCH + timedelta(microseconds=wall_us)
    except OverflowError:
        # Past 9999-12-31 local: use the last representable day's offset.
        wall = datetime.max
    off0 = zone.utcoffset(wall)
    off1 = zone.utcoffset(wall.replace(fold=1))
    if off0 is None or off1 is None:  # pragma: no cover - ZoneInfo always answers
        raise TypeError(f"{zone!r} gives no UTC offset")
    before = off0 // _US
    after = off1 // _US
    if before >= after:
        # Normal, or ambiguous (fold=0 carries the earlier, pre-transition offset).
        return wall_us - before
    # In a gap, fold=0 reads the wall with the pre-transition offset (an
    # instant after the jump) and fold=1 with the post one (before the jump):
    # the jump lies in (wall - after, wall - before]. Find it to the microsecond.
    lo, hi = wall_us - after, wall_us - before
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_at(zone, mid) == after:
            hi = mid
        else:
            lo = mid
    return hi


def _offset_at(zone: ZoneInfo, us: int) -> int:
    offset = (_EPOCH + timedelta(microseconds=us)).astimezone(zone).utcoffset()
    assert offset is not None
    return offset // _US
