"""Operating status on the web: the owner's one-click link (no login) and the curators' list
of entries not verified for more than a year."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..extensions import db
from ..models import Innovation, utcnow
from ..services import digests, lifecycle
from .curate import curator_required

bp = Blueprint("lifecycle", __name__)
ID = "int(max=2147483647)"


def _failed(exc: lifecycle.LinkError) -> Any:
    db.session.rollback()
    status = 410 if exc.reason in ("expired", "used") else 400
    return render_template("lifecycle/link_error.html", reason=exc.reason), status


@bp.route("/status/<token>", methods=["GET", "POST"])
def status_link(token: str) -> Any:
    """GET shows the owner's choice and one button (mail scanners only GET); POST applies it."""
    answer = request.values.get("answer", "")
    if answer not in lifecycle.ANSWERS:
        answer = ""
    try:
        link = lifecycle.read_token(token)
    except lifecycle.LinkError as exc:
        return _failed(exc)
    if request.method == "GET" or not answer:
        return render_template(
            "lifecycle/answer.html", innovation=link.innovation, token=token, answer=answer
        )
    try:
        innovation = lifecycle.answer(token, answer)
    except lifecycle.LinkError as exc:
        return _failed(exc)
    db.session.commit()
    return render_template("lifecycle/thanks.html", innovation=innovation, answer=answer)


@bp.get("/curate/lifecycle")
@curator_required
def stale() -> Any:
    return render_template("lifecycle/stale.html", rows=lifecycle.stale(), nav="curate")


@bp.post(f"/curate/lifecycle/<{ID}:innovation_id>/ask")
@curator_required
def ask(innovation_id: int) -> Any:
    innovation = db.session.get(Innovation, innovation_id)
    if innovation is None or innovation.status != "published":
        abort(404)
    if innovation.owner is None:
        flash(
            gettext("Inovasi ini tidak punya pemilik akun; tidak ada yang bisa ditanya."), "error"
        )
    else:
        lifecycle.claim_check(innovation, utcnow(), manual=True)
        db.session.commit()
        digests.send_status_check(innovation)
        flash(gettext("Tautan konfirmasi status dikirim ke pemilik."), "info")
    return redirect(url_for("lifecycle.stale"))
