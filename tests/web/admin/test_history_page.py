"""Versions, the audit log with its diff, restoring, TOML import and export, reclassifying open tickets."""

from __future__ import annotations

import tomllib
from typing import Any

from conftest import NOW, token
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sla_timers.store.models import AuditRow, MatrixRow, PolicyRow
from sla_timers.store.store import Store


def matrices(store: Store) -> list[Any]:
    with store.engine.connect() as connection:
        return list(connection.execute(select(MatrixRow).order_by(MatrixRow.version)).all())


def audit_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AuditRow)).scalar_one())


def switch_off_first_rule(client: FlaskClient, user: str = "alice") -> None:
    done = client.post(
        "/sla/admin/matrix/rules/0/toggle",
        data={"csrf_token": token(client)},
        environ_base={"REMOTE_USER": user},
    )
    assert done.status_code == 302


def test_the_audit_log_names_who_and_the_diff_shows_the_field(client: FlaskClient, store: Store) -> None:
    switch_off_first_rule(client)
    page = client.get("/sla/admin/history").text
    assert "<td>alice</td><td>matrix default</td><td>version</td>" in page
    with store.engine.connect() as connection:
        row_id = connection.execute(select(func.max(AuditRow.id))).scalar_one()
    diff = client.get(f"/sla/admin/audit/{row_id}").text
    assert '<code>rules[0].enabled</code></td><td class="before">(absent)</td><td class="after">false</td>' in diff


def test_old_versions_stay_readable_and_restore_as_a_new_version(client: FlaskClient, store: Store) -> None:
    switch_off_first_rule(client)
    page = client.get("/sla/admin/versions/matrix/default/1").text
    assert "name = &#34;The CEO&#39;s printer&#34;" in page
    assert "enabled = false" not in page
    restored = client.post(
        "/sla/admin/restore/matrix/default/1", data={"csrf_token": token(client), "effective": "now"}
    )
    assert restored.status_code == 302
    rows = matrices(store)
    assert [r.version for r in rows] == [1, 2, 3]
    assert rows[2].definition == rows[0].definition


def test_export_gives_the_toml_the_files_use(client: FlaskClient) -> None:
    exported = client.get("/sla/admin/export/matrix/default")
    assert exported.mimetype == "application/toml"
    assert exported.headers["Content-Disposition"] == 'attachment; filename="matrix-default.toml"'
    from conftest import EXAMPLES

    assert tomllib.loads(exported.text) == tomllib.loads((EXAMPLES / "priority_matrix.toml").read_text())
    policy = tomllib.loads(client.get("/sla/admin/export/policy/sales").text)
    assert policy["targets"]["normal"]["resolution"] == "eod+1"
    calendar = tomllib.loads(client.get("/sla/admin/export/calendar/us-ny-9x5").text)
    assert calendar["hours"]["mon"] == ["09:00-17:00"]


def test_an_exported_policy_imports_back_as_its_next_version(client: FlaskClient, store: Store) -> None:
    text = client.get("/sla/admin/export/policy/sales").text.replace('resolution = "4h"', 'resolution = "3h"')
    done = client.post("/sla/admin/import/policy", data={"csrf_token": token(client), "toml": text, "effective": "now"})
    assert done.status_code == 302
    with store.engine.connect() as connection:
        rows = connection.execute(select(PolicyRow).where(PolicyRow.name == "sales").order_by(PolicyRow.version)).all()
    assert [r.version for r in rows] == [1, 2]
    assert rows[1].definition["targets"]["urgent"]["resolution"] == "3h"


def test_toml_that_does_not_parse_is_refused_and_stores_nothing(client: FlaskClient, store: Store) -> None:
    before = audit_count(store)
    refused = client.post("/sla/admin/import/matrix", data={"csrf_token": token(client), "toml": "priorities = ["})
    assert refused.status_code == 422
    assert "not valid TOML" in refused.text
    assert audit_count(store) == before


def test_an_invalid_matrix_import_is_refused_naming_the_field(client: FlaskClient, store: Store) -> None:
    before = audit_count(store)
    text = 'priorities = ["a"]\ndefault_priority = "b"\ndefault_policy = "standard"\ndefault_calendar = "24x7"\n'
    refused = client.post("/sla/admin/import/matrix", data={"csrf_token": token(client), "toml": text})
    assert refused.status_code == 422
    assert "default_priority: unknown priority" in refused.text
    assert audit_count(store) == before


def test_an_uploaded_file_is_imported(client: FlaskClient, store: Store) -> None:
    import io

    text = 'name = "night-desk"\ntimezone = "Europe/London"\n[hours]\nmon = ["22:00-06:00"]\n'
    done = client.post(
        "/sla/admin/import/calendar",
        data={"csrf_token": token(client), "file": (io.BytesIO(text.encode()), "night.toml"), "effective": "now"},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    assert "night-desk" in client.get("/sla/admin/calendars").text


def test_reclassifying_open_tickets_changes_their_priority_now(client: FlaskClient, store: Store) -> None:
    # A sales ticket created Tue 2026-12-01 10:00 EST is normal (no rule matches).
    store.record(
        {"T-9": [{"kind": "created", "at": NOW.isoformat(), "id": "c1", "status": "new", "priority": "normal"}]},
        inputs={"T-9": {"fields": {"business_line": "sales"}, "requester": {"vip": True}}},
    )
    form = {
        "csrf_token": token(client),
        "name": "VIP",
        "condition_count": "1",
        "cond-0-field": "requester.vip",
        "cond-0-op": "eq",
        "cond-0-value": "true",
        "move": "raise",
        "levels": "2",
        "enabled": "1",
        "effective": "now",
        "apply_open": "1",
        "do": "save",
    }
    assert client.post("/sla/admin/matrix/rules/new", data=form).status_code == 302
    # normal raised 2 levels -> urgent, entered in the log at the save.
    priorities = [e for e in store.events("T-9") if e.kind == "priority"]
    assert [(e.at, e.data["priority"]) for e in priorities] == [(NOW, "urgent")]
    assert "1 open ticket(s) changed priority or policy." in client.get("/sla/admin/matrix").text


def test_absurdly_nested_input_is_refused_not_a_crash(client: FlaskClient, store: Store) -> None:
    before = audit_count(store)
    deep = "priorities = " + "[" * 5000 + "]" * 5000
    refused = client.post("/sla/admin/import/matrix", data={"csrf_token": token(client), "toml": deep})
    assert refused.status_code == 422
    assert "nested deeper than" in refused.text
    form = {
        "csrf_token": token(client),
        "condition_count": "1",
        "cond-0-field": "subject",
        "cond-0-value": "[" * 5000,
        "kept": "[" * 100_000,
        "enabled": "1",
        "move": "set",
        "priority": "urgent",
        "do": "save",
    }
    answer = client.post("/sla/admin/matrix/rules/new", data=form)
    # The value is not a TOML value, so it is the text as typed; the mangled hidden field is dropped.
    assert answer.status_code == 302
    assert matrices(store)[-1].definition["rules"][-1] == {
        "when": {"subject": "[" * 5000},
        "then": {"priority": "urgent"},
    }
    assert audit_count(store) == before + 1
