"""Dry runs and calendar previews: the answers, worked out by hand beside each case."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from web_helpers import AppFactory

# Wed 2026-11-25 16:30 EST = 21:30Z, the day before Thanksgiving (Thu 11-26, closed in New York).
WED_1630 = "2026-11-25T16:30:00-05:00"


def _timers(answer: dict[str, Any]) -> dict[str, tuple[str | None, str | None, str]]:
    return {t["metric"]: (t["target"], t["due_at"], t["starts"]) for t in answer["timers"]}


def test_due_for_a_high_ticket_before_thanksgiving(client: FlaskClient) -> None:
    answer = client.post("/sla/api/dry-run/due", json={"policy": "standard", "priority": "high", "at": WED_1630})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["policy"], body["version"], body["calendar"], body["timezone"], body["opened_at"]) == (
        "standard",
        1,
        "us-ny-9x5",
        "America/New_York",
        "2026-11-25T21:30:00Z",
    )
    assert _timers(body) == {
        # 16:30-17:00 = 30m; Thu closed; Fri 09:00 + 30m = 09:30 EST = 14:30Z.
        "first_response": ("1h", "2026-11-27T14:30:00Z", "at creation"),
        "next_response": ("2h", None, "on a customer reply after the first public agent reply"),
        "periodic_update": ("8h", None, "on the first public agent reply"),
        # 30m on Wed; Fri 09:00 + 7h30 = 16:30 EST = 21:30Z.
        "resolution": ("8h", "2026-11-27T21:30:00Z", "at creation"),
    }


def test_due_on_another_calendar(client: FlaskClient) -> None:
    # 24x7 (UTC): 21:30Z + 1h = 22:30Z and + 8h = Thu 05:30Z; Thanksgiving does not exist there.
    body = client.post(
        "/sla/api/dry-run/due",
        json={"policy": "standard", "priority": "high", "calendar": "24x7", "at": "2026-11-25T21:30:00Z"},
    ).get_json()
    assert (body["calendar"], body["timezone"]) == ("24x7", "UTC")
    assert _timers(body)["first_response"][1] == "2026-11-25T22:30:00Z"
    assert _timers(body)["resolution"][1] == "2026-11-26T05:30:00Z"


def test_due_defaults_to_now(client: FlaskClient) -> None:
    body = client.post("/sla/api/dry-run/due", json={"policy": "standard", "priority": "high"}).get_json()
    assert body["opened_at"].endswith("Z")
    due = {t["metric"]: t["due_at"] for t in body["timers"]}
    assert due["first_response"] is not None and due["first_response"] > body["opened_at"]


@pytest.mark.parametrize(
    ("payload", "status", "code", "field"),
    [
        pytest.param({"policy": "standrd", "priority": "high"}, 404, "policy_not_found", "policy", id="policy"),
        pytest.param({"policy": "standard", "priority": "hgh"}, 400, "invalid_request", "priority", id="priority"),
        pytest.param(
            {"policy": "standard", "priority": "high", "calendar": "mars"},
            404,
            "calendar_not_found",
            "calendar",
            id="calendar",
        ),
        # Names only: a path is never read, even one to a real calendar file.
        pytest.param(
            {"policy": "standard", "priority": "high", "calendar": "calendars/us-ny-9x5.toml"},
            404,
            "calendar_not_found",
            "calendar",
            id="calendar-path",
        ),
        pytest.param(
            {"policy": "standard", "priority": "high", "calendar": "/etc/passwd"},
            404,
            "calendar_not_found",
            "calendar",
            id="calendar-absolute-path",
        ),
        pytest.param(
            {"policy": "standard", "priority": "high", "at": "2026-11-25T16:30"},
            400,
            "invalid_request",
            "at",
            id="naive-at",
        ),
        pytest.param({"policy": "standard"}, 400, "invalid_request", "priority", id="missing"),
        pytest.param(
            {"policy": "standard", "priority": "high", "colour": "red"},
            400,
            "invalid_request",
            "colour",
            id="unknown-key",
        ),
        pytest.param({"policy": 7, "priority": "high"}, 400, "invalid_request", "policy", id="wrong-type"),
    ],
)
def test_due_refusals(client: FlaskClient, payload: dict[str, Any], status: int, code: str, field: str) -> None:
    answer = client.post("/sla/api/dry-run/due", json=payload)
    assert answer.status_code == status
    error = answer.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"].startswith(field)


def test_policy_not_yet_in_force(client: FlaskClient) -> None:
    # The example policies take effect 2026-01-01.
    answer = client.post(
        "/sla/api/dry-run/due", json={"policy": "standard", "priority": "high", "at": "2025-06-01T12:00:00Z"}
    )
    assert answer.status_code == 404
    assert "no version of policy" in answer.get_json()["error"]["message"]


CEO_PRINTER = {
    "subject": "Printer jams on every page",
    "category": "printer",
    "impact": "department",
    "urgency": "degraded",
    "requester": {"role": "ceo", "tier": "premium"},
}


def test_classify_the_ceos_printer(client: FlaskClient) -> None:
    answer = client.post("/sla/api/dry-run/classify", json={"ticket": CEO_PRINTER, "at": WED_1630})
    assert answer.status_code == 200
    body = answer.get_json()
    # department x degraded = normal; the first rule makes it urgent on the executive policy and stops.
    assert (body["priority"], body["policy"], body["calendar"], body["tags"]) == (
        "urgent",
        "executive",
        "us-ny-9x5",
        ["ceo"],
    )
    assert body["base"] == {
        "source": "impact_urgency",
        "priority": "normal",
        "impact": "department",
        "urgency": "degraded",
        "business_line": None,
        "note": None,
    }
    assert [(t["index"], t["name"], t["stopped"]) for t in body["trace"]] == [(0, "The CEO's printer", True)]
    assert {"what": "priority", "before": "normal", "after": "urgent"} in body["trace"][0]["changes"]
    assert body["explanation"].splitlines()[-1] == (
        "=> priority urgent, policy executive, calendar us-ny-9x5, tags ['ceo']"
    )
    # executive urgent: first_response 15m from Wed 16:30 EST -> 16:45 EST = 21:45Z; resolution 4h:
    # 30m Wed, Thu closed, Fri 09:00 + 3h30 = 12:30 EST = 17:30Z.
    due = {t["metric"]: t["due_at"] for t in body["due"]["timers"]}
    assert due["first_response"] == "2026-11-25T21:45:00Z"
    assert due["resolution"] == "2026-11-27T17:30:00Z"


def test_classify_shows_ticket_text_as_data(client: FlaskClient) -> None:
    hostile = "</script><img src=x onerror=alert(1)>"
    answer = client.post("/sla/api/dry-run/classify", json={"ticket": {"subject": hostile, "category": hostile}})
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_classify_without_a_matrix_is_not_configured(create_app: AppFactory) -> None:
    client = create_app({"SLA_PRIORITY_MATRIX": None}).test_client()
    answer = client.post("/sla/api/dry-run/classify", json={"ticket": {}})
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "not_configured"


def test_open_intervals_over_thanksgiving(client: FlaskClient) -> None:
    answer = client.get(
        "/sla/api/calendars/us-ny-9x5/open-intervals", query_string={"from": WED_1630, "to": "2026-11-30T15:00:00Z"}
    )
    assert answer.status_code == 200
    body = answer.get_json()
    # Wed 16:30-17:00 EST; Thu closed; Fri 09:00-17:00 EST (14:00-22:00Z); weekend closed;
    # Mon 09:00-10:00 EST (14:00-15:00Z) up to `to`.
    assert body["intervals"] == [
        ["2026-11-25T21:30:00Z", "2026-11-25T22:00:00Z"],
        ["2026-11-27T14:00:00Z", "2026-11-27T22:00:00Z"],
        ["2026-11-30T14:00:00Z", "2026-11-30T15:00:00Z"],
    ]
    assert (body["calendar"], body["timezone"], body["from"], body["to"]) == (
        "us-ny-9x5",
        "America/New_York",
        "2026-11-25T21:30:00Z",
        "2026-11-30T15:00:00Z",
    )


def test_open_intervals_default_to_two_weeks(client: FlaskClient) -> None:
    body = client.get(
        "/sla/api/calendars/24x7/open-intervals", query_string={"from": "2026-11-25T00:00:00Z"}
    ).get_json()
    # 24x7: one interval, the whole range; 14 days after 11-25 is 12-09.
    assert body["intervals"] == [["2026-11-25T00:00:00Z", "2026-12-09T00:00:00Z"]]


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        pytest.param(
            {"from": "2026-01-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"},
            400,
            "invalid_request",
            "to",
            id="over-92-days",
        ),
        pytest.param(
            {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, 400, "invalid_request", "to", id="backwards"
        ),
        pytest.param({"from": "tomorrow"}, 400, "invalid_request", "from", id="not-a-date"),
        pytest.param({"since": "2026-01-01T00:00:00Z"}, 400, "invalid_request", "since", id="unknown-parameter"),
    ],
)
def test_open_intervals_refusals(
    client: FlaskClient, query: dict[str, str], status: int, code: str, field: str
) -> None:
    answer = client.get("/sla/api/calendars/us-ny-9x5/open-intervals", query_string=query)
    assert answer.status_code == status
    assert (answer.get_json()["error"]["code"], answer.get_json()["error"]["field"]) == (code, field)


def test_open_intervals_of_an_unknown_calendar(client: FlaskClient) -> None:
    answer = client.get("/sla/api/calendars/..%2F..%2Fetc%2Fpasswd/open-intervals")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] in ("calendar_not_found", "not_found")


def test_registered_calendar_is_listed_and_usable(create_app: AppFactory) -> None:
    night = {"name": "night", "timezone": "UTC", "hours": {"mon": ["22:00-02:00"]}}
    client = create_app({"SLA_CALENDARS": {"night": night}}).test_client()
    assert "night" in client.get("/sla/api/calendars").get_json()["calendars"]
    assert "us-ny-9x5" in client.get("/sla/api/calendars").get_json()["calendars"]
    # Mon 2026-11-23 22:00 to Tue 02:00 UTC: the one window of the week.
    body = client.get(
        "/sla/api/calendars/night/open-intervals",
        query_string={"from": "2026-11-23T00:00:00Z", "to": "2026-11-25T00:00:00Z"},
    ).get_json()
    assert body["intervals"] == [["2026-11-23T22:00:00Z", "2026-11-24T02:00:00Z"]]
