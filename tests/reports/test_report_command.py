"""``sla-timers report``: JSON lines in, a report out, bad input one line and exit 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from sla_timers.cli import main


def _line(
    ticket: str,
    metric: str,
    status: str,
    elapsed_min: int,
    stopped: str | None,
    *,
    priority: str = "high",
    target_min: int | None = 60,
    wait_min: int = 0,
) -> str:
    return json.dumps(
        {
            "ticket_id": ticket,
            "metric": metric,
            "status": status,
            "target": None if target_min is None else target_min * 60,
            "started_at": "2026-10-05T09:00:00-04:00",
            "stopped_at": stopped,
            "elapsed": elapsed_min * 60,
            "customer_wait": wait_min * 60,
            "priority": priority,
            "organisation": "acme",
        }
    )


@pytest.fixture
def timers(tmp_path: Path) -> Path:
    path = tmp_path / "timers.jsonl"
    path.write_text(
        "\n".join(
            [
                _line("t1", "first_response", "met", 30, "2026-10-05T09:30:00-04:00"),
                _line("t2", "first_response", "breached", 90, "2026-10-05T10:30:00-04:00", wait_min=20),
                _line("t3", "first_response", "running", 10, None),
                "",
                _line("t4", "first_response", "met", 5, "2026-10-06T09:05:00-04:00", priority="low"),
                # Solved 2026-10-31 21:00 New York = 11-01 01:00Z: October's in New York, outside the range in UTC.
                _line("t5", "first_response", "met", 20, "2026-10-31T21:00:00-04:00", priority="low"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


def test_table_grouped_by_priority(timers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "report",
            "--input",
            str(timers),
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-01",
            "--group-by",
            "priority",
            "--zone",
            "America/New_York",
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert status == 0
    assert out[0].split()[:4] == ["metric", "priority", "total", "met"]
    # high: met t1, breached t2, running t3 -> 1/2 = 50%; stopped 30m and 90m: median rank 1 = 30m.
    assert out[2].split()[:8] == ["first_response", "high", "3", "1", "1", "1", "0", "50.00"]
    assert out[2].split()[8:10] == ["30m", "1h30m"]
    # low: t4 and t5 (October in New York).
    assert out[3].split()[:4] == ["first_response", "low", "2", "2"]


def test_csv_by_month_in_utc_leaves_the_late_solve_out(timers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "report",
            "--input",
            str(timers),
            "--from",
            "2026-10-01T00:00Z",
            "--to",
            "2026-11-01T00:00Z",
            "--group-by",
            "priority",
            "--period",
            "month",
            "--format",
            "csv",
        ]
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["period"], r["priority"], r["total"]) for r in rows] == [
        ("2026-10", "high", "3"),
        ("2026-10", "low", "1"),
    ]


def test_json_and_service_levels(timers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    levels = tmp_path / "levels.toml"
    levels.write_text('[first_response]\nhigh = "50/30"\n', encoding="utf-8")
    main(
        [
            "report",
            "--input",
            str(timers),
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-01",
            "--format",
            "json",
            "--report",
            "service-levels",
            "--levels",
            str(levels),
        ]
    )
    (row,) = json.loads(capsys.readouterr().out)
    # high: t1 30m within 30m, t2 90m not, t3 running at 10m pending: 1 of 2 = 50%, kept exactly.
    assert (row["goal"], row["counted"], row["within_count"], row["pending"], row["kept"]) == ("50/30", 2, 1, 1, True)


def test_ticket_lines_are_evaluated_under_the_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        'name = "p"\nversion = 1\ncalendar = "us-ny-9x5"\n[targets.high]\nfirst_response = "1h"\n', encoding="utf-8"
    )
    tickets = tmp_path / "tickets.jsonl"
    # Mon 2026-10-05 09:00 New York, answered at 09:45: 45m of business time, met.
    tickets.write_text(
        json.dumps(
            {
                "ticket_id": "T-1",
                "organisation": "acme",
                "events": [
                    {"kind": "created", "at": "2026-10-05T09:00:00-04:00", "priority": "high"},
                    {"kind": "agent_reply", "at": "2026-10-05T09:45:00-04:00", "public": True},
                ],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    main(
        [
            "report",
            "--input",
            str(tickets),
            "--policy",
            str(policy),
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-01",
            "--format",
            "json",
            "--group-by",
            "organisation",
        ]
    )
    rows = json.loads(capsys.readouterr().out)
    first = next(r for r in rows if r["metric"] == "first_response")
    assert (first["organisation"], first["met"], first["median"]) == ("acme", 1, 45 * 60)


@pytest.mark.parametrize(
    ("content", "args", "words"),
    [
        ('{"ticket_id": "a"}\n', [], "line 1.metric: is required"),
        ("not json\n", [], "line 1: not JSON"),
        (_line("a", "first_response", "done", 1, None) + "\n", [], 'line 1.status: "done" is not one of'),
        ('{"ticket_id": "a", "events": []}\n', [], "needs --policy"),
        ("", ["--group-by", "team"], "argument --group-by: 'team' is not one of"),
        ("", ["--zone", "Mars/Olympus"], '--zone: "Mars/Olympus" is not a known IANA zone'),
        ("", ["--report", "service-levels"], "--levels: give a service levels TOML file"),
    ],
    ids=[
        "missing-field",
        "not-json",
        "bad-status",
        "ticket-without-policy",
        "bad-dimension",
        "bad-zone",
        "levels-missing",
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, args: list[str], words: str
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(content, encoding="utf-8")
    status = main(["report", "--input", str(path), "--from", "2026-10-01", "--to", "2026-11-01", *args])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and words in err, err


def test_to_must_follow_from(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--from", "2026-11-01", "--to", "2026-10-01"]) == 2
    assert "--to: 2026-10-01 is not after --from 2026-11-01" in capsys.readouterr().err
