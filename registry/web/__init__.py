"""The web edge: one blueprint per audience, shared error handling."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, Response, g, make_response, request
from flask_babel import format_datetime
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..database import NotInitialized, is_conflict, require_initialized, retrying
from ..search import SearchUnavailable
from ..serving import trust_proxy
from . import formatting, problems
from .hosts import private_answer
from .problems import error_answer, wants_json


def register_web(app: Flask) -> None:
    from . import reports_api  # noqa: F401  (adds the /api/v1/reports views to the API)
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .curate import bp as curate_bp
    from .inbox import bp as inbox_bp
    from .maps import bp as maps_bp
    from .public import bp as public_bp
    from .reports import bp as reports_bp
    from .reports_desk import bp as reports_desk_bp
    from .submit import bp as submit_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(submit_bp)
    app.register_blueprint(curate_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(maps_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(reports_desk_bp)
    from .replication import api_bp as replication_api_bp
    from .replication import bp as replication_bp

    app.register_blueprint(replication_bp)
    app.register_blueprint(replication_api_bp)
    from .lifecycle import bp as lifecycle_bp
    from .subscriptions import api_bp as subscriptions_api_bp
    from .subscriptions import bp as subscriptions_bp

    app.register_blueprint(lifecycle_bp)
    app.register_blueprint(subscriptions_bp)
    app.register_blueprint(subscriptions_api_bp)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":  # a lock conflict reruns the view (registry.database)
            app.view_functions[endpoint] = retrying(view)
    trust_proxy(app)
    app.add_template_global(wib, "wib")
    app.add_template_global(field_attrs, "field_attrs")
    app.add_template_global(_explain_label, "explain_label")
    formatting.install(app)
    problems.install(app)  # a service's domain error: a problem or the error page

    @app.before_request
    def _check_database() -> Any:
        if request.endpoint in ("api.healthz", "static"):
            return None
        require_initialized()
        return None

    @app.before_request
    def _refuse_unsafe_json() -> Any:
        # before anything parses the body (the NUL check below does): see guards.py
        from .guards import json_body_problem

        detail = json_body_problem()
        return None if detail is None else error_answer(400, "Bad request", detail)

    @app.before_request
    def _refuse_nul() -> Any:
        # no text the registry stores or looks up may hold a NUL character (PostgreSQL
        # refuses it in every text column): one clear 400 here instead of a 500 anywhere
        if not _request_has_nul():
            return None
        return error_answer(400, "Bad request", "the request holds a NUL character (\\u0000)")

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "script-src 'self'; frame-ancestors 'self'",
            )
        if private_answer():
            # signed-in pages, account, curator and admin pages, answers to an API token
            response.headers["Cache-Control"] = "private, no-store"
        lang = request.args.get("lang")
        if lang in ("id", "en") and getattr(g, "set_lang_cookie", True):
            response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.errorhandler(NotInitialized)
    def _not_initialized(exc: NotInitialized) -> Any:
        return error_answer(503, "Database not initialized", str(exc))

    @app.errorhandler(SearchUnavailable)
    def _search_unavailable(exc: SearchUnavailable) -> Any:
        response = error_answer(503, "Search unavailable", str(exc))
        body, status = response if isinstance(response, tuple) else (response, 503)
        return body, status, {"Retry-After": "1"}

    @app.errorhandler(OperationalError)
    def _database_busy(exc: OperationalError) -> Any:
        # SQLite lets one writer at a time, PostgreSQL may break a deadlock: a request that
        # still lost the race after its retries is told to try again rather than shown a 500
        # (nothing was written: the transaction rolled back)
        if not is_conflict(exc):
            raise exc
        from ..extensions import db

        db.session.rollback()
        response = error_answer(503, "Database busy", "Another change was being saved; try again.")
        body, status = response if isinstance(response, tuple) else (response, 503)
        return body, status, {"Retry-After": "1"}

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        detail = exc.description or ""
        if not wants_json() and detail == type(exc).description:
            detail = ""  # Werkzeug's own English text: the page says it in the reader's words
        response = make_response(error_answer(exc.code or 500, exc.name, detail))
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response


def _explain_label(term: str) -> tuple[str, bool]:
    from flask_babel import get_locale

    from .explain_labels import describe

    return describe(str(term), str(get_locale() or "id"))


def wib(value: dt.datetime | None) -> str:
    """A naive UTC datetime shown in Asia/Jakarta time (the configured Babel timezone)."""
    if value is None:
        return ""
    return format_datetime(value, "d MMM yyyy HH:mm") + " WIB"


def field_attrs(field: Any) -> dict[str, str]:
    """ARIA attributes for a form field: its help text and whether it is invalid."""
    attrs: dict[str, str] = {}
    described = [f"{field.name}-help"] if field.description else []
    if field.errors:
        attrs["aria-invalid"] = "true"
        first = f"{field.name}-error"
        described += [first] + [f"{first}-{n}" for n in range(2, len(field.errors) + 1)]
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return attrs


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _request_has_nul() -> bool:
    """Whether the query, a form field or a JSON body holds a NUL character."""
    for values in (request.args, request.form):
        if any("\x00" in k or "\x00" in v for k, v in values.items(multi=True)):
            return True
    return request.is_json and _has_nul(request.get_json(silent=True))
