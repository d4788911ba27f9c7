"""Worker processes on PostgreSQL under faults: each escalation step is recorded once.

Four worker processes sweep tickets whose three resolution steps are all due:
every step is recorded exactly once and has one outbox row, also when one
worker is killed with SIGKILL in the middle of a batch (written, not
committed), and when a worker's connection is cut by a TCP proxy between the
worker and the server while its batch is in hand (it logs, backs off,
reconnects and carries on). The proxy is the test's own, on loopback; the
shared server is never touched.

Size: 200 tickets (600 steps) by default; ``SLA_FAULT_TICKETS=10000`` for the
full-size run (30,000 steps).
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, make_url
from sqlalchemy import select as sql_select
from store_helpers import POLICY, empty_tables

from sla_timers import TicketEvent
from sla_timers.store import Store
from sla_timers.store.engine import make_engine
from sla_timers.store.models import EscalationRow, OutboxRow, TicketRow

pytestmark = [
    pytest.mark.slow,
    pytest.mark.pg,
    pytest.mark.skipif("SLA_TEST_DATABASE_URL" not in os.environ, reason="SLA_TEST_DATABASE_URL not set (PostgreSQL)"),
]

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("fault_worker.py")
NY = ZoneInfo("America/New_York")
# Mon 2026-11-30 09:00 New York; us-ny-9x5 is open 09:00-17:00 Mon-Fri.
MON_9 = datetime(2026, 11, 30, 9, tzinfo=NY)
# Normal priority: resolution 16h. By Wed 12:00 it ran Mon 8h + Tue 8h, so it breached at
# Tue 17:00 and the 50 % (Mon 17:00), 75 % (Tue 13:00) and breach steps are all due.
NOW = datetime(2026, 12, 2, 12, tzinfo=NY)
STEPS = ("half", "three-quarters", "breach")
THREE_STEPS = "".join(
    f'[[ladders.basic.resolution]]\nid = "{step}"\nat = {at}\nnotify = [{{ group = "desk" }}]\n'
    for step, at in zip(STEPS, (0.5, 0.75, 1.0), strict=True)
)
TICKETS = int(os.environ.get("SLA_FAULT_TICKETS", "200"))
BATCH = 25
#: Longest a test waits for its workers (the full size on a loaded machine included).
WAIT = 900.0


@pytest.fixture
def due_store(postgresql_store_url: str) -> Iterator[Engine]:
    """TICKETS tickets created Monday 09:00, each with three resolution steps due at NOW."""
    engine = make_engine(postgresql_store_url)
    empty_tables(engine)
    store = Store(engine)
    setup = datetime(2026, 1, 1, tzinfo=NY)
    store.put_policy(POLICY, now=setup)
    store.put_ladders(THREE_STEPS, effective_from=setup, now=setup)
    for lo in range(0, TICKETS, 2000):
        store.record(
            {
                f"T{n}": [TicketEvent("created", MON_9, id="c", priority="normal")]
                for n in range(lo, min(TICKETS, lo + 2000))
            },
            now=MON_9,
        )
    yield engine
    engine.dispose()


def start_worker(url: str, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    with log.open("ab") as stderr:
        return subprocess.Popen(
            [sys.executable, str(WORKER), url, NOW.isoformat(), str(BATCH)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=ROOT,
        )


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def finish(workers: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    try:
        for worker in workers:
            worker.wait(timeout=WAIT)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    codes = [w.returncode for w in workers]
    assert codes == [0] * len(workers), "\n".join(p.read_text() for p in logs)


def assert_every_step_once(engine: Engine) -> None:
    with engine.connect() as connection:
        fired = connection.execute(
            sql_select(TicketRow.host_id, EscalationRow.metric, EscalationRow.cycle, EscalationRow.step).join(
                TicketRow, TicketRow.id == EscalationRow.ticket_id
            )
        ).all()
        outbox = connection.execute(sql_select(func.count()).select_from(OutboxRow)).scalar_one()
        keys = connection.execute(sql_select(func.count(func.distinct(OutboxRow.key)))).scalar_one()
    expected = {(f"T{n}", "resolution", 1, step) for n in range(TICKETS) for step in STEPS}
    # None twice (a list the length of the set) and none lost (the set is the expected one).
    assert len(fired) == len(set(fired)) == 3 * TICKETS
    assert set(fired) == expected
    assert outbox == keys == 3 * TICKETS
    # Nothing is due any more: a last sweep finds nothing to record.
    assert Store(engine).sweep(NOW).steps == 0


def escalations(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sql_select(func.count()).select_from(EscalationRow)).scalar_one())


def test_four_workers_record_every_step_once(due_store: Engine, postgresql_store_url: str, tmp_path: Path) -> None:
    logs = [tmp_path / f"worker{i}.log" for i in range(4)]
    workers = [start_worker(postgresql_store_url, log) for log in logs]
    finish(workers, logs)
    assert_every_step_once(due_store)


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(
    due_store: Engine, postgresql_store_url: str, tmp_path: Path
) -> None:
    env = {"SLA_TESTING_CHECKPOINTS": "sweep.before_commit", "SLA_TESTING_CHECKPOINT_DIR": str(tmp_path)}
    victim = start_worker(postgresql_store_url, tmp_path / "victim.log", env)
    # The victim has written its first batch's steps and outbox rows, uncommitted, rows locked.
    wait_for(lambda: any(tmp_path.glob("sweep.before_commit.*.arrived")), "the victim to reach its checkpoint")
    assert escalations(due_store) == 0
    logs = [tmp_path / f"worker{i}.log" for i in range(3)]
    workers = [start_worker(postgresql_store_url, log) for log in logs]
    wait_for(lambda: escalations(due_store) > 0, "the other workers to commit a batch")
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(timeout=60) == -signal.SIGKILL
    finish(workers, logs)
    assert_every_step_once(due_store)


class CuttableProxy:
    """A loopback TCP proxy to ``upstream`` whose connections the test can cut at will.

    While cut, new connections are accepted and closed at once (a database that
    does not answer); :meth:`restore` lets them through again.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.open = True
        self.cuts = 0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 0.5)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in (a, b):
                sock.close()

    def cut(self) -> None:
        """Refuse new connections and break every open one (both sides see it closed)."""
        self.open = False
        self.cuts += 1
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def restore(self) -> None:
        self.open = True

    def close(self) -> None:
        self._closed = True
        self.cut()
        self.server.close()


def test_a_cut_connection_is_logged_backed_off_and_resumed(
    due_store: Engine, postgresql_store_url: str, tmp_path: Path
) -> None:
    url = make_url(postgresql_store_url)
    proxy = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    try:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = {"SLA_TESTING_CHECKPOINTS": "sweep.before_commit", "SLA_TESTING_CHECKPOINT_DIR": str(tmp_path)}
        log = tmp_path / "worker.log"
        worker = start_worker(through, log, env)
        wait_for(lambda: any(tmp_path.glob("sweep.before_commit.*.arrived")), "the worker to reach its checkpoint")
        # Mid-sweep: the batch is written, not committed. Cut the line and keep it down a while,
        # so the worker's commit fails and its first reconnections are refused.
        proxy.cut()
        (tmp_path / "sweep.before_commit.release").write_text("go")
        wait_for(lambda: "database unavailable" in log.read_text(), "the worker to log the lost connection", 120)
        time.sleep(1.0)
        proxy.restore()
        finish([worker], [log])
        text = log.read_text()
        assert "retrying in" in text
        assert "database reachable again" in text
    finally:
        proxy.close()
    assert_every_step_once(due_store)
