"""`registry serve`: waitress with limits that an idle crowd cannot exhaust, and the proxy setting.

waitress's defaults let 100 connections in and keep an idle one for 120 s, so 100 idle
connections made the site unreachable for two minutes (issue 17). The limits here are settings
(SERVE_*); the reverse proxy in front (README, Production) holds the slow clients in any case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def server_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """waitress's adjustments from the registry settings."""
    return {
        "threads": int(config["SERVE_THREADS"]),
        # connections held at once (idle keep-alive ones included), and how long an idle one
        # stays open; waitress looks for idle connections every cleanup_interval seconds
        "connection_limit": int(config["SERVE_CONNECTION_LIMIT"]),
        "channel_timeout": int(config["SERVE_CHANNEL_TIMEOUT"]),
        "cleanup_interval": max(1, min(int(config["SERVE_CHANNEL_TIMEOUT"]) // 2, 10)),
        "backlog": 2048,
        # X-Forwarded-* pass through only when a proxy is configured (then ProxyFix reads them)
        "clear_untrusted_proxy_headers": int(config["PROXY_COUNT"]) == 0,
        "ident": "lumbung-inovasi",
    }


def make_server(app: Flask, host: str, port: int) -> Any:
    """A waitress server for app (``.run()`` serves; ``.effective_port`` is the bound port)."""
    from waitress import create_server

    return create_server(app, host=host, port=port, **server_options(app.config))


def trust_proxy(app: Flask) -> None:
    """Honour X-Forwarded-For and X-Forwarded-Proto from PROXY_COUNT proxies in front, and
    only then: otherwise any client could choose its address (and its rate-limit bucket)."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
