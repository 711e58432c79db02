"""RFC 9457 problem objects for the JSON API, the error page for people, and the one place a
service's domain error (services.errors) becomes either of them."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request

from ..extensions import db
from ..services import replication, subscriptions
from ..services.catalogue import CampaignClosed
from ..services.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ..services.validation import ValidationError

PROBLEM_TYPE = "about:blank"

# The status and title of each kind of domain error, and of the services' own errors that the
# API has always named in its own words: the first class along the error's MRO that is listed
# here answers. A service's error that is no kind at all is a bad request.
ANSWERS: dict[type[DomainError], tuple[int, str]] = {
    NotFound: (404, "Not found"),
    Forbidden: (403, "Forbidden"),
    Conflict: (409, "Conflict"),
    Invalid: (400, "Invalid parameter"),
    ValidationError: (422, "Invalid submission"),
    CampaignClosed: (409, "Campaign closed"),
    replication.Invalid: (400, "Invalid replication"),
    subscriptions.SubscriptionError: (400, "Invalid subscription"),
    DomainError: (400, "Bad request"),
}


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


def error_page(status: int, title: str, detail: str) -> Any:
    """The error page: its heading says the status in the reader's words, then the detail."""
    return render_template("error.html", status=status, title=title, detail=detail), status


def error_answer(status: int, title: str, detail: str) -> Any:
    """A problem for the API and JSON clients, the error page otherwise."""
    if wants_json():
        return problem(status, title, detail)
    return error_page(status, title, detail)


def answer_of(exc: DomainError) -> tuple[int, str]:
    """The status and title that answer a domain error."""
    return next(ANSWERS[kind] for kind in type(exc).__mro__ if kind in ANSWERS)


def domain_problem(exc: DomainError) -> Any:
    """The domain error as a problem object: its message is the detail, its param the param."""
    db.session.rollback()  # the request's work stops here: nothing of it is kept
    status, title = answer_of(exc)
    extra = {"errors": exc.errors} if isinstance(exc, ValidationError) else {}
    return problem(status, title, exc.message, param=exc.param, **extra)


def domain_error(exc: DomainError) -> Any:
    """A domain error no view handled: a problem for the API and JSON clients, else the error
    page. The page names what to fix in an invalid request (as "param: detail"); for the other
    kinds its own words, in the reader's language, say what happened."""
    if wants_json():
        return domain_problem(exc)
    db.session.rollback()
    status, title = answer_of(exc)
    detail = ""
    if isinstance(exc, Invalid):
        detail = f"{exc.param}: {exc.message}" if exc.param else exc.message
    return error_page(status, title, detail)


def install(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error)
