"""The policy page: targets table, statuses, metrics, warnings, the due preview, saving."""

from __future__ import annotations

from typing import Any

from conftest import token
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sla_timers.store.models import AuditRow, PolicyRow
from sla_timers.store.store import Store


def versions(store: Store, name: str) -> list[Any]:
    with store.engine.connect() as connection:
        return list(
            connection.execute(select(PolicyRow).where(PolicyRow.name == name).order_by(PolicyRow.version)).all()
        )


def audit_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AuditRow)).scalar_one())


def form(client: FlaskClient, **changes: str) -> dict[str, Any]:
    """The sales policy's form as the page fills it (examples/policies/sales.toml)."""
    data: dict[str, Any] = {
        "csrf_token": token(client, "/sla/admin/policies/sales"),
        "calendar": "us-ny-9x5",
        "metric": ["first_response", "next_response", "resolution"],
        "priority": ["urgent", "high", "normal", "low"],
        "warn_at": "0.75",
        "effective": "now",
    }
    targets = {
        "urgent": ("30m", "1h", "4h"),
        "high": ("1h", "2h", "8h"),
        "normal": ("2h", "4h", "eod+1"),
        "low": ("eod", "eod+1", "eod+3"),
    }
    for priority, row in targets.items():
        for metric, value in zip(data["metric"], row, strict=True):
            data[f"targets.{priority}.{metric}"] = value
    data.update(changes)
    return data


def test_the_page_shows_targets_statuses_and_the_due_preview(client: FlaskClient) -> None:
    page = client.get("/sla/admin/policies/sales").text
    assert 'name="targets.normal.resolution" value="eod+1"' in page
    # Opened Tue 2026-12-01 10:00 EST (the test clock): urgent first response 30m -> 10:30,
    # urgent resolution 4h -> 14:00; normal resolution eod+1 -> the close of the next
    # business day, Wed 17:00; low first response eod -> Tue 17:00.
    assert "Tue 2026-12-01 10:30 EST" in page
    assert "Tue 2026-12-01 14:00 EST" in page
    assert "Wed 2026-12-02 17:00 EST" in page
    assert "Tue 2026-12-01 17:00 EST" in page


def test_saving_a_target_stores_the_next_version_in_force_now(client: FlaskClient, store: Store) -> None:
    saved = client.post("/sla/admin/policies/sales", data=form(client, **{"targets.urgent.resolution": "3h"}))
    assert saved.status_code == 302, saved.text
    rows = versions(store, "sales")
    assert [r.version for r in rows] == [1, 2]
    assert rows[1].definition["targets"]["urgent"]["resolution"] == "3h"
    assert rows[1].effective_from.isoformat() == "2026-12-01T15:00:00+00:00"
    # Urgent resolution 3h from Tue 10:00 EST -> 13:00.
    assert "Tue 2026-12-01 13:00 EST" in client.get("/sla/admin/policies/sales").text


def test_a_malformed_target_is_refused_next_to_its_cell(client: FlaskClient, store: Store) -> None:
    before = audit_count(store)
    refused = client.post("/sla/admin/policies/sales", data=form(client, **{"targets.high.next_response": "2 hours"}))
    assert refused.status_code == 422
    cell = refused.text.index('name="targets.high.next_response"')
    assert "targets.high.next_response" in refused.text[cell : cell + 600]
    assert 'class="field-error"' in refused.text[cell : cell + 600]
    assert [r.version for r in versions(store, "sales")] == [1]
    assert audit_count(store) == before


def test_a_status_that_both_pauses_and_stops_is_refused(client: FlaskClient, store: Store) -> None:
    refused = client.post(
        "/sla/admin/policies/sales", data=form(client, pause_statuses="pending, solved", stop_statuses="solved")
    )
    assert refused.status_code == 422
    assert "is also in stop_statuses; a status either pauses or stops" in refused.text
    assert [r.version for r in versions(store, "sales")] == [1]


def test_a_warning_fraction_out_of_range_is_refused(client: FlaskClient, store: Store) -> None:
    refused = client.post("/sla/admin/policies/sales", data=form(client, warn_at="0.5, 1.5"))
    assert refused.status_code == 422
    assert "warn_at[1]: 1.5 is not a fraction strictly between 0 and 1" in refused.text
    assert [r.version for r in versions(store, "sales")] == [1]


def test_reopen_mode_and_pausing_are_saved(client: FlaskClient, store: Store) -> None:
    data = form(client, **{"metrics.resolution.reopen": "new_cycle", "metrics.first_response.pauses": "yes"})
    assert client.post("/sla/admin/policies/sales", data=data).status_code == 302
    metrics = versions(store, "sales")[-1].definition["metrics"]
    assert metrics["resolution"] == {"reopen": "new_cycle"}
    assert metrics["first_response"] == {"pauses": True}


def test_first_response_cannot_get_a_reopen_mode(client: FlaskClient, store: Store) -> None:
    refused = client.post("/sla/admin/policies/sales", data=form(client, **{"metrics.first_response.reopen": "resume"}))
    assert refused.status_code == 422
    assert "metrics.first_response.reopen: first_response never restarts" in refused.text


def test_the_policies_list_links_every_policy(client: FlaskClient) -> None:
    page = client.get("/sla/admin/policies").text
    for name in ("executive", "finance", "internal", "premium", "sales", "standard"):
        assert f'href="/sla/admin/policies/{name}"' in page


def test_a_policy_form_loaded_before_another_save_is_refused(client: FlaskClient, store: Store) -> None:
    assert client.post("/sla/admin/policies/sales", data=form(client, base_version="1")).status_code == 302
    refused = client.post("/sla/admin/policies/sales", data=form(client, base_version="1", warn_at="0.5"))
    assert refused.status_code == 422
    assert "The policy sales was saved by someone else since this page was loaded (now version 2)" in refused.text
    assert [r.version for r in versions(store, "sales")] == [1, 2]


def test_a_policy_on_a_calendar_nobody_has_is_refused(client: FlaskClient, store: Store) -> None:
    refused = client.post("/sla/admin/policies/sales", data=form(client, calendar="us-ny-9x6"))
    assert refused.status_code == 422
    assert "calendar: no calendar is named &#34;us-ny-9x6&#34;; did you mean &#34;us-ny-9x5&#34;" in refused.text
    assert [r.version for r in versions(store, "sales")] == [1]


def test_a_new_policy_starts_as_a_copy_at_version_one(client: FlaskClient, store: Store) -> None:
    csrf = token(client, "/sla/admin/policies")
    done = client.post("/sla/admin/policies", data={"csrf_token": csrf, "name": "vip", "copy_of": "sales"})
    assert done.status_code == 302
    [row] = versions(store, "vip")
    assert row.version == 1
    assert row.definition["targets"] == versions(store, "sales")[0].definition["targets"]
    taken = client.post("/sla/admin/policies", data={"csrf_token": csrf, "name": "vip", "copy_of": "sales"})
    assert taken.status_code == 422
    assert "name: a policy named &#39;vip&#39; exists already" in taken.text
    assert len(versions(store, "vip")) == 1
