"""When a zone changes its clock: the recorded changes, and probing past them. No I/O here
beyond what ``zoneinfo`` itself reads for a zone."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ._timeline import DAY_US

__all__ = ["offset_at", "probe_changes", "recorded_changes"]

_EPOCH_1970_US = (date(1970, 1, 1).toordinal() - 1) * DAY_US
_LAST_ORDINAL = date.max.toordinal()
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def offset_at(zone: ZoneInfo, us: int) -> int:
    off = (_EPOCH + timedelta(microseconds=us)).astimezone(zone).utcoffset()
    assert off is not None
    return off // _US


def probe_changes(zone: ZoneInfo, lo: int, hi: int) -> list[int]:
    """Instants in ``[lo, hi]`` where ``zone``'s offset changes, probing week by week.

    Used past the zone's recorded changes, where one yearly rule applies and
    its changes are months apart; each is then found to the microsecond.
    """
    # A day inside the supported range at both ends, so every probe has a local reading.
    lo = max(lo, DAY_US)
    hi = min(hi, (_LAST_ORDINAL - 1) * DAY_US)
    found: list[int] = []
    if hi <= lo:
        return found
    prev_t, prev = lo, offset_at(zone, lo)
    t = lo
    while t < hi:
        t = min(hi, t + 7 * DAY_US)
        off = offset_at(zone, t)
        if off != prev:
            a, b = prev_t, t  # offset(a) == prev != offset(b): the change is in (a, b]
            while b - a > 1:
                mid = (a + b) // 2
                if offset_at(zone, mid) == prev:
                    a = mid
                else:
                    b = mid
            found.append(b)
            prev = offset_at(zone, b)
        prev_t = t
    return found


def recorded_changes(zone: ZoneInfo) -> list[int] | None:
    """The zone's recorded clock changes as instants, from the same data ``zoneinfo`` reads.

    ``zoneinfo``'s pure-Python implementation keeps them (``_trans_utc``,
    seconds since 1970); the C one does not show them. None when they cannot
    be read: the ledger then probes the zone for every year instead.
    """
    try:
        pure_module = importlib.import_module("zoneinfo._zoneinfo")
        pure = pure_module.ZoneInfo.no_cache(zone.key)
        seconds = list(pure._trans_utc)
    except (ImportError, AttributeError, OSError, ValueError, TypeError, LookupError):
        return None
    return [s * 1_000_000 + _EPOCH_1970_US for s in seconds]
