"""A real HTTP server on the loopback, in a thread, that records webhook requests and
answers as a test tells it: well, with an error, or with a hostile reply."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request as the server read it."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class WebhookServer:
    """The server's address, what it received, and how it answers (``mode``)."""

    url: str
    #: ``ok``, ``error``, ``redirect``, ``huge``, ``silent`` (never answers), ``dribble``, ``garbage``.
    mode: str = "ok"
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Set when the test ends, so a handler that stalls on purpose lets go.
    done: threading.Event = field(default_factory=threading.Event)

    def keys(self) -> list[str]:
        """The Idempotency-Key of every request received, in order."""
        with self.lock:
            return [r.headers.get("idempotency-key", "") for r in self.received]


def _handler(server: WebhookServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with server.lock:
                server.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            mode = server.mode
            try:
                if mode == "ok":
                    self._reply(200, b"ok")
                elif mode == "error":
                    self._reply(500, b"database is on fire")
                elif mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif mode == "huge":
                    # Claims 1 GB and sends until the client hangs up.
                    self.send_response(500)
                    self.send_header("Content-Length", str(1 << 30))
                    self.end_headers()
                    chunk = b"x" * 65536
                    for _ in range(1 << 14):
                        if server.done.is_set():
                            break
                        self.wfile.write(chunk)
                elif mode == "silent":
                    server.done.wait(30)
                elif mode == "dribble":
                    # The status line and headers one byte at a time: each read is quick, the reply never ends.
                    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 100000:
                        if server.done.wait(0.05):
                            break
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                elif mode == "garbage":
                    self.wfile.write(b"\x00\xffNOT HTTP AT ALL\r\n\r\n\xde\xad\xbe\xef" * 100)
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def webhook_server() -> Iterator[WebhookServer]:
    """Start a server on a free loopback port; stop it (and release stalled handlers) at the end."""
    state = WebhookServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.done.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
        time.sleep(0)
