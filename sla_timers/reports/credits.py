"""Service credits per customer per month from a :class:`Contract`: tiers on
compliance or availability, per-breach credits, a cap on the fee at risk, and
the lines that produced each credit. Time the ticket waited on the customer
never counts against the provider, and each statement shows it. No I/O here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from ..clock import BusinessCalendar
from ..errors import ReportError
from ..validation import aware_utc, quote, require_type
from ._rows import Row, check_range
from ._stats import ratio, ratio_percent
from .availability import availability
from .compliance import DateBy, check_date_by, dater, verdict
from .contracts import BreachCredit, Contract, Tier, cents
from .periods import Period, PeriodFinder, periods_between
from .records import OutageRecord, TimerLike, is_excused


@dataclass(frozen=True, slots=True)
class CreditLine(Row):
    """One measure of a contract in one month and the credit it produced."""

    kind: Literal["tier", "per_breach"]
    #: ``compliance of resolution (urgent)``, ``availability of email``, ``breaches of ...``.
    scope: str
    #: The measured percentage (rounded down to 0.01), or for ``per_breach`` None.
    measured: Decimal | None
    #: The ``below`` of the tier that applied, or None.
    below: Decimal | None
    #: Percent of the monthly fee (tier) or amount per breach.
    rate: Decimal | None
    amount: Decimal
    #: Compliance and breaches: cycles with a verdict, met (by the provider's
    #: time, so excused breaches included) and breaches counted against the provider.
    counted: int = 0
    met: int = 0
    breached: int = 0
    #: Breaches that the customer's wait caused (not counted against the provider).
    excused: int = 0
    #: Business time the tickets waited on the customer (excluded from the provider's time).
    customer_wait: timedelta = timedelta(0)
    #: Availability: the business time scheduled and down (less customer-held time).
    scheduled: timedelta | None = None
    downtime: timedelta | None = None
    #: The tickets of the breaches counted against the provider.
    tickets: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True, slots=True)
class CreditStatement(Row):
    """A customer's credits for one month."""

    customer: str
    month: Period
    currency: str
    monthly_fee: Decimal
    fee_at_risk: Decimal
    cap_amount: Decimal
    #: Sum of the lines' amounts.
    earned: Decimal
    #: ``earned`` cut to ``cap_amount``.
    credit: Decimal
    capped: bool
    #: Business time the customer's cycles of the month waited on the customer.
    customer_wait: timedelta
    lines: tuple[CreditLine, ...]


class _Scope:
    __slots__ = ("breached", "customer_wait", "excused", "met", "tickets")

    def __init__(self) -> None:
        self.met = self.breached = self.excused = 0
        self.customer_wait = timedelta(0)
        self.tickets: list[str] = []

    def add(self, record: TimerLike) -> None:
        outcome = verdict(record)
        self.customer_wait += record.customer_wait
        if outcome == "met":
            self.met += 1
        elif outcome == "breached":
            if is_excused(record):
                self.excused += 1
            else:
                self.breached += 1
                self.tickets.append(record.ticket_id)


def service_credits(
    contracts: Iterable[Contract],
    timers: Iterable[TimerLike],
    *,
    start: datetime,
    end: datetime,
    outages: Iterable[OutageRecord] = (),
    calendars: Mapping[str, BusinessCalendar] | BusinessCalendar | None = None,
    date_by: DateBy = "end",
) -> list[CreditStatement]:
    """A statement per contract per calendar month overlapping ``[start, end)``
    (months in the contract's zone, UTC by default), reading ``timers`` once.

    A timer belongs to the contract whose ``customer`` is its ``organisation``,
    and to the month of its stop (see ``date_by``). Compliance is
    ``(met + excused) / (met + breached)`` over cycles with a verdict, where an
    excused breach is one within target once the customer's wait is taken off
    (:func:`~sla_timers.reports.records.is_excused`). Availability comes from ``outages`` in
    each service's calendar (``calendars``), as :func:`availability` measures it.
    Amounts are Decimal, rounded to the cent per line; the total is cut to the cap.

    :raises ReportError: for two contracts of one customer, an availability tier
        whose service has no calendar, a bad range.
    """
    start_utc, end_utc = check_range(aware_utc(start, "start"), aware_utc(end, "end"))
    assert start_utc is not None and end_utc is not None
    date_of = dater(check_date_by(date_by))
    by_customer: dict[str, Contract] = {}
    for i, given in enumerate(contracts):
        require_type(given, Contract, f"contracts[{i}]")
        if given.customer in by_customer:
            raise ReportError(
                f"contracts[{i}].customer: a second contract for {quote(given.customer)}",
                field=f"contracts[{i}].customer",
            )
        by_customer[given.customer] = given
    # Per customer: its month finder and, per metric, the rules that read it.
    finders = {name: PeriodFinder("month", c.timezone or UTC) for name, c in by_customer.items()}
    rules_of: dict[str, dict[str, list[Tier | BreachCredit]]] = {}
    for name, c in by_customer.items():
        every: tuple[Tier | BreachCredit, ...] = (*c.tiers, *c.per_breach)
        for rule in every:
            if rule.metric is not None:
                rules_of.setdefault(name, {}).setdefault(rule.metric, []).append(rule)
    # (customer, month label) -> scope -> tally; and the customer's wait per month.
    scopes: dict[tuple[str, str], dict[Tier | BreachCredit, _Scope]] = {}
    waits: dict[tuple[str, str], timedelta] = {}
    for record in timers:
        customer = record.organisation
        find = finders.get(customer) if customer is not None else None
        if find is None or customer is None:
            continue
        at = date_of(record)
        if not start_utc <= at < end_utc:
            continue
        slot = (customer, find(at).label)
        wait = record.customer_wait
        if wait:
            waits[slot] = waits.get(slot, timedelta(0)) + wait
        tallies = scopes.get(slot)
        if tallies is None:
            tallies = scopes[slot] = {}
        for rule in rules_of.get(customer, {}).get(record.metric, ()):
            if rule.priority is None or rule.priority == record.priority:
                tally = tallies.get(rule)
                if tally is None:
                    tally = tallies[rule] = _Scope()
                tally.add(record)
    outage_list = list(outages)
    statements = []
    for customer in sorted(by_customer):
        contract = by_customer[customer]
        for month in periods_between(start_utc, end_utc, "month", contract.timezone or UTC):
            slot = (customer, month.label)
            lines = _tier_lines(contract, month, scopes.get(slot, {}), outage_list, calendars)
            lines += _breach_lines(contract, scopes.get(slot, {}))
            earned = sum((line.amount for line in lines), Decimal("0.00"))
            cap = contract.cap_amount
            statements.append(
                CreditStatement(
                    customer=customer,
                    month=month,
                    currency=contract.currency,
                    monthly_fee=contract.monthly_fee,
                    fee_at_risk=contract.fee_at_risk,
                    cap_amount=cap,
                    earned=earned,
                    credit=min(earned, cap),
                    capped=earned > cap,
                    customer_wait=waits.get(slot, timedelta(0)),
                    lines=tuple(lines),
                )
            )
    return statements


def _tier_lines(
    contract: Contract,
    month: Period,
    tallies: Mapping[Tier | BreachCredit, _Scope],
    outages: list[OutageRecord],
    calendars: Mapping[str, BusinessCalendar] | BusinessCalendar | None,
) -> list[CreditLine]:
    ladders: dict[tuple[str, str | None, str | None, str | None], list[Tier]] = {}
    for each in contract.tiers:
        ladders.setdefault((each.measure, each.service, each.metric, each.priority), []).append(each)
    lines = []
    for ladder in ladders.values():
        first = ladder[0]
        scheduled = downtime = None
        counted = met = breached = excused = 0
        wait = timedelta(0)
        tickets: tuple[str, ...] = ()
        if first.measure == "availability":
            assert first.service is not None
            if calendars is None:
                raise ReportError(f"calendars: needed for {first.scope}", field="calendars")
            (row,) = availability(
                [o for o in outages if o.service == first.service],
                calendars=calendars,
                start=month.start_at,
                end=month.end_at,
                services=[first.service],
            )
            share = row.share
            scheduled, downtime, wait = row.scheduled, row.downtime, row.customer_held
        else:
            # Every tier of the ladder matches the same records: read the first's tally.
            tally = tallies.get(first) or _Scope()
            met, breached, excused, wait = tally.met, tally.breached, tally.excused, tally.customer_wait
            counted = met + breached + excused
            share = ratio(met + excused, counted)
            tickets = tuple(tally.tickets)
            met += excused
        reached = [t for t in ladder if share is not None and share * 100 < Fraction(t.below)]
        tier = min(reached, key=lambda t: t.below) if reached else None
        amount = cents(contract.monthly_fee * tier.credit / 100) if tier is not None else Decimal("0.00")
        measured = ratio_percent(share)
        text = f"{first.scope}: {measured if measured is not None else 'nothing measured'}%" + (
            f" is below {tier.below}%: {tier.credit}% of the monthly fee" if tier is not None else ""
        )
        lines.append(
            CreditLine(
                kind="tier",
                scope=first.scope,
                measured=measured,
                below=tier.below if tier else None,
                rate=tier.credit if tier else None,
                amount=amount,
                counted=counted,
                met=met,
                breached=breached,
                excused=excused,
                customer_wait=wait,
                scheduled=scheduled,
                downtime=downtime,
                tickets=tickets,
                text=text,
            )
        )
    return lines


def _breach_lines(contract: Contract, tallies: Mapping[Tier | BreachCredit, _Scope]) -> list[CreditLine]:
    lines = []
    for rule in contract.per_breach:
        tally = tallies.get(rule) or _Scope()
        amount = cents(rule.amount * tally.breached)
        lines.append(
            CreditLine(
                kind="per_breach",
                scope=rule.scope,
                measured=None,
                below=None,
                rate=rule.amount,
                amount=amount,
                counted=tally.met + tally.breached + tally.excused,
                met=tally.met + tally.excused,
                breached=tally.breached,
                excused=tally.excused,
                customer_wait=tally.customer_wait,
                tickets=tuple(tally.tickets),
                text=f"{rule.scope}: {tally.breached} x {rule.amount} = {amount}"
                + (f" ({tally.excused} excused: the customer's wait)" if tally.excused else ""),
            )
        )
    return lines
