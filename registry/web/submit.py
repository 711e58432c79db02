"""Institutions register their innovations: drafts, attachments, submission, revision answers,
status with its history; and attachments served with safe headers."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from .. import taxonomy
from ..extensions import db
from ..models import Attachment, Campaign, Innovation, User, utcnow
from ..search import SearchUnavailable
from ..services import (
    attachments,
    catalogue,
    discovery,
    provenance,
    receipts,
    review,
    revisions,
)
from ..services.validation import ValidationError
from . import params as query_params
from .forms import ConfirmForm, InnovationForm, apply_errors, labelled_errors, localize

bp = Blueprint("submit", __name__)
# database ids are 32-bit on PostgreSQL: larger numbers are simply not found (404)
ID = "int(max=2147483647)"
SIMILAR_LIMIT = 5


def _user() -> User:
    return current_user._get_current_object()


def _locale() -> str:
    from .public import current_locale

    return current_locale()


def open_campaigns() -> list[tuple[str, str]]:
    today = utcnow().date()
    rows = db.session.scalars(select(Campaign).order_by(Campaign.name)).all()
    return [(c.name, c.name) for c in rows if c.is_open(today)]


def _own(innovation_id: int) -> Innovation:
    """The current user's innovation; 404 for anyone else's (existence does not leak)."""
    innovation = db.session.get(Innovation, innovation_id)
    if innovation is None or innovation.owner_id != _user().id:
        abort(404)
    return innovation


def _form() -> InnovationForm:
    form = InnovationForm()
    form.fill_choices(_locale(), open_campaigns())
    return form


def _action() -> str:
    return "submit" if request.form.get("action") == "submit" else "draft"


def _attach(innovation: Innovation, form: InnovationForm) -> None:
    upload = form.attachment.data
    if isinstance(upload, FileStorage) and upload.filename:
        attachments.add(innovation, upload.stream, upload.filename, actor=_user())


@bp.get("/my")
@login_required
def mine() -> Any:
    rows = review.my_submissions(_user())
    return render_template(
        "submit/mine.html", rows=[(row, review.sla_for(row)) for row in rows], nav="mine"
    )


@bp.route("/my/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    form = _form()
    errors: list[str] = []
    if request.method == "GET":
        user = _user()
        if user.organization is not None:
            form.innovator_name.data = user.organization.name
            form.innovator_type.data = user.organization.innovator_type
            form.province.data = user.organization.province_code or ""
            form.regency.data = user.organization.regency_code or ""
        form.contact_email.data = user.email
    elif form.validate_on_submit():
        draft = _action() != "submit"
        try:
            innovation = review.create_submission(
                form.data_for_service(), owner=_user(), origin="form", draft=draft
            )
            _attach(innovation, form)
        except ValidationError as exc:
            db.session.rollback()
            errors = apply_errors(form, exc.errors)
        except review.Conflict as exc:
            db.session.rollback()
            errors = [localize(str(exc))]
            if exc.existing_id:
                errors.append(
                    gettext(
                        "Lihat: %(url)s", url=url_for("submit.view", innovation_id=exc.existing_id)
                    )
                )
        else:
            db.session.commit()
            receipts.submitted(innovation)
            flash(
                gettext("Tersimpan sebagai draf.")
                if draft
                else gettext("Terkirim untuk ditinjau. Kurator menanggapi paling lambat 1 hari."),
                "info",
            )
            return redirect(url_for("submit.view", innovation_id=innovation.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "submit/form.html", form=form, errors=errors, innovation=None, nav="mine"
    ), status


@bp.route(f"/my/<{ID}:innovation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(innovation_id: int) -> Any:
    innovation = _own(innovation_id)
    if innovation.status in revisions.REVISABLE:
        return _propose(innovation)
    if innovation.status not in review.EDITABLE:
        flash(gettext("Inovasi ini sedang atau sudah ditinjau dan tidak dapat diubah."), "error")
        return redirect(url_for("submit.view", innovation_id=innovation.id))
    form = _form()
    errors: list[str] = []
    if request.method == "GET":
        form.load(catalogue.to_record(innovation, include_private=True))
    elif form.validate_on_submit():
        sending = _action() == "submit" and innovation.status in ("draft", "revision_requested")
        try:
            review.edit_submission(innovation, form.data_for_service(), actor=_user())
            _attach(innovation, form)
            if sending:
                review.submit(innovation, actor=_user())
        except ValidationError as exc:
            db.session.rollback()
            errors = apply_errors(form, exc.errors)
        except review.Conflict as exc:
            db.session.rollback()
            errors = [localize(str(exc))]
        else:
            db.session.commit()
            if sending:
                receipts.submitted(innovation)
            flash(
                gettext("Terkirim untuk ditinjau.")
                if innovation.status == "submitted"
                else gettext("Perubahan tersimpan."),
                "info",
            )
            return redirect(url_for("submit.view", innovation_id=innovation.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "submit/form.html", form=form, errors=errors, innovation=innovation, nav="mine"
    ), status


def _propose(innovation: Innovation) -> Any:
    """An edit of a published innovation: held as a pending update until a curator decides."""
    form = _form()
    errors: list[str] = []
    if request.method == "GET":
        form.load(revisions.preview(innovation))
    elif form.validate_on_submit():
        upload = form.attachment.data
        try:
            if isinstance(upload, FileStorage) and upload.filename:
                raise ValidationError(
                    {"attachment": "attachments cannot be added to a published innovation"}
                )
            revisions.propose(innovation, form.data_for_service(), actor=_user())
        except ValidationError as exc:
            db.session.rollback()
            errors = apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(
                gettext(
                    "Pembaruan terkirim untuk ditinjau. Halaman publik tetap menampilkan versi "
                    "yang terbit sampai kurator menerbitkan pembaruan ini."
                ),
                "info",
            )
            return redirect(url_for("submit.view", innovation_id=innovation.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "submit/form.html",
        form=form,
        errors=errors,
        innovation=innovation,
        revision=True,
        nav="mine",
    ), status


@bp.post(f"/my/<{ID}:innovation_id>/update/withdraw")
@login_required
def withdraw_update(innovation_id: int) -> Any:
    innovation = _own(innovation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        revisions.withdraw(innovation, actor=_user())
    except review.Conflict as exc:
        db.session.rollback()
        flash(localize(str(exc)), "error")
    else:
        db.session.commit()
        flash(gettext("Pembaruan dibatalkan."), "info")
    return redirect(url_for("submit.view", innovation_id=innovation.id))


@bp.get(f"/my/<{ID}:innovation_id>")
@login_required
def view(innovation_id: int) -> Any:
    innovation = _own(innovation_id)
    curator = _user().is_curator
    return render_template(
        "submit/view.html",
        innovation=innovation,
        posts=provenance.source_posts(innovation) if curator else [],
        platforms=taxonomy.label_map(taxonomy.PLATFORMS),
        blockers=labelled_errors(provenance.problems(innovation)) if curator else [],
        sla=review.sla_for(innovation),
        form=ConfirmForm(),
        nav="mine",
    )


@bp.post(f"/my/<{ID}:innovation_id>/submit")
@login_required
def send(innovation_id: int) -> Any:
    innovation = _own(innovation_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        review.submit(innovation, actor=_user())
    except ValidationError as exc:
        # the form again, each missing or wrong field marked and listed in the error summary
        db.session.rollback()
        form = _form()
        form.load(catalogue.to_record(innovation, include_private=True))
        errors = apply_errors(form, exc.errors)
        return render_template(
            "submit/form.html", form=form, errors=errors, innovation=innovation, nav="mine"
        ), 400
    except review.Conflict as exc:
        db.session.rollback()
        flash(localize(str(exc)), "error")
    else:
        db.session.commit()
        receipts.submitted(innovation)
        flash(gettext("Terkirim untuk ditinjau."), "info")
    return redirect(url_for("submit.view", innovation_id=innovation.id))


@bp.post(f"/my/<{ID}:innovation_id>/attachments/<{ID}:attachment_id>/delete")
@login_required
def delete_attachment(innovation_id: int, attachment_id: int) -> Any:
    innovation = _own(innovation_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.innovation_id != innovation.id:
        abort(404)
    if innovation.status not in review.EDITABLE:
        abort(409)
    attachments.remove(attachment)
    db.session.commit()
    flash(gettext("Lampiran dihapus."), "info")
    return redirect(url_for("submit.edit", innovation_id=innovation.id))


@bp.get(f"/files/<{ID}:attachment_id>/<path:name>")
def attachment(attachment_id: int, name: str) -> Any:
    row = db.session.get(Attachment, attachment_id)
    user = _user() if current_user.is_authenticated else None
    if row is None or not review.can_view(user, row.innovation):
        abort(404)
    path = attachments.path_of(row)
    if not path.is_file():
        abort(404)
    inline = row.content_type.startswith("image/")
    response = send_file(
        path,
        mimetype=row.content_type,
        as_attachment=not inline,
        download_name=row.original_name,
        max_age=0 if row.innovation.status != "published" else 3600,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if row.innovation.status != "published":
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/my/similar")
@login_required
def similar() -> Any:
    """Published innovations that look like the one being typed ("is this yours already?")."""
    title = (request.args.get("title") or "").strip()[:200]
    summary = (request.args.get("summary") or "").strip()
    queries = [q for q in (title, " ".join(summary.split()[:12])) if len(q) >= 4]
    for q in queries:
        params = query_params.search(MultiDict({"q": q, "per_page": str(SIMILAR_LIMIT)}))
        try:
            page = discovery.search_page(
                params,
                url_for_slug=lambda slug: url_for("public.innovation", slug=slug),
                locale=_locale(),
            )
        except SearchUnavailable:
            current_app.logger.warning("similar: search unavailable")
            break
        if page["results"]:
            return jsonify(
                [
                    {"title": r["title"], "url": r["url"], "innovator_name": r["innovator_name"]}
                    for r in page["results"]
                ]
            )
    return jsonify([])
