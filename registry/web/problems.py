"""RFC 9457 problem objects for the JSON API."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

PROBLEM_TYPE = "about:blank"


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path in ("/healthz",):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def problem(status: int, title: str, detail: str = "", param: str | None = None, **extra: Any):
    body: dict[str, Any] = {"type": PROBLEM_TYPE, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if param:
        body["param"] = param
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response
