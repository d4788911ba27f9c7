"""The store the report tests read: four tickets of November 2026 whose
figures are worked out by hand beside them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sla_timers import TicketEvent
from sla_timers.store.store import Store

NY = ZoneInfo("America/New_York")
SETUP_AT = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 17, tzinfo=NY)

POLICY = """
name = "basic"
version = 1
effective_from = "2026-01-01"
calendar = "us-ny-9x5"
[metrics.first_response]
[metrics.resolution]
pauses = true
[targets.high]
first_response = "1h"
resolution = "8h"
[targets.normal]
first_response = "4h"
resolution = "16h"
"""
MATRIX = """
priorities = ["high", "normal"]
default_priority = "normal"
default_policy = "basic"
default_calendar = "us-ny-9x5"
[[rules]]
name = "VIP"
when = { "requester.vip" = true }
then = { priority = "high" }
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NY)


def log(*items: tuple[str, datetime, dict[str, object]]) -> list[TicketEvent]:
    return [TicketEvent(kind, when, id=f"e{i}", **data) for i, (kind, when, data) in enumerate(items)]


NEW = {"priority": "normal", "status": "new"}
REPLY = {"public": True}
# November 2026, New York (EST); us-ny-9x5 is open Mon-Fri 09:00-17:00.
TICKETS = {
    # acme, high: reply after 30m (met, 1h target), solved at 12:00 (3h, met).
    "T1": log(
        ("created", at(16, 9), NEW), ("agent_reply", at(16, 9, 30), REPLY), ("status", at(16, 12), {"status": "solved"})
    ),
    # acme, high: reply Mon 11:00 (2h > 1h: breached), solved 12:00 (3h, met).
    "T2": log(
        ("created", at(16, 9), NEW), ("agent_reply", at(16, 11), REPLY), ("status", at(16, 12), {"status": "solved"})
    ),
    # globex, normal: reply Tue 10:00 (1h, met); solved 11:00 (2h, met).
    "T3": log(
        ("created", at(17, 9), NEW), ("agent_reply", at(17, 10), REPLY), ("status", at(17, 11), {"status": "solved"})
    ),
    # Mail down Wed 09:00, waiting on the customer 10:00-11:00, solved 12:00:
    # 3h down of which 1h the customer's -> 2h of downtime.
    "O1": log(
        ("created", at(18, 9), NEW),
        ("status", at(18, 10), {"status": "pending"}),
        ("status", at(18, 11), {"status": "open"}),
        ("status", at(18, 12), {"status": "solved"}),
    ),
}
INPUTS: dict[str, dict[str, Any]] = {
    "T1": {"requester": {"vip": True}, "organisation": "acme"},
    "T2": {"requester": {"vip": True}, "organisation": "acme"},
    "T3": {"organisation": "globex <script>alert(1)</script>"},
    "O1": {"organisation": "globex <script>alert(1)</script>", "service": "mail"},
}


def fill(url: str) -> None:
    """Upgrade the database at ``url`` and record the tickets above in it."""
    store = Store(url)
    store.upgrade()
    store.put_policy(POLICY, now=SETUP_AT)
    store.put_matrix(MATRIX, effective_from=SETUP_AT, now=SETUP_AT)
    store.record(TICKETS, inputs=INPUTS, now=NOW)
    store.engine.dispose()
