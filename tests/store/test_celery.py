"""The sweep and delivery as Celery tasks, run by a real Celery worker (with beat) on Redis.

Needs the ``celery`` extra and Redis on 127.0.0.1:6379 (``SLA_TEST_REDIS_URL`` to
point elsewhere); skipped, saying which is missing, without them. Each test
uses its own queue and beat file, so runs sharing the Redis never take each
other's tasks. The store is a SQLite file the worker reaches by its URL.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from store_helpers import LADDERS, MATRIX, POLICY

from sla_timers import TicketEvent
from sla_timers.store import Store
from sla_timers.store.celery_tasks import TaskArgumentError, parse_now, register_tasks
from sla_timers.store.delivery_errors import DeliveryConfigError
from sla_timers.store.models import EscalationRow, OutboxRow

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("SLA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _missing() -> str | None:
    try:
        import celery  # noqa: F401
    except ImportError:
        return "celery is not installed (pip install -e '.[celery]')"
    if not _redis_answers(REDIS_URL):
        return f"Redis does not answer at {REDIS_URL}"
    return None


MISSING = _missing()
celery_and_redis = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")

APP = """
from datetime import timedelta

from celery import Celery

from sla_timers.store.celery_tasks import register_tasks

app = Celery("sla_test", broker={broker!r}, backend={broker!r})
app.conf.task_default_queue = {queue!r}
app.conf.broker_connection_retry_on_startup = True
app.conf.worker_hijack_root_logger = False
tasks = register_tasks(
    app, database_url={url!r}, sweep_every=timedelta(seconds=1), deliver_every=timedelta(seconds=1)
)
"""


@pytest.fixture
def due_store(tmp_path: Path) -> Iterator[Store]:
    """Two tickets opened 30 days ago: every step of the basic ladders is due now, whenever now is."""
    store = Store(f"sqlite:///{tmp_path / 'sla.db'}")
    store.upgrade()
    setup = datetime(2026, 1, 1, tzinfo=UTC)
    store.put_policy(POLICY, now=setup)
    store.put_matrix(MATRIX, effective_from=setup, now=setup)
    store.put_ladders(LADDERS, effective_from=setup, now=setup)
    now = datetime.now(UTC)
    # Normal priority (the matrix's default): first response 4h, resolution 16h of business time,
    # and 30 days hold at least 20 business days of 8h, so both timers breached long ago.
    # Recorded a minute after their creation, so nothing has fired yet: the sweep's job.
    created = TicketEvent("created", now - timedelta(days=30), id="c", priority="normal")
    store.record({"A": [created], "B": [created]}, now=created.at + timedelta(minutes=1))
    yield store
    store.engine.dispose()


@pytest.fixture
def app_module(tmp_path: Path, due_store: Store) -> tuple[str, str]:
    """A host's Celery app module in ``tmp_path``: (module name, queue)."""
    queue = f"sla-test-{secrets.token_hex(6)}"
    url = due_store.engine.url.render_as_string(hide_password=False)
    (tmp_path / "sla_celery_app.py").write_text(APP.format(broker=REDIS_URL, queue=queue, url=url))
    return "sla_celery_app", queue


def start_worker(tmp_path: Path, module: str, queue: str, *, beat: bool) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        module,
        "worker",
        "--pool",
        "solo",
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if beat:
        command += ["--beat", "--schedule", str(tmp_path / "beat-schedule")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    with (tmp_path / "worker.log").open("ab") as log:
        return subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(worker: subprocess.Popen[bytes], tmp_path: Path) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def outbox_statuses(store: Store) -> list[str]:
    with store.engine.connect() as connection:
        return sorted(connection.execute(select(OutboxRow.status)).scalars())


def escalations(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(EscalationRow)).scalar_one())


@celery_and_redis
def test_a_celery_worker_runs_the_tasks_and_survives_a_bad_argument(
    tmp_path: Path, due_store: Store, app_module: tuple[str, str]
) -> None:
    module, queue = app_module
    sys.path.insert(0, str(tmp_path))
    try:
        host = __import__(module)
    finally:
        sys.path.remove(str(tmp_path))
    worker = start_worker(tmp_path, module, queue, beat=False)
    try:
        # Sent from here, run in the worker process: 2 tickets x (first-response breach,
        # resolution half, resolution breach) = 6 steps, each with one notification.
        swept = host.tasks.sweep.delay(datetime.now(UTC).isoformat()).get(timeout=120)
        assert swept["steps"] == 6 and swept["notifications"] == 6
        # Broker data is hostile: a bad `now` fails that task, naming the argument ...
        with pytest.raises(Exception, match="now: 'yesterday' is not an ISO 8601 instant"):
            host.tasks.sweep.delay("yesterday").get(timeout=120)
        # ... and the worker goes on: the outbox is delivered (signals, no receiver needed).
        delivered = host.tasks.deliver.delay().get(timeout=120)
        assert delivered["delivered"] == 6
        assert outbox_statuses(due_store) == ["delivered"] * 6
        assert host.tasks.sweep.delay().get(timeout=120)["steps"] == 0
    finally:
        stop(worker, tmp_path)
        host.app.close()
        sys.modules.pop(module, None)


@celery_and_redis
def test_beat_sweeps_and_delivers_on_its_own(tmp_path: Path, due_store: Store, app_module: tuple[str, str]) -> None:
    module, queue = app_module
    worker = start_worker(tmp_path, module, queue, beat=True)
    try:
        deadline = time.monotonic() + 180
        while outbox_statuses(due_store) != ["delivered"] * 6:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
        assert escalations(due_store) == 6
    finally:
        stop(worker, tmp_path)
    log = (tmp_path / "worker.log").read_text()
    assert "sla_timers.sweep" in log and "sla_timers.deliver" in log


def test_register_tasks_checks_its_settings() -> None:
    class App:  # registration checks settings before touching the app
        conf = None

    with pytest.raises(DeliveryConfigError) as info:
        register_tasks(App(), database_url="sqlite://", sweep_every=timedelta(0))
    assert info.value.field == "sweep_every"
    with pytest.raises(DeliveryConfigError) as info:
        register_tasks(App(), database_url="", batch_size=10)
    assert info.value.field == "database_url"
    with pytest.raises(DeliveryConfigError) as info:
        register_tasks(App(), database_url="sqlite://", max_batches=0)
    assert info.value.field == "max_batches"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param("yesterday", "is not an ISO 8601 instant", id="words"),
        pytest.param("2026-11-30T09:00:00", "has no offset", id="naive"),
        pytest.param(1764504000, "expected an ISO 8601 instant", id="number"),
        pytest.param("9" * 10_000, "expected an ISO 8601 instant", id="huge"),
        pytest.param({"path": "/etc/passwd"}, "expected an ISO 8601 instant", id="object"),
    ],
)
def test_a_task_argument_is_checked_like_network_data(value: object, problem: str) -> None:
    with pytest.raises(TaskArgumentError, match=problem) as info:
        parse_now(value)
    assert info.value.field == "now"


def test_a_task_argument_that_is_an_instant_is_read_as_one() -> None:
    # 09:00 at -05:00 is 14:00 UTC.
    assert parse_now("2026-11-30T09:00:00-05:00") == datetime(2026, 11, 30, 14, tzinfo=UTC)
    assert parse_now(None) is None
