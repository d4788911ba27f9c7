"""Admin page fixtures: a host app with the plugin, a store on a SQLite file with its
tables, the store's clock fixed, and a logged-in admin's client with the form token."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sla_timers.store.store import Store
from sla_timers.web import SLATimers
from sla_timers.web.api_store import seed_config

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
#: Tuesday 2026-12-01 15:00 UTC = 10:00 in New York (EST, UTC-5).
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


class Clock:
    """The store's clock; tests move it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture()
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture()
def make_app(tmp_path: Path, clock: Clock) -> Callable[..., Flask]:
    def make(*, admin: Any = True, config: dict[str, Any] | None = None) -> Flask:
        app = Flask("host", instance_path=str(tmp_path / "instance"))
        app.secret_key = "test-secret-key-not-for-production"
        url = f"sqlite:///{tmp_path / 'sla.db'}"
        app.config.update(
            TESTING=True,
            SLA_DATABASE_URL=url,
            SLA_POLICIES=[str(EXAMPLES / "policies")],
            SLA_PRIORITY_MATRIX=str(EXAMPLES / "priority_matrix.toml"),
            SLA_HOST_TIMEZONE="America/New_York",
        )
        if admin is not None:
            app.config["SLA_ADMIN_AUTHORIZER"] = admin if callable(admin) else (lambda: admin)
        app.config.update(config or {})
        SLATimers(app)
        # The plugin's store, opened as on first use but with the test's clock.
        state = app.extensions["sla_timers"]
        store = Store(url, clock=clock)
        store.upgrade()
        seed_config(store, state.settings)
        state.store_access._store = store
        return app

    return make


@pytest.fixture()
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture()
def store(app: Flask) -> Store:
    found: Store = app.extensions["sla_timers"].store()
    return found


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def token(client: FlaskClient, path: str = "/sla/admin/matrix") -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page has no form token"
    return found.group(1)
