"""Report routes: admin only, checked query parameters naming the field, figures
from the store worked out by hand (see report_fixtures), CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from report_fixtures import fill
from web_helpers import AppFactory

from sla_timers.web.api_reports import configure_reports

PREFIX = "/sla/api/reports"
NOV = {"from": "2026-11-01", "to": "2026-12-01", "zone": "America/New_York"}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    fill(url)
    yield url


@pytest.fixture
def app(create_app: AppFactory, database: str) -> Flask:
    return create_app({"SLA_DATABASE_URL": database})


def get(app: Flask, path: str, **query: Any) -> Any:
    return app.test_client().get(PREFIX + path, query_string=query)


def test_compliance_by_priority_from_the_store(app: Flask) -> None:
    answer = get(app, "/compliance", **NOV, group_by="priority", metric="first_response")
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["report"], body["from"], body["to"]) == ("compliance", "2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z")
    rows = {r["priority"]: r for r in body["rows"]}
    # high: T1 met, T2 breached -> 50.00; normal: T3 and O1 both met their 4h first response
    # (O1 had no reply: its solve at 12:00 stopped it at 3h, within 4h).
    assert (rows["high"]["met"], rows["high"]["breached"], rows["high"]["percent_met"]) == (1, 1, "50.00")
    assert (rows["normal"]["met"], rows["normal"]["percent_met"]) == (2, "100.00")
    assert {r["metric"] for r in body["rows"]} == {"first_response"}


def test_csv_export(app: Flask) -> None:
    answer = get(app, "/compliance", **NOV, group_by="priority", format="csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert 'filename="compliance-2026-11-01-2026-12-01.csv"' in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    got = {(r["metric"], r["priority"]): (r["total"], r["met"]) for r in rows}
    # first_response: high T1, T2; normal T3, O1. resolution: all four met.
    assert got == {
        ("first_response", "high"): ("2", "1"),
        ("first_response", "normal"): ("2", "2"),
        ("resolution", "high"): ("2", "2"),
        ("resolution", "normal"): ("2", "2"),
    }


def test_service_levels_from_the_query(app: Flask) -> None:
    answer = get(app, "/service-levels", **NOV, levels="first_response:high=50/60, 90/120")
    rows = answer.get_json()["rows"]
    goals = {r["goal"]: r for r in rows if r["priority"] == "high"}
    # High first responses took 30m (T1) and 2h (T2). Within 60 minutes: 1 of 2 = 50%, kept
    # exactly at the goal; within 120 minutes (at most): 2 of 2 = 100%, kept.
    assert (goals["50/60"]["within_count"], goals["50/60"]["counted"], goals["50/60"]["kept"]) == (1, 2, True)
    assert (goals["90/120"]["within_count"], goals["90/120"]["kept"]) == (2, True)


def test_credits_from_configured_contracts(app: Flask) -> None:
    configure_reports(
        app,
        contracts=[
            {
                "customer": "acme",
                "monthly_fee": "1000.00",
                "timezone": "America/New_York",
                "tiers": [{"measure": "compliance", "metric": "first_response", "below": 99.5, "credit": "5%"}],
                "per_breach": [{"metric": "first_response", "credit": "10.00"}],
            }
        ],
    )
    (statement,) = get(app, "/credits", **NOV).get_json()["rows"]
    # acme's first responses: 1 met, 1 breached -> 50% < 99.5%: 5% of 1000.00 = 50.00; one breach
    # at 10.00 -> 60.00, under the cap (100% of the fee).
    assert (statement["customer"], statement["earned"], statement["credit"]) == ("acme", "60.00", "60.00")


def test_availability_of_a_service_in_business_time(app: Flask) -> None:
    week = {"from": "2026-11-16", "to": "2026-11-21", "zone": "America/New_York"}
    answer = get(app, "/availability", **week, calendar="us-ny-9x5")
    (row,) = answer.get_json()["rows"]
    # Mon 11-16 to Fri 11-20: 5 x 8h = 40h scheduled (no holiday that week); 2h down, 1h the
    # customer's -> (40 - 2) / 40 = 95%.
    assert (row["service"], row["scheduled"], row["downtime"], row["customer_held"]) == ("mail", 40 * 3600, 7200, 3600)
    assert row["percent"] == "95.00"


def test_review(app: Flask) -> None:
    rows = get(app, "/review", **NOV).get_json()["rows"]
    assert {(r["metric"], r["priority"]) for r in rows} == {
        ("first_response", "high"),
        ("first_response", "normal"),
        ("resolution", "high"),
        ("resolution", "normal"),
    }


@pytest.mark.parametrize(
    ("admin", "agent"),
    [pytest.param(False, True, id="agent-is-not-enough"), pytest.param(False, False, id="nobody")],
)
def test_reports_are_for_admins_only(create_app: AppFactory, database: str, admin: bool, agent: bool) -> None:
    app = create_app({"SLA_DATABASE_URL": database}, admin=admin, agent=agent)
    for path in ("/compliance", "/service-levels", "/review", "/credits", "/availability"):
        answer = get(app, path, **NOV)
        assert answer.status_code == 403, path
        assert answer.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("path", "query", "field", "code"),
    [
        pytest.param("/compliance", {"to": "2026-12-01"}, "from", "invalid_request", id="missing-from"),
        pytest.param("/compliance", {**NOV, "from": "2026-13-01"}, "from", "invalid_request", id="bad-date"),
        pytest.param("/compliance", {**NOV, "from": "soon"}, "from", "invalid_request", id="not-a-date"),
        pytest.param(
            "/compliance",
            {**NOV, "from": "0001-01-01", "zone": "Asia/Tokyo"},
            "from",
            "invalid_request",
            id="y0",
        ),
        pytest.param("/compliance", {**NOV, "to": "2026-10-01"}, "to", "invalid_request", id="reversed"),
        pytest.param(
            "/review",
            {**NOV, "from": "0001-01-01", "to": "9999-12-31", "period": "day"},
            "to",
            "invalid_request",
            id="huge",
        ),
        pytest.param("/compliance", {**NOV, "group_by": "colour"}, "group_by[0]", "invalid_request", id="group-by"),
        pytest.param("/compliance", {**NOV, "period": "year"}, "period", "invalid_request", id="period"),
        pytest.param("/compliance", {**NOV, "zone": "Mars/Olympus"}, "zone", "unknown_timezone", id="zone"),
        pytest.param("/compliance", {**NOV, "format": "xml"}, "format", "invalid_request", id="format"),
        pytest.param("/compliance", {**NOV, "colour": "red"}, "colour", "invalid_request", id="unknown"),
        pytest.param("/service-levels", {**NOV, "levels": "first_response"}, "levels[0]", "invalid_request", id="lv"),
        pytest.param(
            "/service-levels", {**NOV, "levels": "first_response=90/abc"}, "levels", "invalid_request", id="g"
        ),
        pytest.param("/service-levels", NOV, "levels", "not_configured", id="no-levels"),
        pytest.param("/availability", NOV, "calendar", "invalid_request", id="no-calendar"),
        pytest.param("/availability", {**NOV, "calendar": "../etc/x"}, "calendar", "calendar_not_found", id="path"),
    ],
)
def test_bad_parameters_name_the_field(app: Flask, path: str, query: dict[str, str], field: str, code: str) -> None:
    answer = get(app, path, **query)
    error = answer.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field), error
    assert answer.status_code in (400, 404, 409)


def test_credits_on_availability_from_outage_tickets(app: Flask) -> None:
    configure_reports(
        app,
        contracts=[
            {
                "customer": "acme",
                "monthly_fee": "1000.00",
                "timezone": "America/New_York",
                "tiers": [{"measure": "availability", "service": "mail", "below": 99.9, "credit": "2%"}],
            }
        ],
        service_calendars={"mail": "us-ny-9x5"},
    )
    (statement,) = get(app, "/credits", **NOV).get_json()["rows"]
    # November 2026 in us-ny-9x5: 21 weekdays less Election Day (11-03), Veterans Day (11-11) and
    # Thanksgiving (11-26), New York's holidays in the holidays package = 18 x 8h = 144h. Mail was
    # down 2h of it (O1, its customer's hour apart): 142 / 144 = 98.61% < 99.9% -> 2% of 1000.00.
    assert (statement["earned"], statement["credit"]) == ("20.00", "20.00")
    (line,) = statement["lines"]
    assert (line["scheduled"], line["downtime"]) == (144 * 3600, 2 * 3600)
