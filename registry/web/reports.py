"""The public side of reports: the form /lapor, the tracking page /lapor/<code> and the list
/laporan. No account, no JavaScript; the reporter proves itself with the secret once (typed in,
or from the mailed link) and the signed session remembers it for that code."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, gettext
from flask_login import current_user

from .. import taxonomy
from ..extensions import db, limiter
from ..models import Innovation, User
from ..services import attachments, report_mail, reports
from . import params as query_params
from .reports_api import counts_against_limit, report_rate, send_attachment

log = logging.getLogger(__name__)
bp = Blueprint("reports", __name__)
SESSION_KEY = "report_codes"
MAX_REMEMBERED = 20


def _locale() -> str:
    return str(get_locale() or "id")


def _user() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


VOCABULARIES = {
    "kind": reports.KINDS,
    "category": reports.CATEGORIES,
    "status": reports.STATUSES,
    "reason": reports.REJECT_REASONS,
    "action": reports.ACTIONS,
    "by": reports.ROLES,
}


@bp.app_template_global("report_label")
def report_label(vocabulary: str, slug: str) -> str:
    """A report vocabulary's word in the page's language (never the raw slug for known ones)."""
    return reports.label(VOCABULARIES[vocabulary], slug, _locale())


@bp.app_template_global("report_region")
def report_region(region: Any) -> str:
    if region is None:
        return ""
    return str(region.name_en if _locale() == "en" else region.name)


@bp.app_template_global("report_stats")
def report_stats() -> dict[str, Any]:
    """The reports section of /stats (the same figures as /api/v1/stats' "reports")."""
    return reports.stats()


@bp.app_template_global("reports_about")
def reports_about(innovation_id: int) -> dict[str, Any]:
    """For an innovation's page: the count and categories of its public reports."""
    return reports.about_innovation(innovation_id)


def remember(code: str) -> None:
    codes = [c for c in session.get(SESSION_KEY, []) if c != code]
    session[SESSION_KEY] = [code, *codes][:MAX_REMEMBERED]


def proven(code: str) -> bool:
    return code in session.get(SESSION_KEY, [])


def regions_grouped() -> list[tuple[Any, tuple[Any, ...]]]:
    """Provinces with their regencies: the province → regency picker without script."""
    return [(p, taxonomy.regencies(p.code)) for p in taxonomy.provinces()]


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def form_data(form: Any) -> dict[str, Any]:
    """The posted form in the API's shape (DESIGN.md field names)."""
    regency = (form.get("regency") or "").strip()
    province = (form.get("province") or "").strip()
    if regency and not province:
        province = regency.split(".")[0]
    return {
        "kind": form.get("kind") or "",
        "category": form.get("category") or "",
        "title": form.get("title") or "",
        "body": form.get("body") or "",
        "province": province,
        "regency": regency or None,
        "innovation": (form.get("innovation") or "").strip() or None,
        "occurred_on": form.get("occurred_on") or None,
        "anonymous": form.get("anonymous") == "on",
        "confidential": form.get("confidential") == "on",
        "reporter": {
            "name": form.get("name") or "",
            "email": form.get("email") or "",
            "phone": form.get("phone") or "",
        },
    }


def _files(name: str) -> list[reports.FileIn]:
    return [
        reports.FileIn(f.stream, f.filename or "")
        for f in request.files.getlist(name)
        if f and f.filename
    ]


def _innovation_of(value: Any) -> Innovation | None:
    if isinstance(value, str) and value.strip().isdigit() and int(value) < 2**31:
        row = db.session.get(Innovation, int(value))
        if row is not None and row.status == "published":
            return row
    return None


def _form_page(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    return render_template(
        "reports/form.html",
        values=values,
        errors=errors,
        innovation=_innovation_of(values.get("innovation")),
        kinds=taxonomy.choices(reports.KINDS, _locale()),
        categories=taxonomy.choices(reports.CATEGORIES, _locale()),
        regions=regions_grouped(),
        nav="lapor",
        max_body=reports.MAX_BODY,
        accept=attachments.ACCEPT,
    ), status


def _problem_message(exc: reports.Invalid) -> str:
    messages = {
        "kind": gettext("Pilih jenis laporan."),
        "category": gettext("Pilih kategori."),
        "title": gettext("Tulis judul singkat (paling banyak 200 karakter)."),
        "body": gettext("Ceritakan apa yang terjadi (paling banyak 10.000 karakter)."),
        "province": gettext("Pilih provinsi."),
        "regency": gettext("Kabupaten/kota itu tidak berada di provinsi yang dipilih."),
        "innovation": gettext("Nomor inovasi itu tidak ada di katalog."),
        "occurred_on": gettext("Tanggal kejadian harus tanggal yang sudah lewat."),
        "reporter.email": gettext("Alamat email tidak valid."),
        "reporter.phone": gettext("Nomor telepon tidak valid."),
        "reporter.name": gettext("Nama terlalu panjang."),
        "attachment": gettext(
            "Lampiran ditolak: hanya foto (PNG, JPEG, GIF, WebP) atau PDF, paling besar %(mb)s MB, "
            "paling banyak %(n)s berkas.",
            mb=int(current_app.config["ATTACHMENT_MAX_BYTES"]) // (1024 * 1024),
            n=current_app.config["REPORT_ATTACHMENTS"],
        ),
        "rating": gettext("Nilai harus 1 sampai 5."),
        "text": gettext("Tulis tanggapan."),
    }
    return messages.get(exc.param, gettext("Isian tidak valid."))


@bp.route("/lapor", methods=["GET", "POST"])
@limiter.limit(report_rate, methods=["POST"], deduct_when=counts_against_limit)
def new() -> Any:
    if request.method == "GET":
        values = {"innovation": request.args.get("innovation", ""), "kind": "pengaduan"}
        return _form_page(values, {})
    data = form_data(request.form)
    values = {**request.form.to_dict(), "innovation": data["innovation"] or ""}
    if request.form.get("website"):
        # a bot filled the hidden field: answer as if it worked, keep nothing
        log.info("report honeypot filled")
        flash(gettext("Terima kasih, laporan Anda sudah kami terima."), "info")
        return redirect(url_for("reports.new"))
    try:
        report, secret = reports.create(
            data, files=_files("attachments"), source=request.remote_addr or ""
        )
    except reports.Invalid as exc:
        db.session.rollback()
        return _form_page(values, {exc.param: _problem_message(exc)}, exc.status)
    db.session.commit()
    report_mail.received(report, secret)
    remember(report.tracking_code)
    page = render_template("reports/received.html", report=report, secret=secret, nav="lapor")
    return _no_store(current_app.make_response((page, 201)))


@bp.post("/lapor/lacak")
def find() -> Any:
    """Open a report by its code and secret, typed in."""
    code = reports.normalize_code(request.form.get("code", ""))
    secret = request.form.get("secret", "")
    report = reports.find(code) if code else None
    if report is None or not reports.secret_matches(report, secret):
        page = render_template(
            "reports/unlock.html", code=request.form.get("code", ""), failed=True, nav="lapor"
        )
        return _no_store(current_app.make_response((page, 404)))
    remember(report.tracking_code)
    return redirect(url_for("reports.track", code=report.tracking_code))


def _viewer(code: str) -> tuple[reports.Report, str] | None:
    report = reports.find(code)
    if report is None:
        return None
    if proven(report.tracking_code):
        return report, "reporter"
    try:
        return report, reports.viewer_role(report, user=_user(), secret=None)
    except reports.NotFound:
        return None


@bp.get("/lapor/<code>")
def track(code: str) -> Any:
    secret = request.args.get("secret")
    if secret is not None:
        # the mailed link: prove once, then drop the secret from the address bar and history
        report = reports.find(code)
        if report is not None and reports.secret_matches(report, secret):
            remember(report.tracking_code)
            return redirect(url_for("reports.track", code=report.tracking_code))
    found = _viewer(code)
    if found is None:
        page = render_template(
            "reports/unlock.html", code=code, failed=secret is not None, nav="lapor"
        )
        return _no_store(current_app.make_response((page, 404 if secret is not None else 200)))
    report, view = found
    if view == "curator":
        return redirect(url_for("reports_desk.curator_report", code=report.tracking_code))
    if view == "institution":
        return redirect(url_for("reports_desk.institution_report", code=report.tracking_code))
    page = render_template(
        "reports/track.html",
        report=report,
        steps=reports.visible_events(report, "reporter"),
        can_reopen=report.status == "responded" and not report.reopened,
        overdue=reports.overdue(report),
        nav="lapor",
    )
    return _no_store(current_app.make_response(page))


@bp.post("/lapor/<code>/langkah")
def reporter_step(code: str) -> Any:
    report = reports.find(code)
    if report is None or not proven(report.tracking_code):
        abort(404)
    action = request.form.get("action", "")
    if action not in ("reopen", "close"):
        abort(400)
    try:
        event = reports.act(
            report,
            action,
            actor=reports.Actor.reporter(),
            text=request.form.get("text", ""),
            rating=request.form.get("rating") or None,
        )
    except reports.Invalid as exc:
        db.session.rollback()
        flash(_problem_message(exc), "error")
        return redirect(url_for("reports.track", code=report.tracking_code))
    except reports.Conflict:
        db.session.rollback()
        flash(gettext("Langkah itu tidak dapat dilakukan pada status laporan sekarang."), "error")
        return redirect(url_for("reports.track", code=report.tracking_code))
    db.session.commit()
    report_mail.step(report, event)
    flash(
        gettext("Laporan dibuka kembali.")
        if action == "reopen"
        else gettext("Terima kasih, laporan ditutup."),
        "info",
    )
    return redirect(url_for("reports.track", code=report.tracking_code))


@bp.get("/lapor/<code>/berkas/<int(max=2147483647):attachment_id>")
def attachment(code: str, attachment_id: int) -> Any:
    """A report's file: for the reporter, a curator or the institution it is disposed to."""
    found = _viewer(code)
    if found is None:
        abort(404)
    try:
        return send_attachment(reports.attachment_for(found[0], attachment_id))
    except reports.NotFound:
        abort(404)


@bp.get("/laporan")
def public_list() -> Any:
    """Verified, non-confidential reports with their follow-ups; never an identity."""
    try:
        filters = query_params.report_filters(
            request.args, per_page_default=20, per_page_max=current_app.config["PER_PAGE_MAX"]
        )
    except reports.Invalid as exc:
        return render_template(
            "error.html",
            status=400,
            title=gettext("Saringan tidak valid"),
            detail=exc.detail,
        ), 400
    page = reports.public_page(filters)
    args = {k: v for k, v in request.args.items(multi=True) if k != "page"}
    return render_template(
        "reports/public_list.html",
        page=page,
        filters=filters,
        args=args,
        categories=taxonomy.choices(reports.CATEGORIES, _locale()),
        statuses=[(s, reports.label(reports.STATUSES, s, _locale())) for s in reports.PUBLIC],
        provinces=taxonomy.provinces(),
        nav="laporan",
    )
