"""A scripted HTTP server on 127.0.0.1 for testing network code without the network.

Usage::

    with ScriptedServer() as server:
        server.add("/api/v1/timelines/tag/covid", Reply(200, body={"a": 1}))
        server.add("/api/v1/timelines/tag/covid", Reply(429, headers={"Retry-After": "7"}))
        url = server.url  # "http://127.0.0.1:PORT"
        ...  # call the code under test
        server.requests  # [Request(method, path, query, headers, body), ...]

Each path (without the query string) has a queue of replies served in order; the last reply of
a path repeats once its queue is down to one. A path with no script answers 404. `body` may be
bytes, str, or anything JSON-serializable (then Content-Type defaults to application/json).
A reply's own Date header replaces the server's. A `held` reply is sent only when the server
stops (or after HOLD_LIMIT seconds): it provokes a client timeout without racing the clock, so a
test that expects one passes on a loaded machine and fails (late) when the client never gives up.
Recorded request headers have lower-case names; `Request.param(name)` gives the first value of a
query parameter.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: the longest a held reply waits for the server to stop
HOLD_LIMIT = 30.0


@dataclass
class Reply:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    held: bool = False

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, bytes):
            data = self.body
        elif isinstance(self.body, str):
            data = self.body.encode("utf-8")
        else:
            data = json.dumps(self.body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return data, headers


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        """The first value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None


class ScriptedServer:
    """A threaded HTTP server on an ephemeral port of 127.0.0.1; use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._scripts: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # releases the held replies
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, path: str, *replies: Reply) -> ScriptedServer:
        """Queue replies for a path (e.g. "/feed.xml"); returns self for chaining."""
        with self._lock:
            self._scripts.setdefault(path, []).extend(replies)
        return self

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next_reply(self, path: str) -> Reply | None:
        with self._lock:
            queue = self._scripts.get(path)
            if not queue:
                return None
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.requests.append(
                        Request(
                            method=self.command,
                            path=parts.path,
                            query=parse_qs(parts.query, keep_blank_values=True),
                            headers=_headers(self.headers),
                            body=body,
                        )
                    )
                reply = server._next_reply(parts.path) or Reply(404, body=b"not scripted")
                if reply.held:
                    server._stopping.wait(HOLD_LIMIT)
                data, headers = reply.encoded()
                try:
                    self.send_response_only(reply.status)
                    if not any(name.lower() == "date" for name in headers):
                        self.send_header("Date", self.date_time_string())
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD" and reply.status != 304:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler


def _headers(message: Mapping[str, str] | Any) -> dict[str, str]:
    return {name.lower(): value for name, value in message.items()}
