"""The priority matrix page: the grid, business lines, rules as sentences and forms, the test ticket."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from conftest import EXAMPLES, token
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sla_timers.store.models import AuditRow, MatrixRow
from sla_timers.store.store import Store
from sla_timers.web.admin.sentences import rule_sentence


def example() -> dict[str, Any]:
    return tomllib.loads((EXAMPLES / "priority_matrix.toml").read_text())


def stored(store: Store) -> list[Any]:
    with store.engine.connect() as connection:
        return list(connection.execute(select(MatrixRow).order_by(MatrixRow.version)).all())


def added(store: Store) -> list[Any]:
    """Matrix versions saved by the test (version 1 is the host's file, stored when the store opened)."""
    return stored(store)[1:]


def audit_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AuditRow)).scalar_one())


def grid_form(client: FlaskClient, **changes: str) -> dict[str, str]:
    form = {
        "csrf_token": token(client),
        "priorities": "urgent, high, normal, low",
        "default_priority": "normal",
        "default_policy": "standard",
        "default_calendar": "us-ny-9x5",
        "business_line_field": "fields.business_line",
        "impacts": "company, department, person",
        "urgencies": "blocking, degraded, cosmetic",
        "effective": "now",
    }
    grid = [["urgent", "high", "normal"], ["high", "normal", "low"], ["normal", "low", "low"]]
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            form[f"impact_urgency.matrix[{r}][{c}]"] = cell
    form.update(changes)
    return form


def test_rules_read_as_sentences() -> None:
    rules = example()["rules"]
    assert rule_sentence(rules[0]) == (
        'if requester.role is "ceo" and category matches "printer*": priority urgent, policy executive, tag ceo, stop'
    )
    assert rule_sentence({"when": {"requester.vip": True}, "then": {"raise": 2}}) == (
        "if requester.vip is true: raise 2 levels, continue"
    )
    assert (
        rule_sentence({"when": {"fields.business_line": "sales", "quarter_end": 3}, "then": {"priority": "urgent"}})
        == 'if fields.business_line is "sales" and the last 3 business days of the quarter: priority urgent, continue'
    )


def test_the_page_shows_the_grid_lines_and_every_rule_sentence(client: FlaskClient) -> None:
    page = client.get("/sla/admin/matrix").text
    assert "Version 1, in force for tickets created from 1970-01-01 00:00 UTC" in page
    assert 'name="impact_urgency.matrix[2][2]"' in page
    for name in ("sales", "finance", "internal_it"):
        assert f'value="{name}"' in page
    for rule in example()["rules"]:
        assert rule_sentence(rule).replace('"', "&#34;") in page


def test_saving_the_grid_stores_a_new_version_with_the_changed_cell(client: FlaskClient, store: Store) -> None:
    saved = client.post("/sla/admin/matrix/grid", data=grid_form(client, **{"impact_urgency.matrix[2][2]": "normal"}))
    assert saved.status_code == 302
    rows = stored(store)
    assert [r.version for r in rows] == [1, 2]
    assert rows[0].definition["impact_urgency"]["matrix"][2] == ["normal", "low", "low"]
    assert rows[1].definition["impact_urgency"]["matrix"][2] == ["normal", "low", "normal"]
    assert rows[1].definition["rules"] == example()["rules"]
    assert "Saved matrix version 2." in client.get("/sla/admin/matrix").text


def test_a_cell_with_an_unknown_priority_is_refused_next_to_the_cell(client: FlaskClient, store: Store) -> None:
    before = audit_count(store)
    refused = client.post("/sla/admin/matrix/grid", data=grid_form(client, **{"impact_urgency.matrix[1][0]": "asap"}))
    assert refused.status_code == 422
    # The message sits right after the cell's select, and names the cell and the problem.
    cell = refused.text.index('name="impact_urgency.matrix[1][0]"')
    message = refused.text.index("impact_urgency.matrix[1][0]: unknown priority", cell)
    assert message - cell < 400
    assert added(store) == [] and audit_count(store) == before


def test_a_default_priority_not_in_the_list_is_refused(client: FlaskClient, store: Store) -> None:
    refused = client.post("/sla/admin/matrix/grid", data=grid_form(client, default_priority="critical"))
    assert refused.status_code == 422
    assert "default_priority: unknown priority" in refused.text
    assert added(store) == []


def test_a_later_effective_instant_that_is_not_a_time_is_refused(client: FlaskClient, store: Store) -> None:
    refused = client.post("/sla/admin/matrix/grid", data=grid_form(client, effective="later", effective_at="soon"))
    assert refused.status_code == 422
    assert "effective_from: &#34;soon&#34; is not a date and time" in refused.text
    assert added(store) == []


def test_a_later_effective_instant_is_stored_in_utc(client: FlaskClient, store: Store) -> None:
    # 2027-01-04 09:00 in New York (EST, UTC-5) is 14:00 UTC.
    client.post("/sla/admin/matrix/grid", data=grid_form(client, effective="later", effective_at="2027-01-04T09:00"))
    assert stored(store)[-1].effective_from.isoformat() == "2027-01-04T14:00:00+00:00"


def test_adding_an_impact_adds_a_row_of_the_default_priority(client: FlaskClient, store: Store) -> None:
    client.post("/sla/admin/matrix/grid", data=grid_form(client, impacts="company, department, person, guest"))
    assert stored(store)[-1].definition["impact_urgency"]["matrix"][3] == ["normal", "normal", "normal"]


def test_business_lines_are_edited_added_and_deleted(client: FlaskClient, store: Store) -> None:
    form = {
        "csrf_token": token(client),
        "line_count": "3",
        "line-0-name": "sales",
        "line-0-policy": "premium",
        "line-1-name": "finance",
        "line-1-policy": "finance",
        "line-1-delete": "1",
        "line-2-name": "internal_it",
        "line-2-policy": "internal",
        "line-2-calendar": "gb-eng-9x5",
        "line-3-name": "support",
        "line-3-calendar": "au-nsw-9x5",
    }
    assert client.post("/sla/admin/matrix/lines", data=form).status_code == 302
    assert stored(store)[-1].definition["business_lines"] == {
        "sales": {"policy": "premium"},
        "internal_it": {"policy": "internal", "calendar": "gb-eng-9x5"},
        "support": {"calendar": "au-nsw-9x5"},
    }


def test_a_business_line_on_an_unknown_calendar_is_refused_next_to_it(client: FlaskClient, store: Store) -> None:
    form = {"csrf_token": token(client), "line_count": "0", "line-0-name": "support", "line-0-calendar": "mars-9x5"}
    refused = client.post("/sla/admin/matrix/lines", data=form)
    assert refused.status_code == 422
    select_at = refused.text.index('name="line-0-calendar"')
    assert "mars-9x5" in refused.text[select_at : select_at + 2500]
    assert "field-error" in refused.text[select_at : select_at + 2500]
    assert added(store) == []


def test_rules_move_switch_off_and_delete_each_as_a_new_version(client: FlaskClient, store: Store) -> None:
    names = [r["name"] for r in example()["rules"]]
    csrf = token(client)
    client.post("/sla/admin/matrix/rules/1/up", data={"csrf_token": csrf})
    assert [r["name"] for r in stored(store)[-1].definition["rules"]][:2] == [names[1], names[0]]
    client.post("/sla/admin/matrix/rules/0/toggle", data={"csrf_token": csrf})
    assert stored(store)[-1].definition["rules"][0]["enabled"] is False
    assert "Switch on" in client.get("/sla/admin/matrix").text
    client.post("/sla/admin/matrix/rules/0/toggle", data={"csrf_token": csrf})
    assert "enabled" not in stored(store)[-1].definition["rules"][0]
    client.post("/sla/admin/matrix/rules/6/delete", data={"csrf_token": csrf})
    assert [r["name"] for r in stored(store)[-1].definition["rules"]] == [names[1], names[0], *names[2:6]]
    assert [r.version for r in stored(store)] == [1, 2, 3, 4, 5]


def rule_form(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": token(client),
        "name": "Sales at quarter end",
        "condition_count": "3",
        "cond-0-field": "fields.business_line",
        "cond-0-op": "eq",
        "cond-0-value": "sales",
        "quarter_end": "3",
        "move": "set",
        "priority": "urgent",
        "levels": "1",
        "enabled": "1",
        "effective": "now",
        # Tuesday 2026-12-29, 10:00 in New York: the 3rd-last business day of Q4
        # (Dec 29, 30 and 31 are business days; Jan 1 is the next quarter).
        "ticket_fields": "fields.business_line = sales\ncategory = billing",
        "ticket_at": "2026-12-29T10:00",
    }
    form.update(changes)
    return form


def test_trying_a_new_rule_shows_every_rules_trace_before_and_after(client: FlaskClient, store: Store) -> None:
    before = audit_count(store)
    page = client.post("/sla/admin/matrix/rules/new", data=rule_form(client, do="try"))
    assert page.status_code == 200, page.text
    saved, after = page.text.split("After (this unsaved change)")
    # Before: no rule matches a sales billing ticket; the base is the default priority, normal.
    assert 'Priority <strong class="prio prio-normal">normal</strong>, policy <strong>sales</strong>' in saved
    # After: the new 8th rule matches and sets urgent.
    assert 'Priority <strong class="prio prio-urgent">urgent</strong>' in after
    assert "Sales at quarter end</span>: matched: priority normal → urgent" in after
    # Every rule is listed, matched or not.
    assert after.count("did not match") == 7
    assert added(store) == [] and audit_count(store) == before


def test_the_same_ticket_on_another_day_is_not_matched(client: FlaskClient) -> None:
    # Monday 2026-12-21 is the 8th-last business day of Q4 (21-24, 28-31; Dec 25 is a holiday).
    page = client.post("/sla/admin/matrix/rules/new", data=rule_form(client, do="try", ticket_at="2026-12-21T10:00"))
    after = page.text.split("After (this unsaved change)")[1]
    assert "Sales at quarter end</span>: did not match" in after


def test_saving_the_rule_stores_it_with_the_sentence(client: FlaskClient, store: Store) -> None:
    saved = client.post("/sla/admin/matrix/rules/new", data=rule_form(client, do="save"))
    assert saved.status_code == 302
    rule = stored(store)[-1].definition["rules"][-1]
    assert rule == {
        "name": "Sales at quarter end",
        "when": {"fields.business_line": "sales", "quarter_end": 3},
        "then": {"priority": "urgent"},
    }
    assert "the last 3 business days of the quarter: priority urgent, continue" in client.get("/sla/admin/matrix").text


def test_a_rule_with_a_bad_value_is_refused_next_to_its_field(client: FlaskClient, store: Store) -> None:
    before = audit_count(store)
    refused = client.post("/sla/admin/matrix/rules/new", data=rule_form(client, do="save", quarter_end="three"))
    assert refused.status_code == 422
    field = refused.text.index('name="quarter_end"')
    assert re.search(r'id="quarter_end-error"[^>]*>rules\[7\]\.when\.quarter_end: ', refused.text[field:])
    assert added(store) == [] and audit_count(store) == before


def test_a_condition_with_an_unknown_operator_value_is_refused_on_its_row(client: FlaskClient, store: Store) -> None:
    form = rule_form(
        client, do="save", **{"cond-1-field": "requester.seats", "cond-1-op": "gte", "cond-1-value": "true"}
    )
    refused = client.post("/sla/admin/matrix/rules/new", data=form)
    assert refused.status_code == 422
    row = refused.text.index('id="cond-1"')
    assert 'id="cond-1-error"' in refused.text[row : row + 3000]
    assert "cannot order booleans" in refused.text
    assert added(store) == []


def test_editing_a_rule_shows_its_values(client: FlaskClient) -> None:
    page = client.get("/sla/admin/matrix/rules/1").text
    assert 'value="requester.role"' in page and 'value="ceo"' in page
    assert 'value="category"' in page and 'value="printer*"' in page
    assert 'name="stop" value="1" checked' in page


def test_a_typed_ticket_line_without_equals_is_reported(client: FlaskClient) -> None:
    page = client.post("/sla/admin/matrix/rules/1", data=rule_form(client, do="try", ticket_fields="vip"))
    assert 'id="ticket_fields-error"' in page.text
    assert "ticket line 1: write field = value" in page.text


def test_a_form_loaded_before_another_admins_save_is_refused(client: FlaskClient, store: Store) -> None:
    page = client.get("/sla/admin/matrix").text
    assert '<input type="hidden" name="base_version" value="1">' in page
    # Another admin saves version 2 meanwhile (rule 1 switched off).
    changed = example()
    changed["rules"][0]["enabled"] = False
    store.put_matrix(changed)
    before = audit_count(store)
    refused = client.post("/sla/admin/matrix/rules/1/delete", data={"csrf_token": token(client), "base_version": "1"})
    assert refused.status_code == 422
    assert "saved by someone else since this page was loaded (now version 2)" in refused.text
    assert [r.version for r in stored(store)] == [1, 2] and audit_count(store) == before
    stale_grid = grid_form(client, base_version="1")
    assert client.post("/sla/admin/matrix/grid", data=stale_grid).status_code == 422
    assert client.post("/sla/admin/matrix/grid", data=grid_form(client, base_version="2")).status_code == 302


def test_a_test_ticket_picked_from_the_open_tickets_is_classified(client: FlaskClient, store: Store) -> None:
    from conftest import NOW

    store.record(
        {"T-7": [{"kind": "created", "at": NOW.isoformat(), "id": "c1", "status": "new", "priority": "normal"}]},
        inputs={"T-7": {"requester": {"role": "ceo"}, "category": "printer-2"}},
    )
    page = client.post("/sla/admin/matrix/rules/2", data=rule_form(client, do="try", ticket_fields="", pick="T-7"))
    assert "<option selected>T-7</option>" in page.text
    saved = page.text.split("After (this unsaved change)")[0]
    # The CEO's printer: urgent on the executive policy, and it stops the list.
    assert "The CEO&#39;s printer</span>: matched: priority normal → urgent, policy standard → executive" in saved
    assert "not reached (an earlier rule stopped)" in saved
    assert "requester.role = ceo" in page.text


def test_the_matrix_page_classifies_a_test_ticket_with_the_saved_matrix(client: FlaskClient) -> None:
    # A premium requester on a department x degraded ticket: the cell gives normal, "Premium
    # members" raises one level to high and tags it; nothing else matches.
    fields = "impact = department\nurgency = degraded\nrequester.tier = premium"
    page = client.get("/sla/admin/matrix", query_string={"ticket_fields": fields}).text
    assert 'Priority <strong class="prio prio-high">high</strong>, policy <strong>standard</strong>' in page
    assert "Premium members</span>: matched: priority normal → high, tags +premium" in page
    assert page.count("did not match") == 6


def test_a_bad_test_ticket_time_is_shown_next_to_the_field(client: FlaskClient) -> None:
    page = client.get("/sla/admin/matrix", query_string={"ticket_fields": "a = 1", "ticket_at": "noon"}).text
    assert "ticket_at: &#34;noon&#34; is not a date and time" in page


def test_a_version_scheduled_for_later_is_shown_as_waiting(client: FlaskClient) -> None:
    # 2027-01-04 09:00 EST = 14:00 UTC, after the test clock (2026-12-01 15:00 UTC).
    client.post("/sla/admin/matrix/grid", data=grid_form(client, effective="later", effective_at="2027-01-04T09:00"))
    page = client.get("/sla/admin/matrix").text
    assert "Version 2 (shown here) takes effect for tickets created from 2027-01-04 14:00 UTC" in page
    assert "version 1 is in force until then" in page
