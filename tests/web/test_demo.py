"""The demo helpdesk: seeded pages, the actions that move timers, and its
configuration kept equal to ``examples/``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_helpers import EXAMPLES

from sla_timers.cli import main
from sla_timers.web.demo import create_app

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "sla_timers" / "web" / "demo" / "config"


@pytest.fixture()
def demo(tmp_path: Path) -> Flask:
    return create_app(tmp_path / "demo.db")


def _token(client: FlaskClient, ticket: int) -> str:
    page = client.get(f"/tickets/{ticket}").get_data(as_text=True)
    found = re.search(r'name="token" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


def _timers(client: FlaskClient, ticket: int) -> dict[str, dict[str, object]]:
    body = client.get(f"/sla/api/badges?ticket={ticket}").get_json()
    return {t["metric"]: t for t in body["tickets"][str(ticket)]["timers"]}


def test_the_list_shows_every_seeded_ticket_with_a_badge(demo: Flask) -> None:
    page = demo.test_client().get("/").get_data(as_text=True)
    assert "Printer jams on every page" in page and "Booking system rejects orders" in page
    assert page.count('data-sla-badge="') == 6
    assert "data-sla-script" in page


def test_the_ceos_printer_is_urgent_on_the_executive_policy(demo: Flask) -> None:
    page = demo.test_client().get("/tickets/1").get_data(as_text=True)
    assert "priority <strong>urgent</strong> on policy executive" in page


def test_actions_move_the_timers(tmp_path: Path) -> None:
    # Seeded as if it were Saturday 2026-11-28 12:00 UTC: the CEO's ticket was opened 20 minutes
    # earlier, Sat 11:40 UTC (06:40 in New York), on the executive policy's 15-minute urgent
    # first-response target on us-ny-9x5. Closed all weekend, the clock starts Monday 11-30 at
    # 09:00 EST (14:00 UTC), so the target is crossed at 09:15 EST = 14:15 UTC, days before the
    # reply this test makes now.
    demo = create_app(tmp_path / "demo.db", now=datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    client = demo.test_client()
    token = _token(client, 1)
    assert _timers(client, 1)["first_response"]["stopped_at"] is None
    assert client.post("/tickets/1/agent_reply", data={"token": token, "body": "On it"}).status_code == 302
    first = _timers(client, 1)["first_response"]
    assert (first["status"], first["breached_at"], first["stop_reason"]) == (
        "breached",
        "2026-11-30T14:15:00Z",
        "agent_reply",
    )
    assert first["stopped_at"] is not None
    # Resolution (4h on urgent) ran out Monday 09:00 + 4h = 13:00 EST = 18:00 UTC; a breach stays
    # the status while the ticket waits on the customer, and the pause shows beside it.
    client.post("/tickets/1/pending", data={"token": token})
    resolution = _timers(client, 1)["resolution"]
    assert (resolution["status"], resolution["breached_at"]) == ("breached", "2026-11-30T18:00:00Z")
    assert resolution["paused_since"] is not None
    client.post("/tickets/1/reopen", data={"token": token})
    assert _timers(client, 1)["resolution"]["paused_since"] is None
    client.post("/tickets/1/solved", data={"token": token})
    assert _timers(client, 1)["resolution"]["stopped_at"] is not None
    assert "On it" in client.get("/tickets/1").get_data(as_text=True)


def test_a_reply_right_after_a_new_ticket_meets_first_response(demo: Flask) -> None:
    # Opened and answered within the same second: under a second of business time passes, less
    # than any first-response target, at any hour the test runs.
    client = demo.test_client()
    token = _token(client, 1)
    answer = client.post("/tickets", data={"token": token, "subject": "Screen flickers", "requester": "Ann Lee"})
    ticket = int(answer.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/tickets/{ticket}/agent_reply", data={"token": token, "body": "Looking"}).status_code == 302
    first = _timers(client, ticket)["first_response"]
    assert (first["status"], first["breached_at"], first["stop_reason"]) == ("met", None, "agent_reply")
    # Seconds into a resolution target of hours, waiting on the customer pauses it.
    client.post(f"/tickets/{ticket}/pending", data={"token": token})
    resolution = _timers(client, ticket)["resolution"]
    assert (resolution["status"], resolution["breached_at"]) == ("paused", None)


def test_a_customer_reply_after_an_answer_opens_next_response(demo: Flask) -> None:
    client = demo.test_client()
    token = _token(client, 1)
    client.post("/tickets/1/agent_reply", data={"token": token})
    client.post("/tickets/1/customer_reply", data={"token": token, "body": "Still jammed"})
    next_response = _timers(client, 1)["next_response"]
    assert next_response["stopped_at"] is None and next_response["due_at"] is not None


def test_forms_need_the_token(demo: Flask) -> None:
    client = demo.test_client()
    _token(client, 1)
    assert client.post("/tickets/1/solved", data={"token": "forged"}).status_code == 400
    assert client.post("/tickets/1/solved").status_code == 400
    assert _timers(client, 1)["resolution"]["stopped_at"] is None  # nothing happened
    token = _token(client, 1)
    assert client.post("/tickets/1/delete", data={"token": token}).status_code == 404
    assert client.post("/tickets/999/solved", data={"token": token}).status_code == 404


def test_ticket_text_is_shown_as_text(demo: Flask) -> None:
    client = demo.test_client()
    token = _token(client, 1)
    hostile = "</script><img src=x onerror=alert(1)>"
    answer = client.post("/tickets", data={"token": token, "subject": hostile, "requester": hostile})
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "<img" not in page
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_demo_config_is_the_examples(demo: Flask) -> None:
    pairs = [(DEMO_CONFIG / "priority_matrix.toml", EXAMPLES / "priority_matrix.toml")]
    pairs += [(DEMO_CONFIG / "policies" / p.name, p) for p in sorted((EXAMPLES / "policies").glob("*.toml"))]
    assert sorted(p.name for p in (DEMO_CONFIG / "policies").glob("*.toml")) == sorted(
        p.name for p in (EXAMPLES / "policies").glob("*.toml")
    )
    for copy, original in pairs:
        assert copy.read_text() == original.read_text(), f"{copy} differs from {original}"


def test_sla_timers_demo_is_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--help"]) == 0
    assert "demo helpdesk" in capsys.readouterr().out


def test_the_readme_shows_the_screenshots() -> None:
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name in ("ticket-list.png", "ticket-page.png"):
        assert f"(docs/{name})" in readme
        assert (root / "docs" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_worker_thread_sweeps_and_retries_until_stopped(demo: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from sla_timers.web.demo import start_worker
    from sla_timers.web.watch import RetryResult, Watcher

    rounds = threading.Semaphore(0)

    def counted(self: Watcher, **kwargs: object) -> RetryResult:
        rounds.release()
        return RetryResult()

    monkeypatch.setattr(Watcher, "retry", counted)
    stop = start_worker(demo, interval=0.05)
    try:
        assert rounds.acquire(timeout=30) and rounds.acquire(timeout=30)  # two rounds at least
    finally:
        stop()
    assert not any(t.name == "sla-demo-worker" for t in threading.enumerate())


def test_the_demo_speaks_to_the_plugin_only_through_watch() -> None:
    # The helpdesk's own code names no event or timer API: one watch declaration does it all.
    source = (Path(__file__).resolve().parents[2] / "sla_timers" / "web" / "demo" / "app.py").read_text()
    assert "sla.watch(" in source
    for name in ("TicketEvent", ".record(", "evaluate(", "timer_source"):
        assert name not in source, name
