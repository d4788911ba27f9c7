"""The calendar page: the month grid, adding a closed day or closure, the impact on open
tickets before saving, the due-date preview, refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from conftest import NOW, token
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sla_timers.store.models import AuditRow, CalendarRow
from sla_timers.store.store import Store

PAGE = "/sla/admin/calendars/us-ny-9x5"


def stored(store: Store) -> list[Any]:
    with store.engine.connect() as connection:
        return list(connection.execute(select(CalendarRow).order_by(CalendarRow.version)).all())


def audit_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AuditRow)).scalar_one())


def open_sales_ticket(store: Store) -> None:
    # Created Tue 2026-12-01 10:00 EST on the sales policy (business line sales), priority
    # normal: first response 2h -> 12:00 Tue; resolution eod+1 -> Wed 12-02 17:00 EST, which
    # is 7h (Tue) + 8h (Wed) = 15h of business time from the start.
    store.record(
        {"T-1": [{"kind": "created", "at": NOW.isoformat(), "id": "c1", "status": "new", "priority": "normal"}]},
        inputs={"T-1": {"fields": {"business_line": "sales"}}},
    )


def due(store: Store, metric: str) -> datetime:
    [row] = [t for t in store.timers("T-1") if t["metric"] == metric]
    return row["due_at"].astimezone(UTC)


def test_the_year_grid_names_public_holidays(client: FlaskClient) -> None:
    page = client.get(f"{PAGE}?year=2026").text
    # 2026-11-26 is Thanksgiving (US); the 26th in the November grid is a named holiday.
    assert 'class="day holiday" title="Thanksgiving' in page
    assert "<caption>November 2026</caption>" in page
    # Saturdays and Sundays have no hours in us-ny-9x5.
    assert 'class="day closed" title="no hours"' in page


def test_the_due_date_preview_skips_thanksgiving(client: FlaskClient) -> None:
    # Wed 2026-11-25 16:30 + 4h: 30m to the 17:00 close, Thu 11-26 is Thanksgiving,
    # the remaining 3h30m run Fri 09:00 -> 12:30 EST.
    page = client.get(f"{PAGE}?from=2026-11-25T16:30&in=4h").text
    assert '<strong id="due-result">Fri 2026-11-27 12:30 EST</strong>' in page


def test_a_bad_duration_in_the_preview_is_reported(client: FlaskClient) -> None:
    page = client.get(f"{PAGE}?in=4 hours")
    assert page.status_code == 200
    assert "in: " in page.text and 'class="field-error"' in page.text


def test_previewing_a_holiday_counts_the_timers_it_moves_and_saves_nothing(client: FlaskClient, store: Store) -> None:
    open_sales_ticket(store)
    before = audit_count(store)
    form = {"csrf_token": token(client, PAGE), "add_date": "2026-12-02", "do": "impact"}
    page = client.post(f"{PAGE}/add", data=form)
    assert page.status_code == 200
    # First response is due Tue 12:00, before the holiday: unmoved. Resolution keeps its
    # 15h: Tue 10:00-17:00 (7h), Wed closed, Thu 09:00-17:00 (8h) -> Thu 17:00, one day later.
    assert "<strong>1</strong> of 2 running timers on this calendar would move" in page.text
    assert "1 later, 0 earlier; by 1d on average" in page.text
    assert stored(store) == [] and audit_count(store) == before


def test_saving_a_holiday_moves_the_open_tickets_due_date(client: FlaskClient, store: Store) -> None:
    open_sales_ticket(store)
    # Wed 2026-12-02 17:00 EST = 22:00 UTC.
    assert due(store, "resolution") == datetime(2026, 12, 2, 22, tzinfo=UTC)
    form = {"csrf_token": token(client, PAGE), "add_date": "2026-12-02", "do": "save"}
    assert client.post(f"{PAGE}/add", data=form).status_code == 302
    [row] = stored(store)
    assert row.definition["holidays"]["dates"] == ["2026-12-02"]
    # Thu 2026-12-03 17:00 EST = 22:00 UTC.
    assert due(store, "resolution") == datetime(2026, 12, 3, 22, tzinfo=UTC)
    assert due(store, "first_response") == datetime(2026, 12, 1, 17, tzinfo=UTC)  # 12:00 EST


def test_a_partial_closure_is_added_with_its_times(client: FlaskClient, store: Store) -> None:
    form = {
        "csrf_token": token(client, PAGE),
        "add_date": "2026-12-31",
        "add_from": "13:00",
        "add_to": "17:00",
        "do": "save",
    }
    assert client.post(f"{PAGE}/add", data=form).status_code == 302
    assert stored(store)[0].definition["closures"] == [{"date": "2026-12-31", "from": "13:00", "to": "17:00"}]
    assert 'class="day closure" title="closed 13:00-17:00"' in client.get(f"{PAGE}?year=2026").text


def test_a_closure_ending_before_it_starts_is_refused_at_the_add_fields(client: FlaskClient, store: Store) -> None:
    before = audit_count(store)
    form = {"csrf_token": token(client, PAGE), "add_date": "2026-12-31", "add_from": "17:00", "add_to": "13:00"}
    refused = client.post(f"{PAGE}/add", data={**form, "do": "save"})
    assert refused.status_code == 422
    field = refused.text.index('name="add_to"')
    assert 'class="field-error"' in refused.text[field : field + 400]
    assert stored(store) == [] and audit_count(store) == before


def week_form(client: FlaskClient, **changes: str) -> dict[str, str]:
    data = {"csrf_token": token(client, PAGE), "timezone": "America/New_York", "do": "save"}
    data |= {f"hours.{d}": "09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    data |= {"holidays.country": "US", "holidays.subdiv": "NY", "closures_count": "0", "openings_count": "0"}
    data.update(changes)
    return data


def test_an_empty_window_is_refused_next_to_its_day(client: FlaskClient, store: Store) -> None:
    refused = client.post(PAGE, data=week_form(client, **{"hours.mon": "09:00-09:00"}))
    assert refused.status_code == 422
    field = refused.text.index('name="hours.mon"')
    assert "hours.mon[0]: &#34;09:00-09:00&#34; is empty" in refused.text[field : field + 500]
    assert stored(store) == []


def test_an_unknown_time_zone_is_refused(client: FlaskClient, store: Store) -> None:
    refused = client.post(PAGE, data=week_form(client, timezone="Mars/Olympus"))
    assert refused.status_code == 422
    assert "timezone: " in refused.text
    assert stored(store) == []


def test_saturday_hours_are_saved_as_a_new_version(client: FlaskClient, store: Store) -> None:
    assert client.post(PAGE, data=week_form(client, **{"hours.sat": "10:00-14:00"})).status_code == 302
    [row] = stored(store)
    assert row.definition["hours"]["sat"] == ["10:00-14:00"]
    assert row.version == 1
