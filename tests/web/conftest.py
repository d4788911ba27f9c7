"""Web fixtures: ``create_app(config, admin=, agent=, source=)`` builds a host app with the plugin on it.

Hosts configure the example helpdesk in ``examples/`` (policies, matrix). The
admin callback is set unless a test says otherwise, since without it the
extension warns (and warnings are errors here).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from server_databases import server_database
from web_helpers import EXAMPLES, AppFactory

from sla_timers.web import SLATimers
from sla_timers.web.badge_data import TimerSource


@pytest.fixture()
def create_app(tmp_path: Path) -> AppFactory:
    def make(
        config: dict[str, Any] | None = None,
        *,
        admin: bool | None = True,
        agent: bool | None = True,
        source: TimerSource | None = None,
    ) -> Flask:
        app = Flask("host", instance_path=str(tmp_path / "instance"))
        app.config.update(
            TESTING=True,
            SLA_POLICIES=[str(EXAMPLES / "policies")],
            SLA_PRIORITY_MATRIX=str(EXAMPLES / "priority_matrix.toml"),
        )
        if admin is not None:
            app.config["SLA_ADMIN_AUTHORIZER"] = lambda: admin
        if agent is not None:
            app.config["SLA_AGENT_AUTHORIZER"] = lambda ticket_id: agent
        app.config.update(config or {})
        sla = SLATimers(app)
        if source is not None:
            sla.timer_source(source)
        return app

    return make


@pytest.fixture()
def app(create_app: AppFactory) -> Flask:
    return create_app()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def postgresql_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped after it (skipped without a server)."""
    if "SLA_TEST_DATABASE_URL" not in os.environ:
        pytest.skip("SLA_TEST_DATABASE_URL not set (PostgreSQL)")
    yield from server_database(os.environ["SLA_TEST_DATABASE_URL"])
