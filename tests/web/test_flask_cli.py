"""``flask sla ...`` runs the same click commands as ``sla-timers ...``.

A host app adds :data:`sla_timers.cli.sla` to ``app.cli`` under the name ``sla``
(the extension does this in ``init_app``); these tests add it by hand so they
hold before and after the extension.
"""

from __future__ import annotations

import pytest
from flask import Flask

from sla_timers.cli import sla


@pytest.fixture()
def app() -> Flask:
    app = Flask("host")
    app.cli.add_command(sla, "sla")
    return app


def test_flask_sla_due_prints_what_sla_timers_due_prints(app: Flask) -> None:
    # Wed 2026-11-25 16:30-17:00 = 30m; Thu 11-26 is Thanksgiving (closed); Fri 09:00 + 3h30 = 12:30 EST.
    result = app.test_cli_runner().invoke(
        args=["sla", "due", "--calendar", "us-ny-9x5", "--from", "2026-11-25T16:30", "--in", "4h"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2026-11-27T12:30:00-05:00"


def test_flask_sla_bad_input_is_exit_status_2_with_the_message(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["sla", "due", "--calendar", "us-ny-9x5", "--from", "2026-11-23T09:00", "--in", "2d"]
    )
    assert result.exit_code == 2
    assert "days and weeks are not accepted" in result.output
    assert "Traceback" not in result.output


def test_flask_sla_unknown_command_lists_the_choices(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["sla", "overdue"])
    assert result.exit_code == 2
    assert (
        "invalid choice: 'overdue' (choose from 'due', 'elapsed', 'calendars', 'calendar', 'demo', 'db', 'report', 'worker', 'backfill')"
        in result.output
    )


def test_flask_sla_missing_option_names_it(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["sla", "due", "--calendar", "us-ny-9x5", "--from", "2026-11-23T09:00"])
    assert result.exit_code == 2
    assert "the following arguments are required: --in" in result.output


def test_flask_sla_help_lists_the_commands_in_order(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["sla", "--help"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == ["due", "elapsed", "calendars", "calendar", "demo", "db", "report", "worker", "backfill"]
