"""`registry serve` under a crowd, and client addresses behind a reverse proxy (issue 17)."""

from __future__ import annotations

import contextlib
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from registry.app import create_app
from registry.extensions import db
from registry.serving import make_server
from tests.jobs_helpers import redis_url  # noqa: F401  (a fixture)


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Initialized SQLite apps with the given settings (all on one database)."""
    from registry.services.setup import initialize

    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        app = create_app(
            {
                "INSTANCE_DIR": str(tmp_path / "instance"),
                "INDEX_DIR": str(tmp_path / "index"),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'registry.db'}",
                "SECRET_KEY": "test-secret",
                "TESTING": True,
                **settings,
            }
        )
        with app.app_context():
            initialize(train_model=False)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_idle_connections_do_not_make_the_site_unreachable(make_app):
    app = make_app()
    server = make_server(app, "127.0.0.1", 0)

    def serve() -> None:
        with contextlib.suppress(OSError, ValueError):  # closed under it at the end
            server.run()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = server.effective_port
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(120)]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            assert answer.status == 200
    finally:
        for sock in idle:
            sock.close()
        server.close()
        thread.join(5)


def test_server_limits_come_from_settings(make_app):
    app = make_app(SERVE_CONNECTION_LIMIT=50, SERVE_CHANNEL_TIMEOUT=7)
    server = make_server(app, "127.0.0.1", 0)
    try:
        assert server.adj.connection_limit == 50
        assert server.adj.channel_timeout == 7
        assert server.adj.clear_untrusted_proxy_headers  # no proxy configured: headers dropped
    finally:
        server.close()


def reads(app: Flask, address: str, times: int) -> list[int]:
    client = app.test_client()
    headers = {"X-Forwarded-For": address}
    return [client.get("/api/v1/stats", headers=headers).status_code for _ in range(times)]


def test_behind_a_configured_proxy_each_client_has_its_own_rate_limit(make_app):
    app = make_app(PROXY_COUNT=1, API_READ_RATE_LIMIT="2 per minute")
    assert reads(app, "203.0.113.1", 3) == [200, 200, 429]
    assert reads(app, "203.0.113.2", 1) == [200]  # another client behind the same proxy


def test_without_a_proxy_setting_forwarded_addresses_are_ignored(make_app):
    app = make_app(API_READ_RATE_LIMIT="2 per minute")
    assert reads(app, "203.0.113.1", 2) == [200, 200]
    assert reads(app, "203.0.113.2", 1) == [429]  # a made-up header does not reset the limit


def test_processes_share_rate_limits_through_the_configured_store(make_app, redis_url):  # noqa: F811
    settings = {"RATELIMIT_STORAGE_URL": redis_url, "API_READ_RATE_LIMIT": "2 per minute"}
    first, second = make_app(**settings), make_app(**settings)
    assert reads(first, "", 2) == [200, 200]
    assert reads(second, "", 1) == [429]
