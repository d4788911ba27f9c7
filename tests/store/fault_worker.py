"""A worker process for the fault tests: sweep at a fixed instant until nothing is due.

Run as ``python fault_worker.py URL NOW_ISO BATCH_SIZE``; logs go to stderr.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta


def main(url: str, now_iso: str, batch_size: str) -> int:
    from sla_timers.store import Store
    from sla_timers.store.worker import Worker

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(process)d %(levelname)s %(message)s")
    now = datetime.fromisoformat(now_iso)
    store = Store(url)
    worker = Worker(
        store,
        None,
        interval=timedelta(milliseconds=50),
        batch_size=int(batch_size),
        backoff=timedelta(milliseconds=200),
        backoff_cap=timedelta(seconds=1),
        clock=lambda: now,
    )
    worker.handle_signals()
    worker.run(until_idle=True)
    store.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
