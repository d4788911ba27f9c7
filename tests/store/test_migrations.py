"""Migrations: up, down and up again on every backend; models and head agree; the
host's own Alembic table is never touched."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from sla_timers.store import migrate
from sla_timers.store.models import Base


def _ours(engine: Engine) -> set[str]:
    return {name for name in inspect(engine).get_table_names() if name.startswith("sla_")}


def test_upgrade_downgrade_upgrade(engine: Engine) -> None:
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    tables = set(Base.metadata.tables) | {"sla_alembic_version"}
    assert _ours(engine) == tables
    assert migrate.current(engine) == migrate.head()
    migrate.downgrade(engine, "base")
    assert _ours(engine) == {"sla_alembic_version"}
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert _ours(engine) == tables


def test_models_and_head_agree(engine: Engine) -> None:
    migrate.upgrade(engine)
    migrate.check(engine)  # raises MigrationError naming any difference


def test_check_refuses_a_database_behind_head(engine: Engine) -> None:
    with pytest.raises(migrate.MigrationError, match="db upgrade"):
        migrate.check(engine)


def test_check_names_a_drifted_column(engine: Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE INDEX sla_extra_ix ON sla_outbox (kind)"))
    with pytest.raises(migrate.MigrationError, match="sla_extra_ix"):
        migrate.check(engine)


def test_host_alembic_table_and_tables_untouched(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('host123')"))
        connection.execute(text("CREATE TABLE host_tickets (id INTEGER PRIMARY KEY)"))
    migrate.upgrade(engine)
    migrate.check(engine)  # the host's tables are not reported as drift
    migrate.downgrade(engine, "base")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "host123"
    assert {"alembic_version", "host_tickets"} <= set(inspect(engine).get_table_names())


def test_db_commands(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from sla_timers.cli import main

    assert main(["db", "current", "--url", db_url]) == 0
    assert capsys.readouterr().out.startswith("base")
    assert main(["db", "check", "--url", db_url]) == 1
    assert "db upgrade" in capsys.readouterr().err
    assert main(["db", "upgrade", "--url", db_url]) == 0
    assert capsys.readouterr().out.strip() == f"at {migrate.head()}"
    assert main(["db", "check", "--url", db_url]) == 0
    assert main(["db", "downgrade", "base", "--url", db_url]) == 0
    assert capsys.readouterr().out.strip().endswith("at base")


def test_db_command_without_url_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sla_timers.cli import main

    monkeypatch.delenv("SLA_DATABASE_URL", raising=False)
    assert main(["db", "current"]) == 2
    assert "SLA_DATABASE_URL" in capsys.readouterr().err
