"""Reports fed by the store: cycles streamed from the tables, with the customer's
paused time, checked against figures worked out by hand, on every backend."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text
from store_helpers import MATRIX, POLICY

from sla_timers import TicketEvent
from sla_timers.errors import NaiveDatetimeError, ReportError
from sla_timers.reports import compliance
from sla_timers.store.report_source import count_timers, stream_outages, stream_timers, ticket_dimensions
from sla_timers.store.store import Store

NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)
SETUP_AT = datetime(2026, 1, 1, tzinfo=UTC)
# November 2026 in New York (EST, UTC-5 all month); us-ny-9x5 is open Mon-Fri 09:00-17:00.
NOV = datetime(2026, 11, 1, tzinfo=NY)
DEC = datetime(2026, 12, 1, tzinfo=NY)
NOW = datetime(2026, 11, 20, 17, tzinfo=NY)  # Fri 11-20 17:00, after every event below


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def log(*items: tuple[str, datetime, dict[str, object]]) -> list[TicketEvent]:
    return [TicketEvent(kind, when, id=f"e{i}", **data) for i, (kind, when, data) in enumerate(items)]


def created(when: datetime) -> tuple[str, datetime, dict[str, object]]:
    return ("created", when, {"priority": "normal", "status": "new"})


def reply(when: datetime) -> tuple[str, datetime, dict[str, object]]:
    return ("agent_reply", when, {"public": True})


def status(when: datetime, name: str) -> tuple[str, datetime, dict[str, object]]:
    return ("status", when, {"status": name})


# The "basic" policy: high 1h first response / 8h resolution, normal 4h / 16h;
# first_response runs on while pending, resolution pauses. A VIP requester is high.
TICKETS = {
    # T1 (high): reply after 30m, solved Mon 12:00 -> resolution 3h. Both met.
    "T1": log(created(at(11, 16, 9)), reply(at(11, 16, 9, 30)), status(at(11, 16, 12), "solved")),
    # T2 (high): pending Mon 10:00 to Tue 10:00 (Mon 10-17 7h + Tue 09-10 1h = 8h of
    # business time waiting on the customer), reply Tue 11:00, solved Tue 15:00.
    # first_response runs on: Mon 8h + Tue 2h = 10h > 1h, breached; less the 8h wait
    # still 2h > 1h, so not excused. resolution: 1h + (Tue 10-15) 5h = 6h, met, paused 8h.
    "T2": log(
        created(at(11, 16, 9)),
        status(at(11, 16, 10), "pending"),
        status(at(11, 17, 10), "open"),
        reply(at(11, 17, 11)),
        status(at(11, 17, 15), "solved"),
    ),
    # T3 (normal): reply Wed 14:00, 5h > 4h: breached. resolution still open at NOW:
    # Wed 8h + Thu 8h + Fri 8h = 24h > 16h: breached, running; dated by its start (Wed).
    "T3": log(created(at(11, 18, 9)), reply(at(11, 18, 14))),
    # T4 (normal): pending Thu 09:30 to 15:00 (5h30 the customer's), reply 15:30:
    # first_response 6h30 > 4h breached, but 6h30 - 5h30 = 1h <= 4h: excused.
    # resolution open: 30m + Thu 15-17 2h + Fri 8h = 10h30 < 16h, running, paused 5h30.
    "T4": log(
        created(at(11, 19, 9)),
        status(at(11, 19, 9, 30), "pending"),
        status(at(11, 19, 15), "open"),
        reply(at(11, 19, 15, 30)),
    ),
    # T5 (normal): all in October, outside the range.
    "T5": log(created(at(10, 26, 9)), reply(at(10, 26, 9, 30)), status(at(10, 26, 10), "solved")),
    # T6 (normal): created Fri 10-30 16:00, reply Mon 11-02 09:30 (Fri 1h + Mon 30m =
    # 1h30, met), solved 10:00 (2h, met): both stop in November, so they count by end.
    "T6": log(created(at(10, 30, 16)), reply(at(11, 2, 9, 30)), status(at(11, 2, 10), "solved")),
}
INPUTS = {
    "T1": {"requester": {"vip": True, "organisation": "acme"}, "group": "desk", "business_line": "hardware"},
    "T2": {"requester": {"vip": True}, "organisation": "acme", "group": "desk", "business_line": "hardware"},
    "T3": {"organisation": "globex", "group": "field", "business_line": "network"},
    "T4": {"organisation": "globex", "group": "field", "business_line": "network"},
    "T5": {"organisation": "globex", "group": "field"},
    "T6": {"organisation": "initech", "group": "desk", "business_line": "hardware"},
}


@pytest.fixture
def filled(store_engine: Engine) -> Iterator[Engine]:
    """The tickets above recorded in a store with the ``basic`` policy and the matrix, no ladders."""
    s = Store(store_engine)
    s.put_policy(POLICY, now=SETUP_AT)
    s.put_matrix(MATRIX, effective_from=SETUP_AT, now=SETUP_AT)
    s.record(TICKETS, inputs=INPUTS, now=NOW)
    yield store_engine


def by_cycle(engine: Engine, **kwargs: object) -> dict[str, object]:
    rows = list(stream_timers(engine, start=NOV, end=DEC, **kwargs))  # type: ignore[arg-type]
    return {f"{r.ticket_id}/{r.metric}": r for r in rows}


METRICS = ("first_response", "resolution")


def test_streamed_cycles_carry_business_time_paused_time_and_the_ticket(filled: Engine) -> None:
    rows = by_cycle(filled)
    # T5 is October's; T6 stopped in November. 5 tickets x 2 metrics.
    assert sorted(rows) == sorted(f"{t}/{m}" for t in ("T1", "T2", "T3", "T4", "T6") for m in METRICS)
    expected = {
        # cycle: (status, target, elapsed, paused_for, customer_wait)
        "T1/first_response": ("met", H, 30 * M, 0 * H, 0 * H),
        "T1/resolution": ("met", 8 * H, 3 * H, 0 * H, 0 * H),
        "T2/first_response": ("breached", H, 10 * H, 0 * H, 8 * H),
        "T2/resolution": ("met", 8 * H, 6 * H, 8 * H, 8 * H),
        "T3/first_response": ("breached", 4 * H, 5 * H, 0 * H, 0 * H),
        "T3/resolution": ("breached", 16 * H, 24 * H, 0 * H, 0 * H),
        "T4/first_response": ("breached", 4 * H, 6 * H + 30 * M, 0 * H, 5 * H + 30 * M),
        "T4/resolution": ("running", 16 * H, 10 * H + 30 * M, 5 * H + 30 * M, 5 * H + 30 * M),
        "T6/first_response": ("met", 4 * H, 90 * M, 0 * H, 0 * H),
        "T6/resolution": ("met", 16 * H, 2 * H, 0 * H, 0 * H),
    }
    got = {k: (r.status, r.target, r.elapsed, r.paused_for, r.customer_wait) for k, r in rows.items()}
    assert got == expected
    t2 = rows["T2/resolution"]
    assert (t2.priority, t2.policy, t2.organisation, t2.group, t2.business_line) == (
        "high",
        "basic",
        "acme",
        "desk",
        "hardware",
    )
    assert rows["T1/resolution"].organisation == "acme"  # from requester.organisation
    assert rows["T6/resolution"].stopped_at == at(11, 2, 10).astimezone(UTC)
    assert rows["T3/resolution"].stopped_at is None


def test_compliance_from_the_store_by_priority(filled: Engine) -> None:
    rows = compliance(
        stream_timers(filled, start=NOV, end=DEC), group_by=["priority"], zone="America/New_York", start=NOV, end=DEC
    )
    got = {(r.metric, r.keys["priority"]): r for r in rows}
    fr_high, fr_normal = got["first_response", "high"], got["first_response", "normal"]
    # high: T1 met, T2 breached -> 1 / 2 = 50%. Median of 30m and 10h (nearest rank: lower) 30m.
    assert (fr_high.met, fr_high.breached, fr_high.percent_met, fr_high.median) == (1, 1, Decimal("50.00"), 30 * M)
    # normal: T6 met, T3 and T4 breached -> 1 / 3 = 33.33%; T4's breach is excused.
    assert (fr_normal.met, fr_normal.breached, fr_normal.excused) == (1, 2, 1)
    assert fr_normal.percent_met == Decimal("33.33")
    # Customer's wait: T4's 5h30 (first_response runs on while pending).
    assert fr_normal.customer_wait == 5 * H + 30 * M
    res_high, res_normal = got["resolution", "high"], got["resolution", "normal"]
    # high: T1 3h and T2 6h, both met; T2's 8h paused is the customer's and not in its 6h.
    assert (res_high.met, res_high.percent_met, res_high.customer_wait) == (2, Decimal("100.00"), 8 * H)
    # p90 nearest rank of [3h, 6h]: ceil(0.9 x 2) = 2nd -> 6h.
    assert res_high.p90 == 6 * H
    # normal: T6 met, T3 breached (still running), T4 running -> 1 / 2 = 50%.
    assert (res_normal.met, res_normal.breached, res_normal.running) == (1, 1, 1)


def test_dated_by_start_leaves_out_cycles_started_before_the_range(filled: Engine) -> None:
    rows = by_cycle(filled, date_by="start")
    # T6 started Fri 10-30: out by start, in by end.
    assert not any(k.startswith("T6/") for k in rows)
    assert len(rows) == 8


def test_filters_batches_count_and_progress(filled: Engine) -> None:
    seen: list[int] = []
    rows = list(stream_timers(filled, start=NOV, end=DEC, batch_size=3, progress=seen.append))
    assert len(rows) == 10 and sum(seen) == 10 and max(seen) <= 3
    assert count_timers(filled, start=NOV, end=DEC) == 10
    assert count_timers(filled, start=NOV, end=DEC, metrics=["resolution"]) == 5
    only = list(stream_timers(filled, start=NOV, end=DEC, organisations=["globex"]))
    assert {r.ticket_id for r in only} == {"T3", "T4"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"start": DEC, "end": NOV}, "end", id="reversed-range"),
        pytest.param({"date_by": "middle"}, "date_by", id="date-by"),
        pytest.param({"batch_size": 0}, "batch_size", id="batch-size"),
        pytest.param({"metrics": "resolution"}, "metrics", id="metrics-string"),
    ],
)
def test_bad_arguments_name_the_field(filled: Engine, kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"start": NOV, "end": DEC, **kwargs}
    with pytest.raises(ReportError) as info:
        list(stream_timers(filled, **args))  # type: ignore[arg-type]
    assert info.value.field == field


def test_naive_range_is_refused(filled: Engine) -> None:
    with pytest.raises(NaiveDatetimeError):
        list(stream_timers(filled, start=datetime(2026, 11, 1), end=DEC))


def test_outage_tickets_give_down_intervals_with_the_customers_stretches(store_engine: Engine) -> None:
    s = Store(store_engine)
    s.put_policy(POLICY, now=SETUP_AT)
    s.put_matrix(MATRIX, effective_from=SETUP_AT, now=SETUP_AT)
    # Mail down Mon 11-16 09:00, waiting on the customer 10:00-11:00, solved 12:00.
    events = log(
        created(at(11, 16, 9)),
        status(at(11, 16, 10), "pending"),
        status(at(11, 16, 11), "open"),
        status(at(11, 16, 12), "solved"),
    )
    s.record({"O1": events, "O2": log(created(at(11, 17, 9)))}, inputs={"O1": {"service": "mail"}}, now=NOW)
    outages = list(stream_outages(store_engine, start=NOV, end=DEC))
    assert len(outages) == 1  # O2 names no service
    (o,) = outages
    assert (o.service, o.ticket_id, o.start_at, o.end_at) == ("mail", "O1", at(11, 16, 9), at(11, 16, 12))
    assert o.customer_held == ((at(11, 16, 10), at(11, 16, 11)),)


class _Ticket:
    def __init__(self, inputs: dict[str, object], classification: dict[str, object] | None = None) -> None:
        self.inputs, self.classification = inputs, classification


@pytest.mark.parametrize(
    ("inputs", "classification", "expected"),
    [
        pytest.param({}, None, (None, None, None, None), id="nothing"),
        pytest.param(
            {"business_line": "x", "group": "g", "organisation": "o", "service": "s"},
            {"business_line": "sales"},
            ("sales", "g", "o", "s"),
            id="matrix-line-first",
        ),
        pytest.param({"requester": {"organisation": "acme"}}, None, (None, None, "acme", None), id="requester-org"),
        pytest.param({"group": {"a": 1}, "organisation": True}, None, (None, None, None, None), id="not-text"),
        pytest.param({"group": 7, "organisation": "o" * 300}, None, (None, "7", "o" * 255, None), id="number-cut"),
    ],
)
def test_ticket_dimensions(
    inputs: dict[str, object], classification: dict[str, object] | None, expected: tuple[object, ...]
) -> None:
    got = ticket_dimensions(_Ticket(inputs, classification))
    assert (got["business_line"], got["assigned_group"], got["organisation"], got["service"]) == expected


def _report(engine: Engine, *args: str) -> list[str]:
    url = engine.url.render_as_string(hide_password=False)
    return [
        "report",
        "--database",
        url,
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-01",
        "--zone",
        "America/New_York",
        *args,
    ]


def test_report_command_reads_the_store(filled: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    from sla_timers.cli import main

    status = main(_report(filled, "--group-by", "priority", "--format", "json", "--progress"))
    captured = capsys.readouterr()
    assert status == 0, captured.err
    rows = {(r["metric"], r["priority"]): r for r in json.loads(captured.out)}
    # As worked out above: first response, high 1 of 2 met (50%), normal 1 of 3 (33.33%).
    assert (rows["first_response", "high"]["met"], rows["first_response", "high"]["percent_met"]) == (1, "50.00")
    assert rows["first_response", "normal"]["percent_met"] == "33.33"
    assert rows["resolution", "high"]["customer_wait"] == 8 * 3600  # T2's 8h pending, in seconds
    # --progress asks for click's bar on stderr; off a terminal click writes its label only.
    assert captured.err == "reading cycles\n"

    assert main(_report(filled, "--format", "csv", "--no-progress")) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = list(csv.DictReader(io.StringIO(captured.out)))
    assert {(r["metric"], r["total"]) for r in lines} == {("first_response", "5"), ("resolution", "5")}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["--input", "x.jsonl"], "give --input or --database, not both", id="both"),
        pytest.param(["--policy", "POLICY"], "--policy", id="policy"),
    ],
)
def test_report_command_refuses_with_one_line(
    filled: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    from sla_timers.cli import main

    policy = tmp_path / "basic.toml"
    policy.write_text(POLICY, encoding="utf-8")
    args = [str(policy) if a == "POLICY" else a for a in args]
    status = main(_report(filled, *args))
    err = capsys.readouterr().err
    assert status == 2 and words in err and len(err.strip().splitlines()) == 1, err


def test_report_command_on_a_database_without_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sla_timers.cli import main

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    args = ["report", "--database", url, "--from", "2026-11-01", "--to", "2026-12-01"]
    assert main(args) == 2
    assert "--database: cannot read the store" in capsys.readouterr().err


@pytest.mark.timeout(20)
def test_a_report_streams_while_a_writer_holds_sqlites_lock(filled: Engine) -> None:
    if filled.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    unlocked = by_cycle(filled)
    with filled.connect() as writer:
        writer.execute(text("SELECT 1"))  # the writer's transaction holds the write lock from its BEGIN
        # The report reads a snapshot instead of waiting out the 30 s busy timeout for the lock.
        assert by_cycle(filled) == unlocked
