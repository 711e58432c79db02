"""Absolute URLs from the configured base URL, requests with an untrusted Host refused, and
which answers carry private data (never stored by a cache).

A password-reset link built from the request's Host header goes wherever an attacker points
it (`Host: evil.example`). So every absolute URL (`url_for(..., _external=True)`, in a request
or outside one, in mails and API answers) is built on BASE_URL when it is set, and a request
whose Host is not trusted (BASE_URL's host, TRUSTED_HOSTS, loopback) is answered 400 before
any view runs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, request, session
from werkzeug.exceptions import BadRequest
from werkzeug.routing import MapAdapter
from werkzeug.sansio.utils import host_is_trusted

UNTRUSTED_HOST = "registry.untrusted_host"
# blueprints whose every page is about the signed-in user (or asks them to sign in)
PRIVATE_BLUEPRINTS = frozenset({"auth", "submit", "curate", "inbox", "admin"})
# endpoints that choose their own caching (attachments: public once published)
OWN_CACHING = frozenset({"static", "submit.attachment"})


def private_answer() -> bool:
    """Whether the current answer may hold private data: a page for a signed-in user (the
    navigation names them), an account, curator or admin page, or an answer to an API token."""
    if request.endpoint in OWN_CACHING:
        return False
    return (
        request.blueprint in PRIVATE_BLUEPRINTS
        or bool(session.get("_user_id"))
        or "Authorization" in request.headers
    )


class UntrustedHost(BadRequest):
    description = "the Host header names a host this site does not answer to"


class RegistryFlask(Flask):
    """Flask whose absolute URLs come from BASE_URL and which refuses untrusted hosts."""

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        base = urlsplit(str(self.config.get("BASE_URL") or ""))
        if request is None:
            if not base.netloc:
                return super().create_url_adapter(None)
            # outside a request (jobs, the CLI): build on the base URL
            return self.url_map.bind(
                base.netloc, script_name=base.path or "/", url_scheme=base.scheme
            )
        host = request.environ.get("HTTP_HOST") or request.environ.get("SERVER_NAME", "")
        trusted = self.config.get("TRUSTED_HOSTS")  # None: any host (development, see config)
        if trusted and not host_is_trusted(host, trusted):
            # answer on a host we trust, so that the 400 page builds its links safely
            request.environ[UNTRUSTED_HOST] = host
            request.environ["HTTP_HOST"] = base.netloc or "localhost"
        return super().create_url_adapter(request)

    def preprocess_request(self) -> Any:
        # before every before_request function (rate limits, the database check, the views)
        # (the health check answers any host: load balancers probe by address, and it
        # carries no link)
        if UNTRUSTED_HOST in request.environ and request.path != "/healthz":
            raise UntrustedHost()
        return super().preprocess_request()

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        from flask.globals import _cv_request

        base = str(self.config.get("BASE_URL") or "")
        request_ctx = _cv_request.get(None)
        if not base or request_ctx is None or not (_external or _scheme):
            # no base URL, a relative link, or outside a request (the adapter is on the base)
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        path = super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
        root = request_ctx.request.script_root
        if root and path.startswith(root):
            path = path[len(root) :]
        return base + path
