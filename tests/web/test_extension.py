"""The extension as a host sets it up: both forms, the SLA_ keys and their checks."""

from __future__ import annotations

import dataclasses
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine
from web_helpers import EXAMPLES, AppFactory

from sla_timers.web import ConfigError, Settings, SLAConfigWarning, SLATimers


def _allow_admin() -> bool:
    return True


def test_constructor_form_registers_everything(create_app: AppFactory) -> None:
    app = create_app()
    state = app.extensions["sla_timers"]
    assert state.settings.url_prefix == "/sla"
    assert "sla" in app.blueprints
    assert "sla" in app.cli.commands
    assert app.test_client().get("/sla/api/openapi.json").status_code == 200


def test_init_app_form_and_one_extension_for_two_apps(tmp_path: Path) -> None:
    sla = SLATimers()

    @sla.admin_authorizer
    def admins_only() -> bool:
        return False

    first, second = Flask("one", instance_path=str(tmp_path / "a")), Flask("two", instance_path=str(tmp_path / "b"))
    second.config["SLA_URL_PREFIX"] = "/helpdesk/sla"
    sla.init_app(first)
    sla.init_app(second)
    assert first.test_client().get("/sla/api/openapi.json").status_code == 200
    assert second.test_client().get("/helpdesk/sla/api/openapi.json").status_code == 200
    assert second.test_client().get("/sla/api/openapi.json").status_code == 404
    assert first.extensions["sla_timers"].extension is sla is second.extensions["sla_timers"].extension


def test_registering_twice_on_one_app_is_refused(create_app: AppFactory) -> None:
    app = create_app()
    with pytest.raises(RuntimeError, match="already registered"):
        SLATimers(app)


def test_defaults(tmp_path: Path) -> None:
    app = Flask("host", instance_path=str(tmp_path / "inst"))
    app.config["SLA_ADMIN_AUTHORIZER"] = _allow_admin
    SLATimers(app)
    settings = app.extensions["sla_timers"].settings
    assert settings.database_url == f"sqlite:///{tmp_path / 'inst' / 'sla.db'}"
    assert (settings.url_prefix, settings.max_body_bytes, settings.inject_badges) == ("/sla", 1_048_576, False)
    assert settings.host_timezone.key == "UTC"
    assert settings.agent_authorizer is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.url_prefix = "/x"  # type: ignore[misc]


def test_no_admin_callback_warns_and_the_decorator_silences_it(tmp_path: Path) -> None:
    with pytest.warns(SLAConfigWarning, match="SLA_ADMIN_AUTHORIZER is not set"):
        SLATimers(Flask("a", instance_path=str(tmp_path)))
    sla = SLATimers()
    sla.admin_authorizer(_allow_admin)
    sla.init_app(Flask("b", instance_path=str(tmp_path)))  # no warning: warnings are errors here


def test_callback_given_as_module_and_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("host_auth")
    module.is_agent = lambda ticket_id: ticket_id is None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "host_auth", module)
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SLA_ADMIN_AUTHORIZER=_allow_admin, SLA_AGENT_AUTHORIZER="host_auth:is_agent")
    SLATimers(app)
    assert app.extensions["sla_timers"].settings.agent_authorizer is module.is_agent  # type: ignore[attr-defined]


BAD_CONFIG = [
    pytest.param({"SLA_URL_PREFIX": "sla"}, "SLA_URL_PREFIX", id="prefix-without-slash"),
    pytest.param({"SLA_URL_PREFIX": "/sla/"}, "SLA_URL_PREFIX", id="prefix-trailing-slash"),
    pytest.param({"SLA_URL_PREFIX": 5}, "SLA_URL_PREFIX", id="prefix-not-text"),
    pytest.param({"SLA_HOST_TIMEZONE": "Mars/Olympus"}, "SLA_HOST_TIMEZONE", id="zone"),
    pytest.param({"SLA_HOST_TIMEZONE": "../../etc/passwd"}, "SLA_HOST_TIMEZONE", id="zone-path"),
    pytest.param({"SLA_MAX_BODY_BYTES": 0}, "SLA_MAX_BODY_BYTES", id="body-zero"),
    pytest.param({"SLA_MAX_BODY_BYTES": "1MB"}, "SLA_MAX_BODY_BYTES", id="body-text"),
    pytest.param({"SLA_MAX_BODY_BYTES": True}, "SLA_MAX_BODY_BYTES", id="body-bool"),
    pytest.param({"SLA_INJECT_BADGES": "yes"}, "SLA_INJECT_BADGES", id="inject-text"),
    pytest.param({"SLA_BADGE_ID_PATTERN": "("}, "SLA_BADGE_ID_PATTERN", id="pattern-syntax"),
    pytest.param({"SLA_BADGE_ID_PATTERN": r"\d+"}, "SLA_BADGE_ID_PATTERN", id="pattern-no-group"),
    pytest.param({"SLA_BADGE_ID_SOURCE": "attr:id"}, "SLA_BADGE_ID_SOURCE", id="source"),
    pytest.param({"SLA_WEBHOOK_SECRET": "short"}, "SLA_WEBHOOK_SECRET", id="secret-short"),
    pytest.param({"SLA_WEBHOOK_SECRET": b"0123456789abcdef0"}, "SLA_WEBHOOK_SECRET", id="secret-bytes"),
    pytest.param({"SLA_AGENT_AUTHORIZER": "no_such_module_here:check"}, "SLA_AGENT_AUTHORIZER", id="callback-import"),
    pytest.param({"SLA_AGENT_AUTHORIZER": "os:sep"}, "SLA_AGENT_AUTHORIZER", id="callback-not-callable"),
    pytest.param({"SLA_AGENT_AUTHORIZER": 42}, "SLA_AGENT_AUTHORIZER", id="callback-number"),
    pytest.param({"SLA_CALENDARS": ["us-ny-9x5"]}, "SLA_CALENDARS", id="calendars-list"),
    pytest.param({"SLA_CALENDARS": {"night": {"timezone": "UTC"}}}, "SLA_CALENDARS['night']", id="calendar-invalid"),
    pytest.param({"SLA_CALENDARS": {"x": 5}}, "SLA_CALENDARS['x']", id="calendar-type"),
    pytest.param({"SLA_POLICIES": {"standard": {}}}, "SLA_POLICIES", id="policies-mapping"),
    pytest.param(
        {"SLA_POLICIES": [{"name": "x", "targets": {"high": {"resolution": "4x"}}}]},
        "SLA_POLICIES[0]",
        id="policy-invalid",
    ),
    pytest.param({"SLA_POLICIES": ["/no/such/policy.toml"]}, "SLA_POLICIES[0]", id="policy-file-missing"),
    pytest.param({"SLA_PRIORITY_MATRIX": {"priorities": []}}, "SLA_PRIORITY_MATRIX", id="matrix-invalid"),
    pytest.param({"SLA_URL_PREFX": "/x"}, "SLA_URL_PREFX", id="unknown-key"),
    pytest.param({"SLA_ENGINE_OPTIONS": ["pool_size"]}, "SLA_ENGINE_OPTIONS", id="engine-options-list"),
    pytest.param({"SLA_ENGINE_OPTIONS": {"pool_sise": 10}}, "SLA_ENGINE_OPTIONS", id="engine-options-misspelt"),
    pytest.param({"SLA_ENGINE_OPTIONS": {1: 10}}, "SLA_ENGINE_OPTIONS", id="engine-options-key"),
    pytest.param(
        {"SLA_ENGINE_OPTIONS": {"pool_size": 10}, "SLA_ENGINE": create_engine("sqlite://")},
        "SLA_ENGINE_OPTIONS",
        id="engine-options-with-engine",
    ),
]


@pytest.mark.parametrize(("config", "key"), BAD_CONFIG)
def test_bad_config_is_refused_naming_the_key_and_registers_nothing(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update({"SLA_ADMIN_AUTHORIZER": _allow_admin, "SLA_POLICIES": [str(EXAMPLES / "policies")]} | config)
    with pytest.raises(ConfigError) as raised:
        SLATimers(app)
    assert raised.value.field == key
    assert str(raised.value).startswith(key)
    assert "sla_timers" not in app.extensions and "sla" not in app.blueprints and "sla" not in app.cli.commands


def test_settings_read_a_plain_mapping() -> None:
    settings = Settings.from_config({"SLA_URL_PREFIX": "/help/sla", "SLA_MAX_BODY_BYTES": 2048}, instance_path="/i")
    assert (settings.url_prefix, settings.max_body_bytes, settings.database_url) == (
        "/help/sla",
        2048,
        "sqlite:////i/sla.db",
    )


def test_flask_sla_command_comes_with_the_extension(create_app: AppFactory) -> None:
    # 2026-11-23 is a Monday: 16:00 + 1h30m of New York 9-to-5 = 17:00 then Tue 09:30 EST.
    result = (
        create_app()
        .test_cli_runner()
        .invoke(args=["sla", "due", "--calendar", "us-ny-9x5", "--from", "2026-11-23T16:00", "--in", "1h30m"])
    )
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "2026-11-24T09:30:00-05:00"


def test_engine_options_size_the_plugins_pool(create_app: AppFactory) -> None:
    # A host serving with more threads than SQLAlchemy's default pool of 5 gives the pool their number.
    app = create_app({"SLA_ENGINE_OPTIONS": {"pool_size": 12, "max_overflow": 3}})
    with app.app_context():
        engine = app.extensions["sla_timers"].store().engine
    assert (engine.pool.size(), engine.pool._max_overflow) == (12, 3)
