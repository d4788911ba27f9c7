"""Who may see the admin pages, the form token on every POST, escaping, the layout."""

from __future__ import annotations

from collections.abc import Callable

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
