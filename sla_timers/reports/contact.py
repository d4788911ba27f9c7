"""Contact-centre figures: average speed of answer (first response, in
business time) and abandonment (tickets closed by the requester, or left to
close, before any agent reply, as a share of tickets). No I/O here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from ._rows import Grouping, Key, Row, key_order
from ._stats import DurationStats, percent
from .periods import Period, PeriodKind
from .records import TicketRecord


@dataclass(frozen=True, slots=True)
class ContactRow(Row):
    """Contact-centre figures of one group of tickets (dated by creation)."""

    keys: Mapping[str, Period | str | None]
    tickets: int
    #: Tickets whose first response was met by an answer.
    answered: int
    #: Mean business time to the first answer over answered tickets, to the microsecond.
    average_speed_of_answer: timedelta | None
    abandoned: int
    #: ``100 * abandoned / tickets``, rounded down to 0.01.
    abandonment_percent: Decimal | None
    #: Sums over the group's tickets of their measures, in business time: the
    #: requester waiting on the team, the team waiting on the customer, work
    #: time, and solved time (its own bucket: a reopened ticket's solved spell
    #: is neither side's wait).
    requester_wait: timedelta = timedelta(0)
    customer_wait: timedelta = timedelta(0)
    work_time: timedelta = timedelta(0)
    solved_time: timedelta = timedelta(0)


def _created_at(ticket: TicketRecord) -> datetime:
    return ticket.created_at


def contact_figures(
    tickets: Iterable[TicketRecord],
    *,
    group_by: Sequence[str] = (),
    period: PeriodKind | None = None,
    zone: tzinfo | str = "UTC",
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[ContactRow]:
    """Average speed of answer and abandonment per group of tickets created in
    ``[start, end)``, reading ``tickets`` once; grouping as
    :func:`~sla_timers.reports.compliance`.

    :raises ReportError: for a bad ``group_by``, ``period`` or range.
    """
    grouping = Grouping(group_by, period, zone, start, end)
    key_of = grouping.keyer(_created_at)
    tallies: dict[Key, tuple[DurationStats, list[int], list[timedelta]]] = {}
    for ticket in tickets:
        key = key_of(ticket)
        if key is None:
            continue
        tally = tallies.get(key)
        if tally is None:
            # answers; tickets, abandoned; the four measures
            tally = tallies[key] = (DurationStats(), [0, 0], [timedelta(0)] * 4)
        tally[1][0] += 1
        if ticket.speed_of_answer is not None:
            tally[0].add(ticket.speed_of_answer)
        if ticket.is_abandoned:
            tally[1][1] += 1
        sums = tally[2]
        sums[0] += ticket.requester_wait
        sums[1] += ticket.customer_wait
        sums[2] += ticket.work_time
        sums[3] += ticket.solved_time
    return [
        ContactRow(
            keys=grouping.labelled(key),
            tickets=count,
            answered=answers.count,
            average_speed_of_answer=answers.mean(),
            abandoned=abandoned,
            abandonment_percent=percent(abandoned, count),
            requester_wait=sums[0],
            customer_wait=sums[1],
            work_time=sums[2],
            solved_time=sums[3],
        )
        for key, (answers, (count, abandoned), sums) in sorted(tallies.items(), key=lambda item: key_order(item[0]))
    ]
