"""The store's SQLite engine: writers queue on the write lock, readers marked read-only take a snapshot."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from sla_timers.store.engine import READ_ONLY, make_engine


@pytest.mark.timeout(20)
def test_a_read_only_connection_reads_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sla.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as writer:
        writer.execute(text("INSERT INTO t VALUES (2)"))  # BEGIN IMMEDIATE: the write lock is held, uncommitted
        # A writer's transaction would wait up to the 30 s busy timeout here; a read-only one reads the
        # last committed snapshot at once: one row, not the uncommitted second.
        with engine.connect().execution_options(**{READ_ONLY: True}) as reader:
            assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
        writer.commit()
    with engine.connect().execution_options(**{READ_ONLY: True}) as reader:
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    engine.dispose()


@pytest.mark.timeout(20)
def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sla.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    entered = threading.Event()
    done: list[int] = []

    def second() -> None:
        with engine.begin() as connection:  # waits at BEGIN IMMEDIATE until the first commits
            entered.set()
            done.append(connection.execute(text("SELECT count(*) FROM t")).scalar_one())
            connection.execute(text("INSERT INTO t VALUES (2)"))

    with engine.connect() as first:
        first.execute(text("INSERT INTO t VALUES (1)"))
        thread = threading.Thread(target=second)
        thread.start()
        # Still waiting on the lock half a second later.
        assert not entered.wait(0.5)
        first.commit()
    thread.join(10)
    # The second saw the first's row when it finally began: its read and its write are one snapshot.
    assert done == [1]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    engine.dispose()
