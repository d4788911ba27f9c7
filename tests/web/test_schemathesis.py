"""schemathesis over the OpenAPI document, against the app in process (WSGI): every
documented operation gets generated requests, valid and not, and none may answer
with a server error; every answer must fit the responses the document declares.

The app allows every caller (so requests reach the handlers rather than stopping
at 403) and runs on its own SQLite store with one ticket in it. Hypothesis runs
derandomized (the suite's ``ci`` profile), at ``SLA_SCHEMATHESIS_EXAMPLES``
examples per operation (default 25; more for a deeper local run).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from web_helpers import EXAMPLES

from sla_timers.web import SLATimers

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = int(os.environ.get("SLA_SCHEMATHESIS_EXAMPLES", "25"))


def _app() -> Flask:
    folder = Path(tempfile.mkdtemp(prefix="sla-schemathesis-"))
    app = Flask("fuzzed", instance_path=str(folder))
    app.config.update(
        SLA_POLICIES=[str(EXAMPLES / "policies")],
        SLA_PRIORITY_MATRIX=str(EXAMPLES / "priority_matrix.toml"),
        SLA_ADMIN_AUTHORIZER=lambda: True,
        SLA_AGENT_AUTHORIZER=lambda ticket_id: True,
        SLA_WEBHOOK_SECRET="a-secret-long-enough-to-be-valid",
    )
    SLATimers(app)
    created = {"ticket": "1", "kind": "created", "at": "2026-11-23T10:00:00-05:00", "id": "c", "priority": "high"}
    answer = app.test_client().post("/sla/api/events", json={"events": [created]})
    assert answer.status_code == 200, answer.get_json()
    return app


APP = _app()
SCHEMA = schemathesis.openapi.from_wsgi("/sla/api/openapi.json", APP)


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance, response_schema_conformance])
