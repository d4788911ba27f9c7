"""What every JSON route does with hostile or malformed requests, errors under
the prefix, and the host's pages left alone."""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_helpers import AppFactory
from werkzeug.serving import make_server

DUE = "/sla/api/dry-run/due"
GOOD = b'{"policy": "standard", "priority": "high"}'


def _error(answer: object) -> dict[str, object]:
    body = answer.get_json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return body["error"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ],
)
def test_cross_site_simple_posts_are_415(client: FlaskClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client.post(DUE, data=GOOD, headers=headers)
    assert answer.status_code == 415
    assert _error(answer)["code"] == "unsupported_media_type"


MALFORMED = [
    pytest.param(b'{"policy": "standard",', id="truncated"),
    pytest.param(b'{"policy": NaN}', id="nan"),
    pytest.param(b'{"policy": Infinity}', id="infinity"),
    pytest.param(b'{"policy": -Infinity}', id="minus-infinity"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="100000-deep"),
    pytest.param(b'{"a":' * 40 + b"1" + b"}" * 40, id="40-deep"),
    pytest.param(b'{"policy": ' + b"9" * 5000 + b"}", id="5000-digit-int"),
    pytest.param(b'{"policy": "a", "policy": "b"}', id="duplicate-key"),
    pytest.param(b'{"policy": "\xff"}', id="not-utf8"),
    pytest.param(b"", id="empty"),
    pytest.param(b"   ", id="blank"),
]


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_json_is_400_never_500(client: FlaskClient, data: bytes) -> None:
    answer = client.post(DUE, data=data, content_type="application/json")
    assert answer.status_code == 400
    assert _error(answer)["code"] == "malformed_json"


@pytest.mark.parametrize("data", [b"[]", b'"text"', b"42", b"null"])
def test_json_that_is_not_an_object_is_invalid_request(client: FlaskClient, data: bytes) -> None:
    answer = client.post(DUE, data=data, content_type="application/json")
    assert answer.status_code == 400
    assert _error(answer)["code"] == "invalid_request"


@pytest.mark.parametrize("text", ["printer\u0000", "\ud800"])
def test_nul_and_lone_surrogates_are_invalid_text(client: FlaskClient, text: str) -> None:
    import json

    answer = client.post(DUE, data=json.dumps({"policy": text, "priority": "high"}), content_type="application/json")
    assert answer.status_code == 400
    assert (_error(answer)["code"], _error(answer)["field"]) == ("invalid_text", "policy")
    nested = json.dumps({"ticket": {"requester": {"name": text}}})
    answer = client.post("/sla/api/dry-run/classify", data=nested, content_type="application/json")
    assert (_error(answer)["code"], _error(answer)["field"]) == ("invalid_text", "ticket.requester.name")


def test_oversized_body_with_content_length_is_413(create_app: AppFactory) -> None:
    client = create_app({"SLA_MAX_BODY_BYTES": 1024}).test_client()
    answer = client.post(DUE, data=b"{" + b" " * 10_000_000 + b"}", content_type="application/json")
    assert answer.status_code == 413
    assert _error(answer)["code"] == "payload_too_large"


def test_body_at_the_limit_is_read(create_app: AppFactory) -> None:
    client = create_app({"SLA_MAX_BODY_BYTES": 1024}).test_client()
    padded = GOOD[:-1] + b" " * (1024 - len(GOOD)) + b"}"
    assert len(padded) == 1024
    assert client.post(DUE, data=padded, content_type="application/json").status_code == 200
    assert client.post(DUE, data=padded + b" ", content_type="application/json").status_code == 413


def test_the_hosts_max_content_length_is_left_alone_and_answered_in_json(create_app: AppFactory) -> None:
    app = create_app({"MAX_CONTENT_LENGTH": 100})
    assert app.config["MAX_CONTENT_LENGTH"] == 100
    answer = app.test_client().post(DUE, data=b"{" + b" " * 500 + b"}", content_type="application/json")
    assert answer.status_code == 413
    assert _error(answer)["code"] == "payload_too_large"


class _Counting:
    """WSGI middleware recording how many body bytes the app read and the status it answered."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.read = 0
        self.statuses: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        stream = environ["wsgi.input"]
        outer = self

        class Reader:
            def read(self, size: int = -1) -> bytes:
                data: bytes = stream.read(size)
                outer.read += len(data)
                return data

            def readline(self, size: int = -1) -> bytes:
                data: bytes = stream.readline(size)
                outer.read += len(data)
                return data

        environ["wsgi.input"] = Reader()

        def recording(status: str, headers: Any, *rest: Any) -> Any:
            self.statuses.append(status)
            return start_response(status, headers, *rest)

        return self.app(environ, recording)


@pytest.fixture()
def served(create_app: AppFactory) -> Iterator[tuple[int, _Counting]]:
    counting = _Counting(create_app({"SLA_MAX_BODY_BYTES": 1024}))
    server = make_server("127.0.0.1", 0, counting, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port, counting
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_chunked_body_without_length_is_cut_at_the_limit(served: tuple[int, _Counting]) -> None:
    # A real werkzeug server hands over chunked input as a stream of unknown length;
    # the plugin must stop reading one byte past the limit and answer 413, however
    # much the client sends (10 MiB here).
    port, counting = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    chunks = (b" " * 65_536 for _ in range(160))
    try:
        connection.request("POST", DUE, body=chunks, headers={"Content-Type": "application/json"}, encode_chunked=True)
        answer = connection.getresponse()
        assert answer.status == 413
        assert b'"payload_too_large"' in answer.read()
    except (BrokenPipeError, ConnectionResetError):
        pass  # an older server closes the connection at once; the server side is checked below
    finally:
        connection.close()
    assert counting.statuses == ["413 REQUEST ENTITY TOO LARGE"]
    assert counting.read <= 1025


def test_chunked_body_within_the_limit_is_answered(served: tuple[int, _Counting]) -> None:
    port, _ = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "POST",
        DUE,
        body=iter([GOOD[:10], GOOD[10:]]),
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    answer = connection.getresponse()
    assert answer.status == 200
    answer.read()
    connection.close()


def test_unknown_route_and_method_under_the_prefix_are_json(client: FlaskClient) -> None:
    answer = client.get("/sla/api/no-such-thing")
    assert (answer.status_code, _error(answer)["code"]) == (404, "not_found")
    answer = client.delete(DUE)
    assert (answer.status_code, _error(answer)["code"]) == (405, "method_not_allowed")
    assert "POST" in answer.headers["Allow"]
    answer = client.get("/sla")
    assert (answer.status_code, _error(answer)["code"]) == (404, "not_found")
    # No blueprint matched these, yet they carry the plugin's headers like its own answers.
    for answer in (client.get("/sla/api/no-such-thing"), client.delete(DUE)):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"


def test_the_hosts_404_page_is_untouched(create_app: AppFactory) -> None:
    app = create_app()

    @app.errorhandler(404)
    def host_not_found(exc: Exception) -> tuple[str, int]:
        return "<h1>Host page not found</h1>", 404

    client = app.test_client()
    outside = client.get("/tickets/404")
    assert outside.status_code == 404 and outside.data == b"<h1>Host page not found</h1>"
    assert client.get("/slabs").data == b"<h1>Host page not found</h1>"  # a prefix of the path is not ours
    inside = client.get("/sla/nothing")
    assert inside.status_code == 404 and _error(inside)["code"] == "not_found"


def test_an_unexpected_failure_is_a_logged_json_500(create_app: AppFactory, caplog: pytest.LogCaptureFixture) -> None:
    def broken_agent_check(ticket_id: str | None) -> bool:
        raise RuntimeError("host session store is down")

    app = create_app({"SLA_AGENT_AUTHORIZER": broken_agent_check, "TESTING": False}, admin=False)
    with caplog.at_level(logging.ERROR):
        answer = app.test_client().post(DUE, data=GOOD, content_type="application/json")
    assert answer.status_code == 500
    assert _error(answer)["code"] == "internal_error"
    assert "host session store is down" in caplog.text


def test_json_answers_carry_nosniff_and_no_store(client: FlaskClient) -> None:
    answer = client.post(DUE, data=GOOD, content_type="application/json")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"


def test_host_app_without_the_plugin_is_not_affected(app: Flask) -> None:
    @app.route("/tickets")
    def tickets() -> str:
        return "<html><body>tickets</body></html>"

    answer = app.test_client().get("/tickets")
    assert answer.data == b"<html><body>tickets</body></html>"
    assert "X-Content-Type-Options" not in answer.headers
