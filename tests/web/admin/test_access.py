"""Who may see the admin pages, the form token on every POST, escaping, the layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import token
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sla_timers.store.models import AuditRow, MatrixRow
from sla_timers.store.store import Store
from sla_timers.web import SLAConfigWarning

PAGES = [
    "/sla/admin/matrix",
    "/sla/admin/matrix/rules/1",
    "/sla/admin/matrix/rules/new",
    "/sla/admin/policies",
    "/sla/admin/policies/sales",
    "/sla/admin/calendars",
    "/sla/admin/calendars/us-ny-9x5",
    "/sla/admin/history",
]


def audit_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AuditRow)).scalar_one())


def test_without_an_admin_callback_every_page_is_refused(make_app: Callable[..., Flask]) -> None:
    with pytest.warns(SLAConfigWarning):
        app = make_app(admin=None)
    client = app.test_client()
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 403, path
        assert "SLA_ADMIN_AUTHORIZER" in page.text
    assert client.post("/sla/admin/matrix/grid", data={"priorities": "a"}).status_code == 403


def test_a_callback_saying_no_is_refused_and_writes_nothing(make_app: Callable[..., Flask]) -> None:
    app = make_app(admin=False)
    store: Store = app.extensions["sla_timers"].store()
    client = app.test_client()
    before = audit_count(store)
    assert client.get("/sla/admin/matrix").status_code == 403
    assert client.post("/sla/admin/matrix/rules/0/delete").status_code == 403
    assert audit_count(store) == before


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_the_nav_and_the_stylesheet(client: FlaskClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200, page.text
    assert page.mimetype == "text/html"
    assert '<nav aria-label="SLA admin">' in page.text
    assert "/sla/admin/static/sla-admin.css" in page.text
    assert 'name="viewport"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"


def test_the_stylesheet_is_served_by_the_blueprint(client: FlaskClient) -> None:
    css = client.get("/sla/admin/static/sla-admin.css")
    assert css.status_code == 200
    assert "@media (max-width: 600px)" in css.text
    css.close()


def test_a_post_without_the_token_is_refused_and_changes_nothing(client: FlaskClient, store: Store) -> None:
    before = audit_count(store)
    refused = client.post("/sla/admin/matrix/rules/0/delete")
    assert refused.status_code == 400
    assert "CSRF" in refused.text and "Nothing was changed" in refused.text
    assert audit_count(store) == before


def test_a_post_with_another_sessions_token_is_refused(app: Flask, store: Store) -> None:
    first, second = app.test_client(), app.test_client()
    stolen = token(first)
    token(second)  # the second session has a token of its own
    before = audit_count(store)
    refused = second.post("/sla/admin/matrix/rules/0/delete", data={"csrf_token": stolen})
    assert refused.status_code == 400
    assert audit_count(store) == before


def test_a_post_with_the_sessions_token_goes_through(client: FlaskClient, store: Store) -> None:
    done = client.post("/sla/admin/matrix/rules/0/toggle", data={"csrf_token": token(client)})
    assert done.status_code == 302
    with store.engine.connect() as connection:
        # Version 1 is the host's file, stored when the store opened; the toggle is version 2.
        assert connection.execute(select(func.count()).select_from(MatrixRow)).scalar_one() == 2


def test_without_a_secret_key_the_pages_say_so(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    app.secret_key = None
    page = app.test_client().get("/sla/admin/matrix")
    assert page.status_code == 500
    assert "SECRET_KEY" in page.text


def test_script_in_a_rule_name_is_shown_as_text(client: FlaskClient, store: Store) -> None:
    hostile = "<script>alert(1)</script>"
    store.put_matrix(
        {
            "priorities": ["high", "low"],
            "default_priority": "low",
            "default_policy": "standard",
            "default_calendar": "us-ny-9x5",
            "rules": [{"name": hostile, "when": {"subject": hostile}, "then": {"priority": "high"}}],
        }
    )
    for path in ("/sla/admin/matrix", "/sla/admin/matrix/rules/1", "/sla/admin/history"):
        page = client.get(path)
        assert hostile not in page.text, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/sla/admin/matrix").text


def test_unknown_pages_are_not_found(client: FlaskClient) -> None:
    assert client.get("/sla/admin/policies/no-such-policy").status_code == 404
    assert client.get("/sla/admin/calendars/no-such-calendar").status_code == 404
    assert client.get("/sla/admin/matrix/rules/99").status_code == 404


def test_an_unreachable_database_is_a_503_page_not_a_crash(
    app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A SQLite file in a directory that does not exist: every connection fails.
    app.extensions["sla_timers"].store_access._store = Store(f"sqlite:///{tmp_path / 'missing' / 'sla.db'}")
    client = app.test_client()
    page = client.get("/sla/admin/policies")
    assert page.status_code == 503
    assert "cannot be reached just now; nothing was changed" in page.text
    assert "the database failed" in caplog.text


def test_hostile_ticket_text_is_escaped_on_the_rule_page(client: FlaskClient, store: Store) -> None:
    from html.parser import HTMLParser

    from conftest import NOW

    hostile = "</script><img src=x onerror=alert(1)>"
    store.record(
        {hostile: [{"kind": "created", "at": NOW.isoformat(), "id": "c1", "status": "new", "priority": "normal"}]},
        inputs={hostile: {"subject": hostile, "requester": {"name": hostile}}},
    )
    page = client.post(
        "/sla/admin/matrix/rules/1",
        data={"csrf_token": token(client), "do": "try", "pick": hostile, "condition_count": "0"},
    ).text

    images: list[list[tuple[str, str | None]]] = []

    class Images(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "img":
                images.append(attrs)

    Images().feed(page)
    assert images == []
    assert f"subject = {hostile}".replace("<", "&lt;").replace(">", "&gt;") in page


def every_table(store: Store) -> dict[str, int]:
    """Rows in every ``sla_`` table: a refused request must leave each count as it was."""
    from sqlalchemy import inspect, table

    names = [n for n in inspect(store.engine).get_table_names() if n.startswith("sla_")]
    with store.engine.connect() as connection:
        return {
            name: int(connection.execute(select(func.count()).select_from(table(name))).scalar_one()) for name in names
        }


def test_refused_forms_leave_every_table_as_it_was(client: FlaskClient, store: Store) -> None:
    before = every_table(store)
    assert len(before) >= 8
    csrf = token(client)
    refusals = [
        ("/sla/admin/matrix/grid", {"priorities": "a, b", "default_priority": "c"}),
        ("/sla/admin/matrix/rules/0/delete", {}),  # no token
        ("/sla/admin/policies/sales", {"csrf_token": csrf, "calendar": "nowhere", "metric": "resolution"}),
        ("/sla/admin/calendars/us-ny-9x5", {"csrf_token": csrf, "timezone": "Nowhere/Land", "do": "save"}),
        ("/sla/admin/import/policy", {"csrf_token": csrf, "toml": 'name = "x"'}),
    ]
    for path, form in refusals:
        if "csrf_token" not in form and path.endswith("grid"):
            form = {**form, "csrf_token": csrf}
        answer = client.post(path, data=form)
        assert answer.status_code in (400, 422), (path, answer.status_code)
        assert every_table(store) == before, path
