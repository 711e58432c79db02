"""Curators review submissions: a queue ordered by SLA urgency, decisions one by one or in bulk."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from .. import taxonomy
from ..extensions import db
from ..models import Innovation, User, utcnow
from ..services import catalogue, notify, provenance, review, revisions
from ..services.validation import ValidationError
from .forms import (
    DecisionForm,
    RevisionDecisionForm,
    apply_errors,
    decision_choices,
    field_label,
    labelled_errors,
    localize,
)

bp = Blueprint("curate", __name__, url_prefix="/curate")
# database ids are 32-bit on PostgreSQL: larger numbers are simply not found (404)
ID = "int(max=2147483647)"


def _user() -> User:
    return current_user._get_current_object()


def curator_required(view: Any) -> Any:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not _user().is_curator:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/")
@curator_required
def queue() -> Any:
    now = utcnow()
    return render_template(
        "curate/queue.html",
        items=review.queue(now=now),
        now=now,
        choices=decision_choices(),
        form=DecisionForm(),
        figures=review.compliance(now=now),
        updates=revisions.pending(),
        nav="curate",
    )


@bp.route(f"/<{ID}:innovation_id>", methods=["GET", "POST"])
@curator_required
def view(innovation_id: int) -> Any:
    innovation = db.session.get(Innovation, innovation_id)
    if innovation is None or innovation.status == "draft":
        abort(404)
    form = DecisionForm()
    form.fill_choices()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                event = review.decide(
                    innovation, form.decision.data or "", actor=_user(), note=form.note.data or ""
                )
            except ValidationError as exc:
                db.session.rollback()
                errors = apply_errors(form, exc.errors)
                status = 400
            except review.Conflict as exc:
                db.session.rollback()
                errors = [localize(str(exc))]
                status = 409
            else:
                db.session.commit()
                notify.decision(innovation, event)
                flash(gettext("Keputusan tersimpan."), "info")
                return redirect(url_for("curate.queue"))
        else:
            status = 400
    return render_template(
        "curate/view.html",
        innovation=innovation,
        sla=review.sla_for(innovation),
        form=form,
        errors=errors,
        update_form=RevisionDecisionForm(),
        current=catalogue.to_record(innovation, include_private=True),
        posts=provenance.source_posts(innovation),
        platforms=taxonomy.label_map(taxonomy.PLATFORMS),
        blockers=labelled_errors(provenance.problems(innovation)),
        field_label=field_label,
        nav="curate",
    ), status


@bp.post(f"/<{ID}:innovation_id>/update")
@curator_required
def update(innovation_id: int) -> Any:
    """Publish or reject an owner's pending update of a published innovation."""
    innovation = db.session.get(Innovation, innovation_id)
    if innovation is None or innovation.status == "draft":
        abort(404)
    form = RevisionDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if form.decision.data == "publish":
            event = revisions.publish(innovation, actor=_user(), note=form.note.data or "")
        else:
            event = revisions.reject(innovation, actor=_user(), note=form.note.data or "")
    except ValidationError as exc:
        db.session.rollback()
        for line in labelled_errors(exc.errors):
            flash(line, "error")
        return redirect(url_for("curate.view", innovation_id=innovation.id))
    except review.Conflict as exc:
        db.session.rollback()
        flash(localize(str(exc)), "error")
        return redirect(url_for("curate.view", innovation_id=innovation.id))
    db.session.commit()
    notify.revision(innovation, event)
    flash(gettext("Keputusan tersimpan."), "info")
    return redirect(url_for("curate.queue"))


@bp.post("/bulk")
@curator_required
def bulk() -> Any:
    form = DecisionForm()
    form.fill_choices()
    if not form.validate_on_submit():
        flash(gettext("Pilih keputusan."), "error")
        return redirect(url_for("curate.queue"))
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    if not ids:
        flash(gettext("Pilih minimal satu pengajuan."), "error")
        return redirect(url_for("curate.queue"))
    results = review.decide_many(
        ids, form.decision.data or "", actor=_user(), note=form.note.data or ""
    )
    db.session.commit()
    done = [r["id"] for r in results if r["status"] == 200]
    for innovation_id in done:
        innovation = db.session.get(Innovation, innovation_id)
        if innovation is not None and innovation.events:
            notify.decision(innovation, innovation.events[-1])
    flash(gettext("%(n)s pengajuan diputuskan.", n=len(done)), "info")
    for result in results:
        if result["status"] != 200:
            flash(f"#{result['id']}: {localize(str(result['detail']))}", "error")
    return redirect(url_for("curate.queue"))
