"""The curator inbox: harvested candidates ranked by the classifier, decided one by one or in
bulk (approve into a draft innovation, reject with a reason, merge)."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

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
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from .. import taxonomy
from ..extensions import db
from ..models import Candidate, CandidateDecision, Innovation, Post, User
from ..services import curation, harvesting
from ..services.errors import Invalid
from . import params as query_params
from .curate import curator_required
from .forms import localize
from .public import current_locale
from .wtforms_i18n import TranslatedForm as FlaskForm

bp = Blueprint("inbox", __name__, url_prefix="/curate/inbox")
ID = "int(max=2147483647)"
MAX_IDS = curation.MAX_ITEMS
# the "Batalkan" (undo) toast after a decision: shown on the next page within this many
# seconds, and for as long on screen (reopening stays possible from the candidate's page)
UNDO_SECONDS = 20
UNDO_KEY = "inbox_undo"


def action_choices() -> list[tuple[str, str]]:
    return [
        ("approve", gettext("Setujui (buat draf inovasi)")),
        ("reject", gettext("Tolak")),
        ("merge", gettext("Gabungkan")),
    ]


def reason_choices() -> list[tuple[str, str]]:
    return [
        ("not-innovation", gettext("Bukan inovasi")),
        ("off-topic", gettext("Di luar topik")),
        ("spam", gettext("Spam")),
        ("duplicate", gettext("Duplikat")),
    ]


def status_choices() -> list[tuple[str, str]]:
    return [
        ("new", gettext("Baru")),
        ("approved", gettext("Disetujui")),
        ("rejected", gettext("Ditolak")),
        ("merged", gettext("Digabung")),
        ("all", gettext("Semua")),
    ]


def sort_choices() -> list[tuple[str, str]]:
    return [
        ("score", gettext("Skor tertinggi")),
        ("newest", gettext("Terbaru")),
        ("uncertainty", gettext("Paling berguna untuk dilabeli")),
    ]


PLATFORM_LABELS = {
    "twitter": "X/Twitter",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "rss": "RSS",
    "file": _l("Berkas"),
}


class InboxDecisionForm(FlaskForm):
    """One decision for the chosen candidates (``ids``), or ``quick`` = "approve:ID" /
    "reject:ID" from a candidate's own buttons."""

    # the service checks the values (and says which is wrong); these only render the choices
    action = SelectField(_l("Tindakan"), validate_choice=False)
    reason = SelectField(_l("Alasan penolakan"), validate_choice=False)
    into_candidate = IntegerField(
        _l("Gabungkan ke kandidat nomor"),
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
    )
    into_innovation = IntegerField(
        _l("atau ke inovasi nomor"),
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
    )
    note = TextAreaField(_l("Catatan (opsional)"), validators=[Length(max=curation.MAX_NOTE)])

    def fill_choices(self) -> InboxDecisionForm:
        self.action.choices = action_choices()
        # no default: a rejection's reason is a training label, so the curator picks it
        self.reason.choices = [("", gettext("— pilih alasan —")), *reason_choices()]
        return self


def _user() -> User:
    from flask_login import current_user

    user: User = current_user._get_current_object()
    return user


def _safe_next(default: str) -> str:
    """Where to go back to: only a path inside the inbox (never another site)."""
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(bp.url_prefix or "/"):
        return default
    return target


def _explain(candidate: Candidate) -> dict[str, list[tuple[str, float]]]:
    up, down = curation.explain_terms(candidate)
    return {"up": up, "down": down}


# the inbox's query parameters as its filter form names them (a raw name never reaches the page)
PARAM_LABELS = {
    "q": _l("Kata dalam teks"),
    "status": _l("Status"),
    "sort": _l("Urutkan"),
    "min_score": _l("Skor minimal (0–1)"),
    "platform": _l("Platform"),
    "province": _l("Provinsi (prediksi)"),
    "source": _l("Sumber panen (kueri)"),
    "date_from": _l("Terlihat sejak"),
    "date_to": _l("Terlihat sampai"),
    "page": _l("Halaman"),
    "per_page": _l("Jumlah per halaman"),
    "after": _l("Tautan halaman"),
}


def param_label(name: str | None) -> str:
    return str(PARAM_LABELS.get(name or "", _l("Saring")))


@bp.get("/")
@curator_required
def index() -> Any:
    problem = None
    try:
        params = query_params.inbox(
            request.args,
            per_page_default=current_app.config["PER_PAGE_DEFAULT"],
            per_page_max=current_app.config["PER_PAGE_MAX"],
            count_bound=current_app.config["INBOX_COUNT_BOUND"],
        )
        page = curation.list_page(params)
    except Invalid as exc:
        problem = exc
        params = curation.InboxParams(per_page=current_app.config["PER_PAGE_DEFAULT"])
        page = curation.list_page(params)
    matches = curation.innovations_by_id([c.matches_innovation_id for c in page.items])
    status = 400 if problem is not None else 200
    return render_template(
        "inbox/list.html",
        page=page,
        params=params,
        problem=problem,
        problem_text=localize(problem.message) if problem is not None else "",
        problem_label=param_label(problem.param) if problem is not None else "",
        matches=matches,
        explain={c.id: _explain(c) for c in page.items},
        form=InboxDecisionForm().fill_choices(),
        statuses=status_choices(),
        sorts=sort_choices(),
        reasons=reason_choices(),
        platforms=PLATFORM_LABELS,
        provinces=[(p.code, p.label(current_locale())) for p in taxonomy.provinces()],
        sources=harvesting.list_sources(),
        page_url=lambda n: url_for("inbox.index", **params.as_args(), page=n),
        max_page_offset=curation.MAX_PAGE_OFFSET,
        next_url=(
            url_for("inbox.index", **params.as_args(), page=page.page + 1, after=page.next_after)
            if page.next_after
            else None
        ),
        here=request.full_path.rstrip("?"),
        undo=_take_undo(),
        nav="inbox",
    ), status


@bp.get(f"/<{ID}:candidate_id>")
@curator_required
def view(candidate_id: int) -> Any:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        abort(404)
    posts = list(
        db.session.scalars(
            select(Post).where(Post.candidate_id == candidate.id).order_by(Post.created_at, Post.id)
        )
    )
    decisions = list(
        db.session.scalars(
            select(CandidateDecision)
            .where(CandidateDecision.candidate_id == candidate.id)
            .order_by(CandidateDecision.id)
        )
    )
    linked = curation.innovations_by_id([candidate.matches_innovation_id, candidate.innovation_id])
    return render_template(
        "inbox/view.html",
        candidate=candidate,
        posts=posts,
        decisions=decisions,
        linked=linked,
        explain=_explain(candidate),
        form=InboxDecisionForm().fill_choices(),
        reasons=reason_choices(),
        platforms=PLATFORM_LABELS,
        predicted_province=curation.predicted_region(candidate, "province"),
        predicted_regency=curation.predicted_region(candidate, "regency"),
        undo=_take_undo(),
        here=request.full_path.rstrip("?"),
        nav="inbox",
    )


def _items(form: InboxDecisionForm) -> list[dict[str, Any]] | None:
    """The decision items the form asks for; None (with a message flashed) when it is
    incomplete."""
    quick = request.form.get("quick", "")
    if quick:
        action, _, raw_id = quick.partition(":")
        ids = [int(raw_id)] if raw_id.isdigit() else []
    else:
        action = form.action.data or ""
        ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    ids = list(dict.fromkeys(ids))[:MAX_IDS]
    if not ids:
        flash(gettext("Pilih minimal satu kandidat."), "error")
        return None
    if action not in curation.DECISIONS:
        flash(gettext("Pilih tindakan."), "error")
        return None
    item: dict[str, Any] = {"decision": action, "note": form.note.data or ""}
    if action == "reject":
        # a card's own reason, else the one chosen for the selection: never a default
        reason = request.form.get(f"reason-{ids[0]}", "") if quick else ""
        item["reason"] = reason or form.reason.data or ""
        if item["reason"] not in curation.REJECT_REASONS:
            flash(gettext("Pilih alasan penolakan."), "error")
            return None
    if action == "merge":
        if form.into_candidate.data:
            item["into"] = {"candidate": form.into_candidate.data}
        elif form.into_innovation.data:
            item["into"] = {"innovation": form.into_innovation.data}
        else:
            flash(gettext("Tulis nomor kandidat atau inovasi tujuan penggabungan."), "error")
            return None
    return [{**item, "id": candidate_id} for candidate_id in ids]


_MISSING_TARGET = re.compile(r"^no (candidate|innovation) (\d+) to merge into$")
_CLOSED_TARGET = re.compile(r"^(candidate|innovation) \d+ is \w+; merge into another$")


def _detail(result: dict[str, Any]) -> str:
    status = result["status"]
    detail = str(result.get("detail") or "")
    missing = _MISSING_TARGET.match(detail)
    if missing and missing[1] == "candidate":
        # the candidate to merge is there; the target named in the form is not
        return gettext("kandidat tujuan #%(id)s tidak ditemukan", id=missing[2])
    if missing:
        return gettext("inovasi tujuan #%(id)s tidak ditemukan", id=missing[2])
    if _CLOSED_TARGET.match(detail):
        return gettext("tujuan penggabungan sudah ditolak, digabung, atau belum diajukan")
    if status == 409:
        return gettext("sudah diputuskan sebelumnya")
    if status == 404:
        return gettext("tidak ditemukan")
    return str(result.get("detail") or "")


@bp.post("/decide")
@curator_required
def decide() -> Any:
    form = InboxDecisionForm().fill_choices()
    back = _safe_next(url_for("inbox.index"))
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(back)
    items = _items(form)
    if items is None:
        return redirect(back)
    results = curation.decide(items, _user())
    db.session.commit()
    curation.maybe_retrain()
    done = [r for r in results if r["status"] == 200]
    if done:
        session[UNDO_KEY] = {
            "ids": [r["id"] for r in done],
            "at": time.time(),
            "message": gettext("%(n)s kandidat diputuskan.", n=len(done)),
        }
    for result in results:
        if result["status"] != 200:
            flash(f"#{result['id']}: {_detail(result)}", "error")
    drafts = [r["innovation_id"] for r in done if items[0]["decision"] == "approve"]
    if len(drafts) == 1 and request.form.get("open_draft"):
        session.pop(UNDO_KEY, None)
        flash(gettext("Lengkapi draf inovasi lalu ajukan untuk ditinjau."), "info")
        return redirect(url_for("submit.view", innovation_id=drafts[0]))
    return redirect(back)


def _take_undo() -> dict[str, Any] | None:
    """The last decision's undo offer, once, while it is fresh."""
    offer = session.pop(UNDO_KEY, None)
    if not isinstance(offer, dict) or time.time() - float(offer.get("at") or 0) > UNDO_SECONDS:
        return None
    return {**offer, "seconds": UNDO_SECONDS}


def _reopen_detail(result: dict[str, Any]) -> str:
    detail = str(result.get("detail") or "")
    if "merged into candidate" in detail:
        return gettext("sudah digabung ke kandidat lain yang kini memegang unggahannya")
    if "its innovation" in detail:
        return gettext("draf inovasinya sudah diajukan atau diterbitkan")
    if result["status"] == 409:
        return gettext("belum diputuskan")
    return _detail(result)


@bp.post("/reopen")
@curator_required
def reopen() -> Any:
    """Undo a decision (the toast's "Batalkan") or reopen a decided candidate: it goes back
    to the inbox and its training label is withdrawn."""
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    back = _safe_next(url_for("inbox.index"))
    quick = request.form.get("quick", "")
    raw = [quick.partition(":")[2]] if quick else request.form.getlist("ids")
    ids = list(dict.fromkeys(int(v) for v in raw if v.isdigit()))[:MAX_IDS]
    if not ids:
        flash(gettext("Pilih minimal satu kandidat."), "error")
        return redirect(back)
    results = curation.reopen(ids, _user())
    db.session.commit()
    session.pop(UNDO_KEY, None)
    done = [r for r in results if r["status"] == 200]
    if done:
        flash(gettext("%(n)s kandidat dibuka kembali.", n=len(done)), "info")
    for result in results:
        if result["status"] != 200:
            flash(f"#{result['id']}: {_reopen_detail(result)}", "error")
    return redirect(back)


def innovation_link(innovation: Innovation | None) -> str | None:
    """Where a curator reads an innovation: its public page, the review page, or (a draft of
    theirs) their own page."""
    if innovation is None:
        return None
    if innovation.status == "published":
        return url_for("public.innovation", slug=innovation.slug)
    if innovation.status != "draft":
        return url_for("curate.view", innovation_id=innovation.id)
    if innovation.owner_id == _user().id:
        return url_for("submit.view", innovation_id=innovation.id)
    return None


bp.add_app_template_global(innovation_link, "innovation_link")
bp.add_app_template_global(curation.predicted_region, "candidate_region")
