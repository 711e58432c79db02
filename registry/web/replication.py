"""Replication on the web and in the API: claim ("kami mereplikasi ini"), confirm or reject.

Two blueprints: `replication` for the pages' forms (CSRF, the session's user) and
`replication_api` for the token API (CSRF-exempt: it never reads the session cookie).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from .. import taxonomy
from ..extensions import csrf, db
from ..models import Innovation, Replication, User
from ..services import notify, replication
from .api import Unauthorized, _token_user
from .problems import problem

bp = Blueprint("replication", __name__)
api_bp = Blueprint("replication_api", __name__)
csrf.exempt(api_bp)
ID = "int(max=2147483647)"


@api_bp.errorhandler(Unauthorized)
def _unauthorized(exc: Unauthorized) -> Any:
    db.session.rollback()
    response = problem(401, "Unauthorized", exc.detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response


def _locale() -> str:
    from .public import current_locale

    return current_locale()


@api_bp.post(f"/api/v1/innovations/<{ID}:innovation_id>/replications")
def api_claim(innovation_id: int) -> Any:
    user = _token_user()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        db.session.rollback()
        return problem(
            400,
            "Invalid body",
            'send {"stage", "started_on", "links", "facilitator"} as a JSON object',
        )
    original = replication.published_original(innovation_id)
    row = replication.claim(original, body, actor=user)
    db.session.commit()
    notify.replication_claimed(row)
    response = jsonify(replication.to_record(row, _locale()))
    response.status_code = 201
    return response


@api_bp.post(f"/api/v1/replications/<{ID}:replication_id>/confirm")
def api_confirm(replication_id: int) -> Any:
    user = _token_user()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        db.session.rollback()
        return problem(400, "Invalid body", 'send {"decision": "confirm|reject", "note"}')
    row = replication.get(replication_id)
    if not replication.can_decide(user, row) and not user.is_curator:
        # the claim is not theirs to see either
        raise replication.NotFound(f"no replication {replication_id}", "replication")
    replication.decide(
        row, str(body.get("decision") or ""), actor=user, note=body.get("note") or ""
    )
    db.session.commit()
    return jsonify(replication.to_record(row, _locale()))


# --------------------------------------------------------------------------- pages


def _user() -> User:
    return current_user._get_current_object()


def _links(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _flash_error(exc: replication.ReplicationError) -> None:
    db.session.rollback()
    messages = {
        "stage": gettext("Pilih tahap replikasi."),
        "started_on": gettext("Tanggal mulai tidak valid atau di masa depan."),
        "links": gettext("Tautan bukti harus alamat web (http/https)."),
        "facilitator": gettext("Nama fasilitator terlalu panjang."),
        "innovation": gettext("Instansi tidak dapat mereplikasi inovasinya sendiri."),
    }
    if isinstance(exc, replication.Conflict):
        text = gettext("Instansi Anda sudah mencatat replikasi inovasi ini.")
    elif isinstance(exc, replication.Forbidden):
        text = gettext("Hanya akun instansi yang dapat mencatat replikasi.")
    else:
        text = messages.get(exc.param or "", gettext("Data replikasi tidak valid."))
    flash(text, "error")


@bp.post("/innovations/<slug>/replications")
@login_required
def claim(slug: str) -> Any:
    original = db.session.scalar(db.select(Innovation).where(Innovation.slug == slug))
    if original is None or original.status != "published":
        abort(404)
    data = {
        "stage": request.form.get("stage", ""),
        "started_on": request.form.get("started_on") or None,
        "facilitator": request.form.get("facilitator", ""),
        "links": _links(request.form.get("links", "")),
    }
    try:
        row = replication.claim(original, data, actor=_user())
    except replication.ReplicationError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        notify.replication_claimed(row)
        flash(
            gettext("Replikasi dicatat; menunggu konfirmasi pemilik inovasi atau kurator."),
            "info",
        )
    return redirect(url_for("public.innovation", slug=original.slug) + "#replikasi")


@bp.post(f"/replications/<{ID}:replication_id>/decision")
@login_required
def decide(replication_id: int) -> Any:
    row = db.session.get(Replication, replication_id)
    if row is None or not replication.can_decide(_user(), row):
        abort(404)
    try:
        replication.decide(
            row,
            request.form.get("decision", ""),
            actor=_user(),
            note=request.form.get("note", ""),
        )
    except replication.ReplicationError as exc:
        db.session.rollback()
        if isinstance(exc, replication.Conflict):
            flash(gettext("Replikasi ini sudah diputuskan."), "error")
        else:
            flash(gettext("Keputusan tidak valid."), "error")
    else:
        db.session.commit()
        flash(
            gettext("Replikasi dikonfirmasi.")
            if row.status == "confirmed"
            else gettext("Klaim replikasi ditolak."),
            "info",
        )
    return redirect(url_for("public.innovation", slug=row.original.slug) + "#replikasi")


def panel(innovation: Innovation) -> dict[str, Any]:
    """What an innovation's page shows about replication (a template global)."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    rows = replication.of_original(innovation)
    return {
        "rows": rows,
        "originals": replication.originals_of(innovation),
        "can_claim": bool(
            user is not None
            and user.role == "institution"
            and innovation.owner_id != user.id
            and replication.claimed_by(user, innovation) is None
        ),
        "claimed": user is not None and replication.claimed_by(user, innovation) is not None,
        "can_decide": user is not None and (user.is_curator or innovation.owner_id == user.id),
        "signed_in": user is not None,
    }


def api_records(innovation: Innovation) -> list[dict[str, Any]]:
    return [replication.to_record(r, _locale()) for r in replication.of_original(innovation)]


_VOCABS = {"stage": taxonomy.REPLICATION_STAGES, "status": taxonomy.REPLICATION_STATUSES}


def label(kind: str, slug: str | None) -> str:
    """A replication's stage or status in words, in the page's language."""
    return taxonomy.label(_VOCABS[kind], slug or "", _locale()) if slug else ""


def choices(kind: str) -> list[tuple[str, str]]:
    return taxonomy.choices(_VOCABS[kind], _locale())


bp.add_app_template_global(panel, "replication_panel")
bp.add_app_template_global(label, "replication_label")
bp.add_app_template_global(choices, "replication_choices")
