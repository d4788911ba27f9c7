"""The worker loop: sweep then deliver, back off on database errors, stop cleanly on SIGTERM."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from sla_timers import TicketEvent
from sla_timers.cli import sla
from sla_timers.store import migrate
from sla_timers.store.delivery import Deliverer
from sla_timers.store.delivery_errors import DeliveryConfigError
from sla_timers.store.models import OutboxRow
from sla_timers.store.signals import notification
from sla_timers.store.store import Store, SweepResult
from sla_timers.store.worker import Worker

NY = ZoneInfo("America/New_York")
# Mon 2026-11-30, New York (EST, UTC-5); us-ny-9x5 is open 09:00-17:00 Mon-Fri.
MON_9 = datetime(2026, 11, 30, 9, tzinfo=NY)


def test_a_round_sweeps_then_delivers_and_holds_to_business_hours(store: Store) -> None:
    created = TicketEvent("created", MON_9, id="c", priority="normal", status="new")
    store.record({"T1": [created]}, inputs={"T1": {"requester": {"vip": True}}}, now=MON_9)
    sent: list[str] = []
    worker = Worker(store, Deliverer(store.engine))
    with notification.connected_to(lambda sender, **kw: sent.append(kw["key"])):
        # High: first response 1h (due 10:00), resolution 8h (half at 13:00, breach at the 17:00 close).
        first = worker.run_once(datetime(2026, 11, 30, 17, 30, tzinfo=NY))
        assert first.steps == 3
        # The resolution breach is held to business hours: it waits for Tue 09:00.
        assert sorted(sent) == ["T1/first_response/1/breach", "T1/resolution/1/half"]
        assert first.delivery.delivered == 2
        # Later the same night: nothing new is swept, the held one still waits.
        assert worker.run_once(datetime(2026, 12, 1, 2, 0, tzinfo=NY)).did_work is False
        # Tue 09:00 EST = 14:00Z: the breach goes out; nothing is sent twice.
        morning = worker.run_once(datetime(2026, 12, 1, 9, 0, tzinfo=NY))
        assert (morning.steps, morning.delivery.delivered) == (0, 1)
    assert sorted(sent) == ["T1/first_response/1/breach", "T1/resolution/1/breach", "T1/resolution/1/half"]
    with store.engine.connect() as connection:
        statuses = dict(connection.execute(select(OutboxRow.key, OutboxRow.status)).all())
    assert set(statuses.values()) == {"delivered"}


def test_until_idle_returns_once_nothing_is_due(store: Store) -> None:
    created = TicketEvent("created", MON_9, id="c", priority="normal", status="new")
    store.record({"T1": [created], "T2": [created]}, now=MON_9)
    # Normal: first response 4h (breach 13:00), resolution 16h (half at the 17:00 close, 8h in).
    now = datetime(2026, 11, 30, 17, 30, tzinfo=NY)
    worker = Worker(store, batch_size=1, interval=timedelta(hours=1), clock=lambda: now)
    assert store.has_due(now)
    # A round of one-ticket batches sweeps both tickets, a second finds nothing and, with nothing
    # due, returns at once instead of sleeping the hour.
    assert worker.run(until_idle=True) == 2
    assert not store.has_due(now)
    assert {t["metric"] for t in store.timers("T1")} == {"first_response", "resolution"}
    with store.engine.connect() as connection:
        keys = sorted(connection.execute(select(OutboxRow.key)).scalars())
    assert keys == [f"{t}/{m}" for t in ("T1", "T2") for m in ("first_response/1/breach", "resolution/1/half")]


class FlakyStore:
    """A stand-in for the store whose sweep fails as told, then works."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    def sweep(self, now: datetime, **kw: Any) -> SweepResult:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return SweepResult()


def lost_connection() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def test_database_errors_are_logged_and_waited_out(caplog: pytest.LogCaptureFixture) -> None:
    fake = FlakyStore([lost_connection(), lost_connection()])
    worker = Worker(
        fake,
        interval=timedelta(milliseconds=1),
        backoff=timedelta(milliseconds=10),  # type: ignore[arg-type]
        backoff_cap=timedelta(milliseconds=20),
        rng=random.Random(3),
        clock=lambda: datetime(2026, 11, 30, 14, tzinfo=UTC),
    )
    with caplog.at_level(logging.INFO, logger="sla_timers.worker"):
        assert worker.run(max_rounds=1) == 1
    assert fake.calls == 3
    messages = [r.getMessage() for r in caplog.records]
    assert sum("database unavailable (OperationalError" in m for m in messages) == 2
    assert "failure 2 in a row" in " ".join(messages)
    assert any("reachable again after 2 failures" in m for m in messages)
    assert worker.failures == 0


def test_backoff_doubles_to_its_cap_with_jitter() -> None:
    worker = Worker(
        FlakyStore([]),
        backoff=timedelta(seconds=1),
        backoff_cap=timedelta(seconds=30),  # type: ignore[arg-type]
        rng=random.Random(5),
    )
    # Ceilings 1, 2, 4, 8, 16 s, then the 30 s cap; each wait is half to all of its ceiling.
    for failures, ceiling in enumerate([1, 2, 4, 8, 16, 30, 30], start=1):
        wait = worker.backoff_for(failures).total_seconds()
        assert ceiling / 2 <= wait <= ceiling


def test_an_error_that_is_not_the_connection_propagates() -> None:
    wrong = ProgrammingError("SELECT nonsense", {}, Exception("syntax error"))
    worker = Worker(FlakyStore([wrong]), backoff=timedelta(milliseconds=1))  # type: ignore[arg-type]
    with pytest.raises(ProgrammingError):
        worker.run(max_rounds=1)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"interval": timedelta(0)}, "interval"),
        ({"backoff": 5}, "backoff"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_bad_worker_settings_name_the_field(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(DeliveryConfigError) as caught:
        Worker(FlakyStore([]), **kw)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_sigterm_stops_the_worker_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sla.db'}"
    migrate.upgrade(url)
    env = {**os.environ, "SLA_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "sla_timers", "worker", "--interval", "0.05"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        started = process.stdout.readline()
        assert "worker started" in started
        # A few idle rounds, then the stop signal.
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, out
    assert "received SIGTERM" in out
    assert "worker stopped after" in out


def test_the_command_refuses_a_webhook_without_a_secret(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sla.db'}"
    result = CliRunner().invoke(
        sla, ["worker", "--url", url, "--webhook", "https://example.com/hook", "--once"], env={"SLA_WEBHOOK_SECRET": ""}
    )
    assert result.exit_code == 2
    assert "SLA_WEBHOOK_SECRET" in result.output


def test_the_command_needs_a_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(sla, ["worker", "--once"], env={"SLA_DATABASE_URL": ""})
    assert result.exit_code == 2
    assert "give --url or set SLA_DATABASE_URL" in result.output


def test_the_command_refuses_a_bad_webhook_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sla.db'}"
    result = CliRunner().invoke(
        sla, ["worker", "--url", url, "--webhook", "file:///etc/passwd", "--once"], env={"SLA_WEBHOOK_SECRET": "x"}
    )
    assert result.exit_code == 2
    assert "webhook.url" in result.output


def test_one_round_from_the_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sla.db'}"
    migrate.upgrade(url)
    result = CliRunner().invoke(sla, ["worker", "--url", url, "--once", "--log-level", "warning"])
    assert result.exit_code == 0, result.output
