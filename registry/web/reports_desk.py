"""The working side of reports: the curators' queue /curate/reports/, the institutions' queue
/my/reports/ and the admins' routing rules /admin/reports/routes."""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required

from .. import taxonomy
from ..extensions import db
from ..models import User, utcnow
from ..services import report_mail, reports
from . import params as query_params
from .reports import _files, _problem_message

bp = Blueprint("reports_desk", __name__)
BULK = ("verify", "reject", "dispose", "dispose_suggested")
MAX_BULK = 100


def _user() -> User:
    return current_user._get_current_object()


def _locale() -> str:
    return str(get_locale() or "id")


def _role_required(check: Any) -> Any:
    def decorator(view: Any) -> Any:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not check(_user()):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


curator_required = _role_required(lambda u: u.is_curator)
institution_required = _role_required(lambda u: u.role == "institution")
admin_required = _role_required(lambda u: u.role == "admin")


def _step_message(exc: reports.ReportError, action: str = "") -> str:
    if isinstance(exc, reports.Conflict):
        return gettext("Langkah itu tidak sesuai dengan status laporan sekarang.")
    if isinstance(exc, reports.Forbidden):
        return gettext("Langkah itu bukan wewenang Anda.")
    if isinstance(exc, reports.Invalid):
        if exc.param == "to":
            return gettext("Pilih akun instansi yang aktif.")
        if exc.param == "reason":
            if action == "return":
                return gettext("Tulis alasan mengapa laporan ini bukan wewenang Anda.")
            return gettext("Pilih alasan penolakan.")
        if exc.param == "anonymous":
            return gettext("Tidak ada yang diperketat.")
        return _problem_message(exc)
    return gettext("Laporan tidak ditemukan.")


def _take(report: reports.Report, action: str, **kw: Any) -> bool:
    """One step from a page: commit and mail on success, a flash message otherwise."""
    try:
        event = reports.act(report, action, actor=reports.Actor.of(_user()), **kw)
    except reports.ReportError as exc:
        db.session.rollback()
        flash(_step_message(exc, action), "error")
        return False
    db.session.commit()
    report_mail.step(report, event)
    return True


# --------------------------------------------------------------------------- curators


@bp.get("/curate/reports/")
@curator_required
def curator_queue() -> Any:
    now = utcnow()
    if reports.close_expired(now=now):
        db.session.commit()
    try:
        filters = query_params.report_filters(request.args, per_page_default=50, per_page_max=200)
    except reports.Invalid as exc:
        abort(400, exc.detail)
    page = reports.curator_queue(filters)
    routes = reports.list_routes()
    suggestions = {r.id: reports.suggest(r, routes) for r in page.items if r.status == "verified"}
    args = {k: v for k, v in request.args.items(multi=True) if k != "page"}
    return render_template(
        "reports/curator_queue.html",
        page=page,
        filters=filters,
        args=args,
        now=now,
        suggestions=suggestions,
        institutions=reports.institutions(),
        reasons=taxonomy.choices(reports.REJECT_REASONS, _locale()),
        categories=taxonomy.choices(reports.CATEGORIES, _locale()),
        statuses=[(s, reports.label(reports.STATUSES, s, _locale())) for s in reports.STATUSES],
        provinces=taxonomy.provinces(),
        figures=reports.queue_figures(now=now),
        nav="curate-reports",
    )


@bp.post("/curate/reports/bulk")
@curator_required
def curator_bulk() -> Any:
    action = request.form.get("action", "")
    codes = request.form.getlist("codes")[:MAX_BULK]
    if action not in BULK or not codes:
        flash(gettext("Pilih laporan dan tindakan."), "error")
        return redirect(_queue_again())
    done = failed = 0
    routes = reports.list_routes()
    for code in codes:
        report = reports.find(code)
        if report is None:
            failed += 1
            continue
        to: User | str | None = request.form.get("to") or None
        if action == "dispose_suggested":
            to = reports.suggest(report, routes)
            if to is None:
                failed += 1
                continue
        try:
            # every check comes before any change, so a refused step leaves the report as it was
            event = reports.act(
                report,
                "dispose" if action.startswith("dispose") else action,
                actor=reports.Actor.of(_user()),
                reason=request.form.get("reason", ""),
                to=to,
                text=request.form.get("text", ""),
            )
        except reports.ReportError:
            failed += 1
            continue
        db.session.commit()
        report_mail.step(report, event)
        done += 1
    flash(gettext("%(done)s laporan diproses, %(failed)s tidak.", done=done, failed=failed), "info")
    return redirect(_queue_again())


def _queue_again() -> str:
    """The queue with the filters and page it was left at (rebuilt, never a raw address)."""
    back = parse_qsl(request.form.get("back", ""))[:20]
    return url_for("reports_desk.curator_queue") + (f"?{urlencode(back)}" if back else "")


@bp.route("/curate/reports/<code>", methods=["GET", "POST"])
@curator_required
def curator_report(code: str) -> Any:
    report = reports.find(code)
    if report is None:
        abort(404)
    if request.method == "POST":
        action = request.form.get("action", "")
        if action == "verify_dispose":
            if _take(report, "verify"):
                _take(report, "dispose", to=request.form.get("to") or None)
        elif action in reports.CURATOR_STEPS:
            _take(
                report,
                action,
                reason=request.form.get("reason", ""),
                to=request.form.get("to") or None,
                text=request.form.get("text", ""),
                anonymous=request.form.get("anonymous") == "on",
                confidential=request.form.get("confidential") == "on",
            )
        else:
            abort(400)
        return redirect(url_for("reports_desk.curator_report", code=report.tracking_code))
    suggestion = reports.suggest(report) if report.status in ("received", "verified") else None
    return render_template(
        "reports/curator_report.html",
        report=report,
        suggestion=suggestion,
        institutions=reports.institutions(),
        reasons=taxonomy.choices(reports.REJECT_REASONS, _locale()),
        overdue=reports.overdue(report),
        nav="curate-reports",
    )


# --------------------------------------------------------------------------- institutions


@bp.get("/my/reports/")
@institution_required
def institution_queue() -> Any:
    user = _user()
    page_number = request.args.get("page", "1")
    page = int(page_number) if page_number.isdigit() and 0 < int(page_number) < 10_000 else 1
    return render_template(
        "reports/institution_queue.html",
        waiting=reports.institution_queue(user, page=page, per_page=50),
        answered=reports.institution_queue(user, per_page=20, done=True),
        now=utcnow(),
        nav="my-reports",
    )


@bp.route("/my/reports/<code>", methods=["GET", "POST"])
@institution_required
def institution_report(code: str) -> Any:
    report = reports.find(code)
    if report is None or report.addressee_id != _user().id:
        abort(404)  # another institution's report is simply not found
    if request.method == "POST":
        if _take(report, "respond", text=request.form.get("text", ""), files=_files("attachments")):
            flash(gettext("Tanggapan terkirim ke pelapor."), "info")
        return redirect(url_for("reports_desk.institution_report", code=report.tracking_code))
    from ..services import attachments

    return render_template(
        "reports/institution_report.html",
        report=report,
        show_identity=reports.shows_identity(report, "institution"),
        overdue=reports.overdue(report),
        accept=attachments.ACCEPT,
        nav="my-reports",
    )


@bp.post("/my/reports/<code>/return")
@institution_required
def institution_return(code: str) -> Any:
    """ "Not ours": the report goes back to the curators with the reason, to be disposed again."""
    report = reports.find(code)
    if report is None or report.addressee_id != _user().id:
        abort(404)
    if _take(report, "return", reason=request.form.get("reason", "")):
        flash(gettext("Laporan dikembalikan ke kurator untuk didisposisikan ulang."), "info")
        return redirect(url_for("reports_desk.institution_queue"))
    return redirect(url_for("reports_desk.institution_report", code=report.tracking_code))


# --------------------------------------------------------------------------- routing rules


@bp.route("/admin/reports/routes", methods=["GET", "POST"])
@admin_required
def routes() -> Any:
    if request.method == "POST":
        if request.form.get("delete"):
            try:
                reports.delete_route(int(request.form["delete"]))
            except (ValueError, reports.NotFound):
                abort(404)
            db.session.commit()
            flash(gettext("Aturan dihapus."), "info")
        else:
            try:
                reports.add_route(
                    request.form.get("category", ""),
                    request.form.get("to", ""),
                    region=request.form.get("region") or None,
                    words=request.form.get("words", ""),
                )
            except reports.Invalid as exc:
                db.session.rollback()
                flash(
                    _step_message(exc)
                    if exc.param == "to"
                    else gettext("Kategori atau wilayah tidak dikenal."),
                    "error",
                )
            else:
                db.session.commit()
                flash(gettext("Aturan ditambahkan."), "info")
        return redirect(url_for("reports_desk.routes"))
    return render_template(
        "reports/routes.html",
        routes=reports.list_routes(),
        institutions=reports.institutions(),
        categories=taxonomy.choices(reports.CATEGORIES, _locale()),
        regions=taxonomy.regions(),
        nav="admin",
        tab="report-routes",
    )
