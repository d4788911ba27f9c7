"""Running aggregates for reports: counts, sums and quantiles of durations in
bounded memory, and percentages that compare exactly. No I/O here."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

#: Up to this many durations per group, quantiles are exact (the values are kept
#: and sorted). Past it the group switches to a log-bucket sketch whose answers
#: are within :data:`SKETCH_ACCURACY` of the true value, so a group of millions
#: of timers costs a few thousand counters, not millions of values.
EXACT_LIMIT = 10_000

#: Relative accuracy of a quantile once a group passes :data:`EXACT_LIMIT`: the
#: answer is within 0.5% of the exact one (10h reads between 9h57m and 10h03m).
SKETCH_ACCURACY = 0.005

_GAMMA = (1 + SKETCH_ACCURACY) / (1 - SKETCH_ACCURACY)
_LOG_GAMMA = math.log(_GAMMA)
_US = timedelta(microseconds=1)
_ZERO = timedelta(0)


def to_us(value: timedelta) -> int:
    """``value`` as whole microseconds."""
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


class DurationStats:
    """Count, sum, mean and nearest-rank quantiles of durations, fed one at a time.

    Quantiles use the nearest-rank method: the ``q`` quantile of ``n`` values is
    the smallest value with at least ``q * n`` of the values at or below it, so
    it is always one of the values, and the 90% quantile is exactly the smallest
    target that 90% of them would have met. The median is the 50% quantile (for
    an even count, the lower of the two middle values).

    Exact while :attr:`count` <= :data:`EXACT_LIMIT`, then approximate within
    :data:`SKETCH_ACCURACY` (see :attr:`is_exact`). Negative durations count as zero.
    """

    __slots__ = ("_buckets", "_total", "_values", "_zeros", "count")

    def __init__(self) -> None:
        #: How many durations were added.
        self.count = 0
        self._total = _ZERO
        # Exact values as given (timedelta adds and sorts faster than a conversion
        # to microseconds would cost); None once the group passed EXACT_LIMIT.
        self._values: list[timedelta] | None = []
        self._zeros = 0
        self._buckets: dict[int, int] = {}

    @property
    def is_exact(self) -> bool:
        """True while quantiles are exact (the group is small enough to keep every value)."""
        return self._values is not None

    @property
    def total(self) -> timedelta:
        """The sum of the durations (exact in every case)."""
        return self._total

    def add(self, value: timedelta) -> None:
        """Count one duration."""
        value = max(value, _ZERO)
        self.count += 1
        self._total += value
        values = self._values
        if values is None:
            self._bucket(value)
            return
        values.append(value)
        if len(values) > EXACT_LIMIT:
            self._values = None
            for kept in values:
                self._bucket(kept)

    def merge(self, other: DurationStats) -> None:
        """Add every duration ``other`` counted (``other`` is left as it was)."""
        self.count += other.count
        self._total += other._total
        if (
            self._values is not None
            and other._values is not None
            and len(self._values) + len(other._values) <= EXACT_LIMIT
        ):
            self._values.extend(other._values)
            return
        if self._values is not None:
            values, self._values = self._values, None
            for kept in values:
                self._bucket(kept)
        if other._values is not None:
            for kept in other._values:
                self._bucket(kept)
        else:
            self._zeros += other._zeros
            for index, count in other._buckets.items():
                self._buckets[index] = self._buckets.get(index, 0) + count

    def _bucket(self, value: timedelta) -> None:
        us = to_us(value)
        if us == 0:
            self._zeros += 1
            return
        index = math.ceil(math.log(us) / _LOG_GAMMA)
        self._buckets[index] = self._buckets.get(index, 0) + 1

    def mean(self) -> timedelta | None:
        """The mean, to the microsecond (rounded half to even); None when empty."""
        if not self.count:
            return None
        return timedelta(microseconds=round(Fraction(to_us(self._total), self.count)))

    def quantile(self, q: Fraction | Decimal | int) -> timedelta | None:
        """The nearest-rank ``q`` quantile (``0 < q <= 1``); None when empty."""
        if not self.count:
            return None
        rank = max(1, math.ceil(Fraction(q) * self.count))
        if self._values is not None:
            self._values.sort()
            return self._values[rank - 1]
        seen = self._zeros
        if seen >= rank:
            return timedelta(0)
        for index in sorted(self._buckets):
            seen += self._buckets[index]
            if seen >= rank:
                # The bucket holds (gamma^(i-1), gamma^i]; this point is within
                # SKETCH_ACCURACY of every value in it.
                return timedelta(microseconds=round(2 * _GAMMA**index / (_GAMMA + 1)))
        raise AssertionError("bucket counts do not add up")  # pragma: no cover


def percent(part: int, whole: int) -> Decimal | None:
    """``100 * part / whole`` rounded down to 0.01, or None when ``whole`` is 0.

    Rounded down so that a figure shown never reads as reaching a threshold it
    missed (99.499% shows as 99.49, never 99.50). Comparisons with thresholds
    use :func:`ratio`, which is exact.
    """
    return ratio_percent(Fraction(part, whole)) if whole else None


def ratio_percent(value: Fraction | None) -> Decimal | None:
    """An exact share (0..1) as a percentage rounded down to 0.01 (see :func:`percent`)."""
    if value is None:
        return None
    # Floor in exact arithmetic: Decimal division would round at 28 digits first.
    return Decimal(math.floor(value * 10_000)).scaleb(-2)


def ratio(part: int | timedelta, whole: int | timedelta) -> Fraction | None:
    """The exact share ``part / whole``, or None when ``whole`` is zero."""
    p = to_us(part) if isinstance(part, timedelta) else part
    w = to_us(whole) if isinstance(whole, timedelta) else whole
    return Fraction(p, w) if w else None
