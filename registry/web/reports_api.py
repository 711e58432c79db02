"""The reports part of the JSON API (DESIGN.md: HTTP, /api/v1/reports)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request, send_file, url_for

from ..extensions import db, limiter
from ..models import ReportAttachment, User
from ..services import accounts, attachments, report_mail, reports
from . import params as query_params
from .api import bp
from .problems import problem

# the API blueprint (CSRF-exempt: no session cookie is read there; the reporter proves itself
# with X-Report-Secret, the others with a Bearer token); these views only add to it
SECRET_HEADER = "X-Report-Secret"


def report_rate() -> str:
    return str(current_app.config["REPORT_RATE_LIMIT"])


def counts_against_limit(response: Response) -> bool:
    """Only a report received (or a bot's honeypot answer) spends the address's allowance; a
    form sent back for a correction does not."""
    return response.status_code in (201, 302)


class _BadToken(Exception):
    pass


def _optional_user() -> User | None:
    """The Bearer token's user, None without a token; a bad token is refused (401)."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, raw = header.partition(" ")
    user = accounts.user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise _BadToken()
    return user


@bp.errorhandler(_BadToken)
def _bad_token(exc: _BadToken) -> Any:
    db.session.rollback()
    response = problem(401, "Unauthorized", "the API token is unknown, revoked or expired")
    response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response


@bp.errorhandler(reports.ReportError)
def _report_error(exc: reports.ReportError) -> Any:
    """Domain errors as problems: 404 tells nothing about whether the code exists."""
    db.session.rollback()
    if isinstance(exc, reports.Invalid):
        return problem(exc.status, "Invalid report data", exc.detail, param=exc.param)
    if isinstance(exc, reports.Conflict):
        return problem(409, "Step out of order", exc.detail, status_now=exc.status)
    if isinstance(exc, reports.Forbidden):
        return problem(403, "Forbidden", exc.detail)
    return problem(404, "Not found", "no report with this tracking code for you")


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _attachment_url(attachment: Any) -> str:
    """The API's own address of a file: it takes the same credentials as the report."""
    return url_for(
        "api.report_attachment",
        code=attachment.report.tracking_code,
        attachment_id=attachment.id,
        _external=True,
    )


def send_attachment(row: ReportAttachment) -> Response:
    """A report's stored file, never cached, never run as a page (NotFound when it is gone)."""
    path = attachments.upload_dir() / row.stored_name
    if not path.is_file():
        raise reports.NotFound("no such file")
    response = send_file(
        path,
        mimetype=row.content_type,
        as_attachment=not row.content_type.startswith("image/"),
        download_name=row.original_name,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "id")


@bp.post("/api/v1/reports")
@limiter.limit(report_rate, methods=["POST"], deduct_when=counts_against_limit)
def report_create() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Invalid body", "send a JSON object with the report's fields")
    report, secret = reports.create(body, source=request.remote_addr or "")
    db.session.commit()
    report_mail.received(report, secret)
    url = url_for("reports.track", code=report.tracking_code, _external=True)
    response = jsonify(
        {
            "tracking_code": report.tracking_code,
            "secret": secret,
            "status": report.status,
            "url": url,
        }
    )
    response.status_code = 201
    response.headers["Location"] = url_for("api.report_get", code=report.tracking_code)
    return _private(response)


@bp.get("/api/v1/reports/<code>")
def report_get(code: str) -> Any:
    user = _optional_user()
    report, view = reports.open_report(code, user=user, secret=request.headers.get(SECRET_HEADER))
    body = reports.record(report, view, locale=_locale(), attachment_url=_attachment_url)
    db.session.commit()  # token last_used_at
    return _private(jsonify(body))


@bp.get("/api/v1/reports/<code>/attachments/<int(max=2147483647):attachment_id>")
def report_attachment(code: str, attachment_id: int) -> Any:
    """A report's file for whoever may open the report: the reporter (X-Report-Secret), a
    curator, or the institution it is disposed to (Bearer token); others 404."""
    user = _optional_user()
    report, _ = reports.open_report(code, user=user, secret=request.headers.get(SECRET_HEADER))
    response = send_attachment(reports.attachment_for(report, attachment_id))
    db.session.commit()  # token last_used_at
    return response


@bp.get("/api/v1/reports")
def report_list() -> Any:
    user = _optional_user()
    filters = query_params.report_filters(
        request.args,
        per_page_default=current_app.config["PER_PAGE_DEFAULT"],
        per_page_max=current_app.config["PER_PAGE_MAX"],
    )
    curator = user is not None and user.is_curator
    page = reports.all_page(filters) if curator else reports.public_page(filters)
    view = "curator" if curator else "public"
    body = {
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "results": [reports.record(r, view, locale=_locale()) for r in page.items],
    }
    db.session.commit()
    return jsonify(body)


@bp.post("/api/v1/reports/<code>/actions")
def report_act(code: str) -> Any:
    user = _optional_user()
    secret = request.headers.get(SECRET_HEADER)
    report, view = reports.open_report(code, user=user, secret=secret)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Invalid body", 'send {"action": "...", ...}', param="action")
    action = body.get("action")
    if not isinstance(action, str) or action not in reports.STEPS:
        raise reports.Invalid("action", f"action must be one of: {', '.join(reports.STEPS)}")
    if action in ("reopen", "close") and reports.secret_matches(report, secret):
        actor = reports.Actor.reporter()
    elif user is not None and view != "reporter":
        actor = reports.Actor.of(user)
    else:
        actor = reports.Actor.reporter()
    to = body.get("to")
    if action == "dispose" and not isinstance(to, str):
        raise reports.Invalid("to", "name the institution account's email")
    event = reports.act(
        report,
        action,
        actor=actor,
        reason=body.get("reason") or "",
        to=to if isinstance(to, str) else None,
        text=body.get("text") or "",
        rating=body.get("rating"),
        anonymous=body.get("anonymous") is True,
        confidential=body.get("confidential") is True,
    )
    db.session.commit()
    report_mail.step(report, event)
    record = reports.record(report, view, locale=_locale(), attachment_url=_attachment_url)
    return _private(jsonify(record))
