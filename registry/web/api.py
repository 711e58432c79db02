"""The JSON API (DESIGN.md: Public interface, HTTP)."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import get_locale

from ..database import is_initialized
from ..extensions import csrf, db
from ..models import Innovation
from ..services import discovery, transfer
from ..services.catalogue import to_record
from .openapi import openapi_document
from .problems import problem

bp = Blueprint("api", __name__)
csrf.exempt(bp)


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
    try:
        params = discovery.parse_params(
            request.args,
            per_page_default=current_app.config["PER_PAGE_DEFAULT"],
            per_page_max=current_app.config["PER_PAGE_MAX"],
        )
    except discovery.ParamError as exc:
        return problem(400, "Invalid parameter", exc.detail, param=exc.param)
    return jsonify(discovery.search_page(params, url_for_slug=_url, locale=_locale()))


@bp.get("/api/v1/innovations/<int:innovation_id>")
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
    return jsonify(record)


@bp.get("/api/v1/stats")
def stats() -> Any:
    return jsonify(discovery.stats(_locale()))


@bp.get("/api/v1/innovations.csv")
def innovations_csv() -> Any:
    out = io.StringIO()
    transfer.write_csv(transfer.export_records(), out, include_private=False)
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
    transfer.write_json(transfer.export_records(), out)
    return Response(
        out.getvalue(),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=lumbung-inovasi.json"},
    )


@bp.get("/api/v1/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())
