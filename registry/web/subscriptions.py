"""Following a search by email: the search page's form, the API, confirm and unsubscribe."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext

from ..extensions import csrf, db, limiter
from ..services import digests, subscriptions
from .problems import problem

bp = Blueprint("subscriptions", __name__)
api_bp = Blueprint("subscriptions_api", __name__)
csrf.exempt(api_bp)


def _rate() -> str:
    return str(current_app.config["SUBSCRIBE_RATE_LIMIT"])


def _email_key() -> str:
    """Rate-limit per address too: nobody gets many confirmation mails, whoever asks."""
    body = request.get_json(silent=True) if request.is_json else None
    email = body.get("email") if isinstance(body, dict) else request.form.get("email")
    return "subscribe:" + str(email or "").strip().lower()[:254]


def _subscribe(email: Any, search: Any, frequency: Any) -> None:
    row = subscriptions.subscribe(email, search, frequency)
    db.session.commit()
    digests.send_confirmation(row)


@api_bp.post("/api/v1/subscriptions")
@limiter.limit(_rate)
@limiter.limit(_rate, key_func=_email_key)
def api_subscribe() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Invalid body", 'send {"email", "search": {...}, "frequency"}')
    _subscribe(body.get("email"), body.get("search"), body.get("frequency") or "weekly")
    return jsonify({"status": "pending", "detail": "a confirmation mail is on its way"}), 202


@bp.post("/subscriptions")
@limiter.limit(_rate)
@limiter.limit(_rate, key_func=_email_key)
def subscribe_form() -> Any:
    search: dict[str, Any] = {
        key: request.form.getlist(key)
        for key in subscriptions.SEARCH_KEYS
        if key not in ("q", "sort") and request.form.getlist(key)
    }
    if request.form.get("q"):
        search["q"] = request.form["q"]
    try:
        _subscribe(request.form.get("email"), search, request.form.get("frequency") or "weekly")
    except subscriptions.SubscriptionError as exc:
        db.session.rollback()
        message = (
            gettext("Alamat email tidak valid.")
            if exc.param == "email"
            else gettext("Pencarian ini tidak dapat diikuti.")
        )
        return render_template("subscriptions/message.html", message=message, error=True), 400
    return render_template(
        "subscriptions/message.html",
        message=gettext("Periksa email Anda dan klik tautan konfirmasi untuk mulai berlangganan."),
    ), 202


def _link_failed(exc: subscriptions.LinkError) -> Any:
    db.session.rollback()
    message = (
        gettext("Tautan ini sudah kedaluwarsa. Tidak ada yang diubah.")
        if exc.reason == "expired"
        else gettext("Tautan ini tidak sah. Tidak ada yang diubah.")
    )
    return render_template("subscriptions/message.html", message=message, error=True), (
        410 if exc.reason == "expired" else 400
    )


def _token_page(token: str, look: Any, act: Any, template: str, done: str) -> Any:
    """GET shows a page with one button (link scanners only GET); POST acts on the token."""
    try:
        row = look(token) if request.method == "GET" else act(token)
    except subscriptions.LinkError as exc:
        return _link_failed(exc)
    if request.method == "GET":
        return render_template(template, token=token, row=row)
    db.session.commit()
    return render_template("subscriptions/message.html", message=done)


@bp.route("/subscriptions/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Any:
    return _token_page(
        token,
        subscriptions.for_confirm_token,
        subscriptions.confirm,
        "subscriptions/confirm.html",
        gettext("Langganan aktif. Ringkasan dikirim bila ada inovasi baru yang cocok."),
    )


@bp.route("/subscriptions/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: the mail client POSTs without a form; the token authorizes
def unsubscribe(token: str) -> Any:
    return _token_page(
        token,
        subscriptions.for_unsubscribe_token,
        subscriptions.unsubscribe,
        "subscriptions/unsubscribe.html",
        gettext("Anda sudah berhenti berlangganan."),
    )


def follow_args() -> dict[str, Any]:
    """The current search's parameters, for the follow form's hidden fields and the feed."""
    return {
        key: request.args.getlist(key)
        for key in subscriptions.SEARCH_KEYS
        if key != "sort" and request.args.getlist(key)
    }


def feed_url() -> str:
    return url_for("public.feed", **follow_args())


bp.add_app_template_global(follow_args, "follow_args")
bp.add_app_template_global(feed_url, "search_feed_url")
bp.add_app_template_global(digests.describe_search, "describe_search")
