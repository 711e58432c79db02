"""The JSON API (DESIGN.md: Public interface, HTTP)."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import get_locale

from ..database import is_initialized
from ..extensions import csrf, db, limiter
from ..models import Innovation, User
from ..services import accounts, curation, discovery, notify, receipts, reports, review, transfer
from ..services.catalogue import to_record
from . import params as query_params
from .openapi import openapi_document
from .problems import problem

bp = Blueprint("api", __name__)
# database ids are 32-bit on PostgreSQL: larger numbers are simply not found (404)
ID = "int(max=2147483647)"
# CSRF-exempt because nothing here reads the session cookie: every write needs a Bearer token
csrf.exempt(bp)


def _read_rate() -> str:
    return str(current_app.config["API_READ_RATE_LIMIT"])


limiter.limit(_read_rate, methods=["GET"], exempt_when=lambda: request.path == "/healthz")(bp)


class Unauthorized(Exception):
    def __init__(self, detail: str):
        self.detail = detail


def _token_user() -> User:
    """The user of the request's Bearer token; never the session cookie."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized("send an API token as `Authorization: Bearer <token>`")
    user = accounts.user_for_token(raw.strip())
    if user is None:
        raise Unauthorized("the API token is unknown, revoked or expired")
    return user


@bp.errorhandler(Unauthorized)
def _unauthorized(exc: Unauthorized) -> Any:
    db.session.rollback()
    response = problem(401, "Unauthorized", exc.detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response


def _json_body() -> Any:
    body = request.get_json(silent=True)
    if body is None:
        return None
    return body


def _locale() -> str:
    return str(get_locale() or "id")


def _url(slug: str) -> str:
    return url_for("public.innovation", slug=slug, _external=True)


@bp.after_request
def _cors(response: Response) -> Response:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/healthz")
def healthz() -> Any:
    ready = is_initialized()
    body = {"status": "ok" if ready else "uninitialized", "database": ready}
    return jsonify(body), 200 if ready else 503


@bp.get("/api/v1/innovations")
def innovations() -> Any:
    params = query_params.search(
        request.args,
        per_page_default=current_app.config["PER_PAGE_DEFAULT"],
        per_page_max=current_app.config["PER_PAGE_MAX"],
        allow_empty=False,
    )
    return jsonify(discovery.search_page(params, url_for_slug=_url, locale=_locale()))


@bp.get(f"/api/v1/innovations/<{ID}:innovation_id>")
def innovation(innovation_id: int) -> Any:
    row = db.session.get(Innovation, innovation_id)
    if row is None or row.status != "published":
        return problem(404, "Not found", f"no published innovation with id {innovation_id}")
    record = to_record(row)
    record.update(
        province=discovery.region_ref(row.province, _locale()),
        regency=discovery.region_ref(row.regency, _locale()),
        url=_url(row.slug),
    )
    from .replication import api_records

    record["replications"] = api_records(row)
    return jsonify(record)


@bp.get("/api/v1/stats")
def stats() -> Any:
    body = discovery.stats(_locale())
    body["review"] = review.compliance()
    from ..services import replication

    body["replications"] = replication.stats()
    body["reports"] = reports.stats()
    return jsonify(body)


def _exported() -> Any:
    """The export's records: the whole catalogue, or with a search's parameters (the same as
    /api/v1/innovations, a bad one answered the same way) what that search finds."""
    if not any(k in request.args for k in ("q", *discovery.FILTER_PARAMS)):
        return transfer.export_records()
    params = query_params.search(
        request.args, per_page_max=current_app.config["PER_PAGE_MAX"], allow_empty=False
    )
    return transfer.export_records(ids=discovery.matching_ids(params))


@bp.get("/api/v1/innovations.csv")
def innovations_csv() -> Any:
    out = io.StringIO()
    transfer.write_csv(_exported(), out, include_private=False)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": "attachment; filename=lumbung-inovasi.csv",
            "X-License": "CC-BY-4.0",
        },
    )


@bp.get("/api/v1/innovations.json")
def innovations_json() -> Any:
    out = io.StringIO()
    transfer.write_json(_exported(), out)
    return Response(
        out.getvalue(),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=lumbung-inovasi.json"},
    )


@bp.get("/api/v1/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


# --------------------------------------------------------------------------- submissions


def submission_record(row: Innovation) -> dict[str, Any]:
    record = to_record(row, include_private=True)
    sla = review.sla_for(row)
    record["sla"] = sla.as_dict()
    # an owner's update of a published innovation that waits for a curator (or null)
    record["pending_changes"] = row.pending_changes
    record["pending_at"] = (
        row.pending_at.replace(microsecond=0).isoformat() + "Z" if row.pending_at else None
    )
    record["history"] = [
        {
            "at": e.at.replace(microsecond=0).isoformat() + "Z",
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": e.actor,
            "note": e.note,
        }
        for e in row.events
    ]
    record["attachments"] = [
        {
            "id": a.id,
            "name": a.original_name,
            "content_type": a.content_type,
            "size": a.size,
            "url": url_for(
                "submit.attachment", attachment_id=a.id, name=a.original_name, _external=True
            ),
        }
        for a in row.attachments
    ]
    return record


@bp.post("/api/v1/submissions")
def create_submission() -> Any:
    user = _token_user()
    body = _json_body()
    if not isinstance(body, dict):
        return problem(400, "Invalid body", "send a JSON object with the innovation's fields")
    status = body.get("status", "submitted")
    if status not in ("draft", "submitted"):
        return problem(
            422, "Invalid submission", "status must be draft or submitted", param="status"
        )
    try:  # invalid fields and a closed campaign: problems.ANSWERS
        row = review.create_submission(body, owner=user, origin="api", draft=status == "draft")
    except review.Conflict as exc:
        db.session.rollback()
        return problem(
            409,
            "Duplicate submission",
            str(exc),
            existing_id=exc.existing_id,
            existing_status=exc.status,
        )
    except review.Forbidden as exc:
        db.session.rollback()
        return problem(403, "Forbidden", str(exc))
    db.session.commit()
    receipts.submitted(row)
    response = jsonify({"id": row.id, "status": row.status})
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_submission", innovation_id=row.id)
    return response


@bp.get(f"/api/v1/submissions/<{ID}:innovation_id>")
def get_submission(innovation_id: int) -> Any:
    user = _token_user()
    row = db.session.get(Innovation, innovation_id)
    if row is None or not review.can_see_submission(user, row):
        db.session.commit()  # token last_used_at
        return problem(404, "Not found", f"no submission {innovation_id} of yours")
    body = submission_record(row)
    db.session.commit()
    return jsonify(body)


@bp.post(f"/api/v1/submissions/<{ID}:innovation_id>/decision")
def decide_submission(innovation_id: int) -> Any:
    user = _token_user()
    if not user.is_curator:
        db.session.rollback()
        return problem(403, "Forbidden", "only a curator's token may decide on submissions")
    body = _json_body()
    if not isinstance(body, dict):
        return problem(400, "Invalid body", 'send {"decision": "...", "note": "..."}')
    decision, note = body.get("decision"), body.get("note", "")
    if not isinstance(decision, str) or decision not in review.DECISIONS:
        return problem(
            422,
            "Invalid decision",
            f"decision must be one of: {', '.join(review.DECISIONS)}",
            param="decision",
        )
    if note is None:
        note = ""
    if not isinstance(note, str):
        return problem(422, "Invalid decision", "note must be text", param="note")
    row = db.session.get(Innovation, innovation_id)
    if row is None or row.status == "draft":
        db.session.rollback()
        return problem(404, "Not found", f"no submission {innovation_id}")
    try:  # invalid fields: problems.ANSWERS
        event = review.decide(row, decision, actor=user, note=note)
    except review.Conflict as exc:
        db.session.rollback()
        return problem(409, "Already decided", str(exc), status_now=exc.status)
    db.session.commit()
    notify.decision(row, event)
    return jsonify({"id": row.id, "status": row.status, "sla": review.sla_for(row).as_dict()})


# --------------------------------------------------------------------------- candidates


def _not_curator() -> Any:
    db.session.rollback()
    return problem(403, "Forbidden", "only a curator's token may work the inbox")


@bp.get("/api/v1/candidates")
def candidates() -> Any:
    if not _token_user().is_curator:
        return _not_curator()
    params = query_params.inbox(
        request.args,
        per_page_default=current_app.config["PER_PAGE_DEFAULT"],
        per_page_max=current_app.config["PER_PAGE_MAX"],
        count_bound=current_app.config["INBOX_COUNT_BOUND"],
    )
    page = curation.list_page(params)
    matches = curation.innovations_by_id([c.matches_innovation_id for c in page.items])
    body = {
        "total": page.total,
        "total_estimated": page.total_estimated,
        "count_bound": page.count_bound,
        "page": page.page,
        "per_page": page.per_page,
        "next_after": page.next_after,
        "results": [
            curation.candidate_record(c, locale=_locale(), matches=matches, url_for_innovation=_url)
            for c in page.items
        ],
    }
    db.session.commit()  # token last_used_at
    return jsonify(body)


@bp.post("/api/v1/candidates/decisions")
def candidate_decisions() -> Any:
    user = _token_user()
    if not user.is_curator:
        return _not_curator()
    body = _json_body()
    if not isinstance(body, list) or not body:
        db.session.rollback()
        return problem(
            400,
            "Invalid body",
            'send a JSON list of decisions: [{"id", "decision": "approve|reject|merge", '
            '"reason", "into": {"candidate": id} | {"innovation": id}, "note"}]',
        )
    if len(body) > curation.MAX_ITEMS:
        db.session.rollback()
        return problem(400, "Invalid body", f"at most {curation.MAX_ITEMS} decisions at once")
    results = curation.decide(body, user)
    db.session.commit()
    curation.maybe_retrain()
    return jsonify(results)
