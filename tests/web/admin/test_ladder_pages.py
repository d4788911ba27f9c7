"""Escalation ladders on the policy page: imported as the files' TOML, each metric's steps
shown and edited as rows, refused next to the row at fault."""

from __future__ import annotations

from typing import Any

from conftest import EXAMPLES, token
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sla_timers.store.models import AuditRow, LadderRow
from sla_timers.store.store import Store

PAGE = "/sla/admin/policies/standard"


def ladders(store: Store) -> list[Any]:
    with store.engine.connect() as connection:
        return list(connection.execute(select(LadderRow).order_by(LadderRow.version)).all())


def audit_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AuditRow)).scalar_one())


def import_example(client: FlaskClient) -> None:
    text = (EXAMPLES / "escalation_ladders.toml").read_text()
    done = client.post(
        "/sla/admin/import/ladders", data={"csrf_token": token(client, PAGE), "toml": text, "effective": "now"}
    )
    assert done.status_code == 302, done.text


def row_form(client: FlaskClient, **changes: str) -> dict[str, str]:
    """The standard policy's first-response ladder (two steps) as the page fills it, resolution left empty."""
    form = {
        "csrf_token": token(client, PAGE),
        "effective": "now",
        "ladder-first_response-count": "2",
        "ladder-first_response-0-id": "warn-half",
        "ladder-first_response-0-when": "0.5",
        "ladder-first_response-0-notify": "group:service-desk",
        "ladder-first_response-1-id": "breach",
        "ladder-first_response-1-when": "1.0",
        "ladder-first_response-1-notify": "role:team-lead",
        "ladder-first_response-1-hold": "1",
    }
    form.update(changes)
    return form


def test_imported_ladders_show_as_steps_on_the_policy_page(client: FlaskClient, store: Store) -> None:
    import_example(client)
    assert [r.version for r in ladders(store)] == [1]
    page = client.get(PAGE).text
    assert "at 50% of the target: notify group service-desk" in page
    assert "30m before due: notify role team-lead, notify webhook chat-escalations" in page
    assert "at the breach: notify role service-manager, raise priority 1, tag breached (held to business hours)" in page
    assert 'name="ladder-resolution-2-when" value="1.0"' in page


def test_saving_the_rows_stores_a_new_ladders_version(client: FlaskClient, store: Store) -> None:
    import_example(client)
    form = row_form(client, **{"ladder-first_response-0-when": "40%"})
    assert client.post(f"{PAGE}/ladders", data=form).status_code == 302
    rows = ladders(store)
    assert [r.version for r in rows] == [1, 2]
    standard = rows[1].definition["ladders"]["standard"]
    assert standard == {
        "first_response": [
            {"id": "warn-half", "at": "40%", "notify": [{"group": "service-desk"}]},
            {"id": "breach", "at": 1.0, "notify": [{"role": "team-lead"}], "hold_to_business_hours": True},
        ]
    }
    # The other policies' ladders are kept as they were.
    assert rows[1].definition["ladders"]["executive"] == rows[0].definition["ladders"]["executive"]


def test_a_step_with_no_moment_is_refused_on_its_row(client: FlaskClient, store: Store) -> None:
    import_example(client)
    before = audit_count(store)
    refused = client.post(f"{PAGE}/ladders", data=row_form(client, **{"ladder-first_response-1-when": ""}))
    assert refused.status_code == 422
    row = refused.text.index('name="ladder-first_response-1-id"')
    assert "give exactly one of &#34;at&#34;" in refused.text[row : row + 800]
    assert [r.version for r in ladders(store)] == [1] and audit_count(store) == before


def test_a_recipient_without_its_kind_is_refused(client: FlaskClient, store: Store) -> None:
    refused = client.post(f"{PAGE}/ladders", data=row_form(client, **{"ladder-first_response-0-notify": "alice"}))
    assert refused.status_code == 422
    assert "ladders.standard.first_response[0].notify: write each recipient as kind:name" in refused.text
    assert ladders(store) == []


def test_a_deleted_step_is_left_out(client: FlaskClient, store: Store) -> None:
    form = row_form(client, **{"ladder-first_response-0-delete": "1"})
    assert client.post(f"{PAGE}/ladders", data=form).status_code == 302
    assert [s["id"] for s in ladders(store)[-1].definition["ladders"]["standard"]["first_response"]] == ["breach"]
