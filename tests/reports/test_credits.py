"""Service credits: tiers at their exact boundaries, per-breach credits, the cap, the
customer's wait excluded and shown, and the contract schema."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from report_helpers import HOUR, MIN, ny, record, utc

from sla_timers import BusinessCalendar
from sla_timers.errors import ReportError, UnknownTimezoneError
from sla_timers.reports import Contract, OutageRecord, service_credits

CONTRACT = {
    "customer": "acme",
    "monthly_fee": "10000.00",
    "currency": "EUR",
    "at_risk": "20%",
    "cap": "50%",
    "timezone": "America/New_York",
    "tiers": [
        {"measure": "compliance", "metric": "resolution", "below": 99.5, "credit": "5%"},
        {"measure": "compliance", "metric": "resolution", "below": 99, "credit": "10%"},
        {"measure": "availability", "service": "email", "below": "99.9", "credit": 2},
    ],
    "per_breach": [{"metric": "first_response", "priority": "urgent", "credit": "150.00"}],
}
ALWAYS = BusinessCalendar.from_dict(
    {
        "name": "24x7",
        "timezone": "UTC",
        "hours": {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    }
)
NOV = {"start": ny(2026, 11, 1), "end": ny(2026, 12, 1), "calendars": {"email": ALWAYS}}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.from_dict(CONTRACT)


def _resolutions(met: int, breached: int, org: str = "acme") -> list:
    at = ny(2026, 11, 10, 12)
    return [
        record(f"m{i}", "resolution", elapsed=HOUR, target=8 * HOUR, stopped_at=at, organisation=org)
        for i in range(met)
    ] + [
        record(f"b{i}", "resolution", "breached", elapsed=9 * HOUR, target=8 * HOUR, stopped_at=at, organisation=org)
        for i in range(breached)
    ]


def test_fee_at_risk_and_cap(contract: Contract) -> None:
    # 20% of 10000.00 is at risk = 2000.00; credits stop at 50% of that = 1000.00.
    assert (contract.fee_at_risk, contract.cap_amount) == (Decimal("2000.00"), Decimal("1000.00"))


@pytest.mark.parametrize(
    ("met", "breached", "measured", "below", "amount"),
    [
        (199, 1, "99.50", None, "0.00"),  # 199/200 = 99.5% exactly: not below 99.5, no credit
        (198, 2, "99.00", "99.5", "500.00"),  # 99.0% exactly: below 99.5 but not below 99 -> 5% of 10000
        (197, 3, "98.50", "99", "1000.00"),  # 98.5%: the deeper tier alone -> 10%, not 5% + 10%
        (0, 0, None, None, "0.00"),  # nothing measured: no credit
    ],
    ids=["at-99.5", "at-99", "below-99", "empty"],
)
def test_compliance_tiers_at_their_boundaries(
    contract: Contract, met: int, breached: int, measured: str | None, below: str | None, amount: str
) -> None:
    (statement,) = service_credits([contract], _resolutions(met, breached), **NOV)
    line = statement.lines[0]
    assert line.scope == "compliance of resolution"
    assert line.measured == (None if measured is None else Decimal(measured))
    assert line.below == (None if below is None else Decimal(below))
    assert line.amount == Decimal(amount)
    assert (line.counted, line.met, line.breached) == (met + breached, met, breached)
    assert len(line.tickets) == breached


def test_availability_boundary_in_a_month_with_a_fall_back_night(contract: Contract) -> None:
    # November in New York runs 2026-11-01 04:00Z to 12-01 05:00Z: 30 days + the repeated hour = 721h.
    # 99.9% of 721h leaves 0.1% = 0.721h = 2595.6 s of downtime: exactly that keeps 99.9%, no credit.
    allowed = timedelta(seconds=2595, microseconds=600_000)
    at = utc(2026, 11, 10)
    (statement,) = service_credits([contract], [], outages=[OutageRecord("email", at, at + allowed)], **NOV)
    line = statement.lines[1]
    assert line.scope == "availability of email"
    assert (line.scheduled, line.downtime, line.measured, line.amount) == (
        721 * HOUR,
        allowed,
        Decimal("99.90"),
        Decimal("0.00"),
    )
    # One microsecond more is below 99.9%: 2% of 10000.00 = 200.00. (The figure shown is rounded
    # down to 99.89, never up to a 99.90 that would not explain the credit.)
    more = allowed + timedelta(microseconds=1)
    (statement,) = service_credits([contract], [], outages=[OutageRecord("email", at, at + more)], **NOV)
    assert (statement.lines[1].measured, statement.lines[1].amount) == (Decimal("99.89"), Decimal("200.00"))


def test_per_breach_credit_excludes_the_customers_wait_and_shows_it(contract: Contract) -> None:
    urgent = {"priority": "urgent", "organisation": "acme", "stopped_at": ny(2026, 11, 3, 12)}
    timers = [
        record("u1", status="breached", elapsed=70 * MIN, **urgent),
        record("u2", status="breached", elapsed=2 * HOUR, **urgent),
        # 90m elapsed, 40m of it waiting on the customer (first_response does not pause):
        # the provider's time is 50m <= the 1h target, so this breach is excused.
        record("u3", status="breached", elapsed=90 * MIN, customer_wait=40 * MIN, **urgent),
        record("u4", elapsed=20 * MIN, **urgent),
        # Not urgent, another customer, another month: none of them count.
        record("h1", status="breached", elapsed=2 * HOUR, priority="high", organisation="acme"),
        record("z1", status="breached", elapsed=2 * HOUR, priority="urgent", organisation="zeta"),
        record(
            "d1",
            status="breached",
            elapsed=2 * HOUR,
            priority="urgent",
            organisation="acme",
            stopped_at=ny(2026, 12, 2),
        ),
    ]
    (statement,) = service_credits([contract], timers, **NOV)
    line = statement.lines[-1]
    # 2 breaches against the provider x 150.00 = 300.00.
    assert (line.kind, line.breached, line.excused, line.amount) == ("per_breach", 2, 1, Decimal("300.00"))
    assert line.tickets == ("u1", "u2")
    assert line.customer_wait == 40 * MIN
    assert "1 excused" in line.text
    # The statement shows the customer's wait over all of acme's November cycles: 40m.
    assert statement.customer_wait == 40 * MIN


def test_the_cap_cuts_the_total(contract: Contract) -> None:
    timers = _resolutions(197, 3)  # 10% tier: 1000.00
    urgent = {"priority": "urgent", "organisation": "acme", "stopped_at": ny(2026, 11, 3, 12)}
    timers += [
        record("u1", status="breached", elapsed=2 * HOUR, **urgent),
        record("u2", status="breached", elapsed=2 * HOUR, **urgent),
    ]  # 2 x 150.00 = 300.00
    outage = OutageRecord("email", utc(2026, 11, 10), utc(2026, 11, 10, 2))  # 2h of 721h: 99.72% -> 200.00
    (statement,) = service_credits([contract], timers, outages=[outage], **NOV)
    assert [line.amount for line in statement.lines] == [Decimal("1000.00"), Decimal("200.00"), Decimal("300.00")]
    # 1000 + 200 + 300 = 1500.00 earned, cut to the cap of 1000.00.
    assert (statement.earned, statement.credit, statement.capped) == (Decimal("1500.00"), Decimal("1000.00"), True)
    assert statement.to_dict()["credit"] == "1000.00"
    assert statement.to_dict()["lines"][0]["scope"] == "compliance of resolution"


def test_months_are_the_contracts_and_every_month_gets_a_statement(contract: Contract) -> None:
    # Solved 2026-11-30 20:00 New York = 12-01 01:00Z: November's, in the contract's zone.
    late = record(
        "late",
        "resolution",
        "breached",
        elapsed=9 * HOUR,
        target=8 * HOUR,
        stopped_at=ny(2026, 11, 30, 20),
        organisation="acme",
    )
    statements = service_credits([contract], [late], start=ny(2026, 10, 1), end=ny(2027, 1, 1), calendars=ALWAYS)
    assert [(s.month.label, s.lines[0].breached) for s in statements] == [
        ("2026-10", 0),
        ("2026-11", 1),
        ("2026-12", 0),
    ]


def test_the_toml_form_is_the_same(contract: Contract) -> None:
    text = """
customer = "acme"
monthly_fee = "10000.00"
currency = "EUR"
at_risk = "20%"
cap = "50%"
timezone = "America/New_York"

[[tiers]]
measure = "compliance"
metric = "resolution"
below = 99.5
credit = "5%"

[[tiers]]
measure = "compliance"
metric = "resolution"
below = 99
credit = "10%"

[[tiers]]
measure = "availability"
service = "email"
below = "99.9"
credit = 2

[[per_breach]]
metric = "first_response"
priority = "urgent"
credit = "150.00"
"""
    assert Contract.from_toml(text) == contract


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"monthly_fee": 10000.1}, "monthly_fee", "as text"),
        ({"monthly_fee": "-5"}, "monthly_fee", "zero or more"),
        ({"monthly_fee": "ten"}, "monthly_fee", "not an amount"),
        ({"cap": "150%"}, "cap", "out of range"),
        ({"customer": ""}, "customer", "must not be empty"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not a known IANA zone"),
        ({"credits": []}, "credits", 'unknown key "credits"'),
        ({"tiers": [{"measure": "availability", "below": 99, "credit": 5}]}, "tiers[0].service", "is required"),
        (
            {"tiers": [{"measure": "availability", "service": "e", "metric": "m", "below": 99, "credit": 5}]},
            "tiers[0].metric",
            "names a service",
        ),
        ({"tiers": [{"measure": "compliance", "below": 99, "credit": 5}]}, "tiers[0].metric", "is required"),
        (
            {"tiers": [{"measure": "uptime", "service": "e", "below": 99, "credit": 5}]},
            "tiers[0].measure",
            "not a measure",
        ),
        (
            {
                "tiers": [
                    {"measure": "compliance", "metric": "m", "below": 99, "credit": 5},
                    {"measure": "compliance", "metric": "m", "below": 99, "credit": 9},
                ]
            },
            "tiers[1]",
            "a second tier",
        ),
        (
            {"tiers": [{"measure": "compliance", "metric": "m", "below": 99, "credit": 5, "bellow": 1}]},
            "tiers[0].bellow",
            'did you mean "below"',
        ),
        ({"per_breach": [{"metric": "m", "credit": 1.5}]}, "per_breach[0].credit", "as text"),
        ({"per_breach": [{"metric": "m"}]}, "per_breach[0].credit", "is required"),
    ],
    ids=[
        "float-fee",
        "negative-fee",
        "word-fee",
        "cap-over-100",
        "empty-customer",
        "zone",
        "unknown-key",
        "availability-without-service",
        "availability-with-metric",
        "compliance-without-metric",
        "measure",
        "duplicate-tier",
        "tier-typo",
        "float-credit",
        "breach-without-credit",
    ],
)
def test_bad_contracts_name_the_field(change: dict, field: str, words: str) -> None:
    data = {"customer": "acme", "monthly_fee": "100.00"} | change
    # ReportError (invalid_report), or for the zone UnknownTimezoneError (unknown_timezone) as everywhere.
    with pytest.raises((ReportError, UnknownTimezoneError)) as caught:
        Contract.from_dict(data)
    assert caught.value.field == field, caught.value
    assert words in str(caught.value)


def test_two_contracts_for_one_customer_are_refused(contract: Contract) -> None:
    with pytest.raises(ReportError) as caught:
        service_credits([contract, contract], [], **NOV)
    assert caught.value.field == "contracts[1].customer"


def test_an_availability_tier_needs_calendars(contract: Contract) -> None:
    with pytest.raises(ReportError) as caught:
        service_credits([contract], [], start=ny(2026, 11, 1), end=ny(2026, 12, 1))
    assert caught.value.field == "calendars"
