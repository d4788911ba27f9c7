"""Warnings of a timer: which the policy's fractions and lead times it has crossed,
and when the next one falls. No I/O here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .policy import Policy

if TYPE_CHECKING:
    from ._cycle import Cycle


#: Per target: the policy's warnings as (elapsed threshold, lead before due or None
#: for a fraction, level), in the policy's order.
Thresholds = tuple[tuple[timedelta, timedelta | None, float | str | int], ...]
Marks = Callable[[timedelta], Thresholds]


def marks(policy: Policy | None) -> Marks:
    """Thresholds of the policy's warnings for a given target, computed once per target."""
    if policy is None or not policy.warnings:
        return lambda total: ()
    cache = policy._thresholds  # kept across evaluations: a policy has few distinct targets
    warnings = policy.warnings

    def thresholds(total: timedelta) -> Thresholds:
        found = cache.get(total)
        if found is None:
            rows: list[tuple[timedelta, timedelta | None, float | str | int]] = []
            for mark in warnings:
                if mark.lead is not None:
                    rows.append((total - mark.lead, mark.lead, mark.level))
                else:
                    assert mark.fraction is not None  # a mark is a lead or a fraction (policy.py)
                    rows.append((total * mark.fraction, None, mark.level))
            if len(cache) >= 512:  # eod and pinned targets vary; stay small
                cache.clear()
            found = cache[total] = tuple(rows)
        return found

    return thresholds


def warning(
    thresholds: Thresholds,
    cycle: Cycle,
    elapsed: timedelta,
    due: datetime | None,
    now: datetime,
) -> tuple[float | str | int | None, datetime | None]:
    """The highest warning crossed (as the policy wrote it) and, while the clock
    runs, when the next one falls.

    A warning counts only if its instant was reached while the timer ran. A
    fraction ``f`` falls at the earliest instant elapsed reaches ``f x target``
    (a threshold reached at a close counts from the close); a lead falls at
    ``add(due, -lead)``, the latest such instant. Of two warnings with the same
    threshold (so crossed at the same instant) the fraction is the level.
    """
    running = cycle.mode == "running"
    clock = cycle.clock
    level: float | str | int | None = None
    # The highest crossed: by threshold, then a fraction over a lead.
    best: timedelta | None = None
    best_is_fraction = False
    # The next to cross while running: by threshold, then a fraction before a lead.
    upcoming: timedelta | None = None
    upcoming_lead: timedelta | None = None
    for threshold, lead, mark_level in thresholds:
        if threshold < elapsed:
            crossed = True
        elif threshold > elapsed:
            crossed = False
        elif lead is None:
            crossed = running or cycle.reached_before_end(threshold)
        else:
            # Reached while running only once the lead's instant (perhaps the next opening) has come.
            crossed = running and due is not None and clock.before(due, lead) <= now
        if crossed:
            if best is None or threshold > best or (threshold == best and lead is None and not best_is_fraction):
                level, best, best_is_fraction = mark_level, threshold, lead is None
        elif running and due is not None:
            if (
                upcoming is None
                or threshold < upcoming
                or (threshold == upcoming and lead is None and upcoming_lead is not None)
            ):
                upcoming, upcoming_lead = threshold, lead
    next_at = None
    if upcoming is not None and due is not None:
        if upcoming_lead is None:
            next_at = clock.after(cycle.seg_at, upcoming - cycle.elapsed)
        else:
            next_at = clock.before(due, upcoming_lead)
    return level, next_at
