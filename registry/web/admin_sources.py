"""The admin's harvest pages: sources (add, edit, switch on or off, delete) and takedowns of
harvested posts. Deleting a source and a takedown ask for a confirmation on a page of their
own first. The views join the admin blueprint (registry.web.admin)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..models import HarvestSource
from ..services import harvesting
from .admin import ID, admin_required, bp, current_admin, put_errors
from .forms import ConfirmForm
from .inbox import PLATFORM_LABELS
from .wtforms_i18n import TranslatedForm as FlaskForm


def platform_choices(platforms: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(p, str(PLATFORM_LABELS.get(p, p))) for p in platforms]


def run_status_label(status: str) -> str:
    """A harvest run's status in the reader's language."""
    labels = {
        "running": gettext("sedang berjalan"),
        "done": gettext("selesai"),
        "stopped": gettext("dihentikan"),
        "failed": gettext("gagal"),
    }
    return labels.get(status, status)


class SourceForm(FlaskForm):
    """A harvest source; name and platform only when adding (they identify it). The ids are
    those of the "Tambah sumber" form (each source's own edit form is written out)."""

    name = StringField(
        _l("Nama"),
        validators=[Optional(), Length(max=80)],
        id="new-name",
        description=_l("Huruf, angka, titik, garis bawah atau tanda hubung."),
    )
    platform = SelectField(_l("Platform"), validate_choice=False, id="new-platform")
    query = TextAreaField(
        _l("Kueri"), validators=[DataRequired(), Length(max=2000)], id="new-query"
    )
    base_url = StringField(
        _l("URL dasar (opsional)"),
        validators=[Optional(), Length(max=500)],
        id="new-base",
        description=_l("Server Mastodon atau Bluesky, atau alamat umpan RSS."),
    )
    token_env = StringField(
        _l("Variabel lingkungan token (opsional)"),
        validators=[Optional(), Length(max=80)],
        id="new-token",
    )
    every = StringField(
        _l("Interval"),
        validators=[DataRequired(), Length(max=20)],
        default="15m",
        id="new-every",
        description=_l("Misalnya 30s, 15m, 2h atau 1d."),
    )
    enabled = BooleanField(_l("Aktif"))
    full_archive = BooleanField(
        _l("Cari seluruh arsip (hanya X/Twitter)"),
        id="new-archive",
        description=_l(
            "Pencarian arsip penuh X/Twitter (/2/tweets/search/all), bila akun API "
            "mengizinkannya; tanpa ini hanya 7 hari terakhir."
        ),
    )


class TakedownForm(FlaskForm):
    platform = SelectField(_l("Platform"), validate_choice=False, id="takedown-platform")
    external_id = StringField(
        _l("ID unggahan di platform"),
        validators=[DataRequired(), Length(max=200)],
        id="takedown-id",
    )


TAKEDOWN_PLATFORMS = ("twitter", "mastodon", "bluesky", "rss", "file")


def _actor_name() -> str:
    return current_admin().email


def _source_form(*, posted: bool) -> SourceForm:
    """The "Tambah sumber" form: bound to what was posted, or empty (its defaults)."""
    form = SourceForm() if posted else SourceForm(formdata=None)
    form.platform.choices = platform_choices(harvesting.SOURCE_PLATFORMS)
    return form


def _takedown_form(*, posted: bool) -> TakedownForm:
    form = TakedownForm() if posted else TakedownForm(formdata=None)
    form.platform.choices = platform_choices(TAKEDOWN_PLATFORMS)
    return form


def _sources_page(
    new: SourceForm | None = None,
    takedown_form: TakedownForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
    edited: tuple[int, SourceForm] | None = None,
) -> Any:
    """The sources page; ``edited`` is a source's refused edit form, shown as it was posted."""
    rows = harvesting.list_sources()
    return render_template(
        "admin/sources.html",
        sources=rows,
        last_runs={s.id: next(iter(harvesting.last_runs(s)), None) for s in rows},
        every=harvesting.format_duration,
        platform_label=lambda p: PLATFORM_LABELS.get(p, p),
        run_status=run_status_label,
        new=new or _source_form(posted=False),
        takedown_form=takedown_form or _takedown_form(posted=False),
        errors=errors or [],
        edited=edited,
        form=ConfirmForm(),
        nav="admin",
    ), status


@bp.get("/sources")
@admin_required
def sources() -> Any:
    return _sources_page()


@bp.post("/sources")
@admin_required
def add_source() -> Any:
    """A refused source comes back with every field as the admin wrote it (the platform
    too) and an error summary linking to the bad fields."""
    form = _source_form(posted=True)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _sources_page(new=form, status=400)
    try:
        source = harvesting.add_source(
            name=form.name.data or "",
            platform=form.platform.data or "",
            query=form.query.data or "",
            base_url=form.base_url.data or "",
            token_env=form.token_env.data or "",
            every=form.every.data or "",
            full_archive=bool(form.full_archive.data),
            actor=_actor_name(),
        )
    except harvesting.SourceInvalid as exc:
        db.session.rollback()
        loose = put_errors(form, {exc.param: str(exc)})
        return _sources_page(new=form, errors=loose, status=400)
    db.session.commit()
    flash(gettext("Sumber %(name)s ditambahkan.", name=source.name), "info")
    return redirect(url_for("admin.sources"))


@bp.post(f"/sources/<{ID}:source_id>")
@admin_required
def edit_source(source_id: int) -> Any:
    source = db.get_or_404(HarvestSource, source_id)
    form = SourceForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _sources_page(edited=(source_id, form), status=400)
    try:
        harvesting.update_source(
            source,
            actor=_actor_name(),
            query=form.query.data or "",
            base_url=form.base_url.data or "",
            token_env=form.token_env.data or "",
            every=form.every.data or "",
            enabled=bool(form.enabled.data),
            full_archive=bool(form.full_archive.data),
        )
    except harvesting.SourceInvalid as exc:
        db.session.rollback()
        put_errors(form, {exc.param: str(exc)})  # each of its params is a field of the form
        return _sources_page(edited=(source_id, form), status=400)
    db.session.commit()
    flash(gettext("Sumber %(name)s disimpan.", name=source.name), "info")
    return redirect(url_for("admin.sources"))


@bp.post(f"/sources/<{ID}:source_id>/<any(deactivate, activate):action>")
@admin_required
def toggle_source(source_id: int, action: str) -> Any:
    source = db.get_or_404(HarvestSource, source_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    harvesting.update_source(source, actor=_actor_name(), enabled=action == "activate")
    db.session.commit()
    flash(
        gettext("Sumber %(name)s diaktifkan.", name=source.name)
        if source.enabled
        else gettext("Sumber %(name)s dinonaktifkan.", name=source.name),
        "info",
    )
    return redirect(url_for("admin.sources") + f"#source-{source_id}")


def _confirmed() -> bool:
    """Whether the confirmation page's button sent this POST (its hidden ``confirm=yes``)."""
    return request.form.get("confirm") == "yes"


@bp.route(f"/sources/<{ID}:source_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_source(source_id: int) -> Any:
    """GET, or a POST not yet confirmed: the confirmation page; a confirmed POST deletes."""
    source = db.get_or_404(HarvestSource, source_id)
    if request.method == "POST" and not ConfirmForm().validate_on_submit():
        abort(400)
    if request.method == "GET" or not _confirmed():
        return render_template(
            "admin/confirm.html",
            title=gettext("Hapus sumber %(name)s?", name=source.name),
            consequences=[
                gettext("Sumber ini tidak dipanen lagi dan hilang dari daftar."),
                gettext("Unggahan, kandidat dan riwayat panennya tetap tersimpan."),
            ],
            action=url_for("admin.delete_source", source_id=source_id),
            fields={},
            button=gettext("Ya, hapus sumber"),
            back=url_for("admin.sources") + f"#source-{source_id}",
            form=ConfirmForm(),
            nav="admin",
        )
    name = source.name
    try:
        harvesting.delete_source(source, actor=_actor_name())
    except harvesting.SourceBusy:
        db.session.rollback()
        flash(
            gettext("Sumber %(name)s sedang dipanen; coba lagi nanti.", name=name),
            "error",
        )
        return redirect(url_for("admin.sources") + f"#source-{source_id}")
    db.session.commit()
    flash(
        gettext(
            "Sumber %(name)s dihapus; unggahan dan riwayat panennya tetap tersimpan.", name=name
        ),
        "info",
    )
    return redirect(url_for("admin.sources"))


@bp.post("/takedown")
@admin_required
def takedown() -> Any:
    """A takedown is asked for on the sources page, confirmed on its own page, then done."""
    form = _takedown_form(posted=True)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _sources_page(takedown_form=form, status=400)
    platform = form.platform.data or ""
    if platform not in TAKEDOWN_PLATFORMS:
        form.platform.errors = [gettext("Pilih platform.")]
        return _sources_page(takedown_form=form, status=400)
    external_id = (form.external_id.data or "").strip()
    label = str(PLATFORM_LABELS.get(platform, platform))
    if not _confirmed():
        return render_template(
            "admin/confirm.html",
            title=gettext("Hapus unggahan %(platform)s %(id)s?", platform=label, id=external_id),
            consequences=[
                gettext(
                    "Unggahan ini, muatan aslinya dan salinan ulangnya dihapus, dan tidak "
                    "akan dipanen lagi."
                ),
                gettext("Kandidat yang menjadi kosong dan belum diputuskan ikut dihapus."),
                gettext("Tindakan ini tidak dapat dibatalkan."),
            ],
            action=url_for("admin.takedown"),
            fields={"platform": platform, "external_id": external_id},
            button=gettext("Ya, hapus unggahan"),
            back=url_for("admin.sources") + "#takedown",
            form=ConfirmForm(),
            nav="admin",
        )
    result = harvesting.takedown_post(platform, external_id, actor=_actor_name())
    if result is None:
        db.session.rollback()
        flash(
            gettext(
                "Tidak ada unggahan %(platform)s %(id)s yang tersimpan.",
                platform=label,
                id=external_id,
            ),
            "error",
        )
    else:
        db.session.commit()
        flash(
            gettext(
                "Unggahan %(platform)s %(id)s dan muatannya dihapus "
                "(%(n)s unggahan, termasuk salinan ulang).",
                platform=label,
                id=external_id,
                n=result.posts_deleted,
            ),
            "info",
        )
    return redirect(url_for("admin.sources") + "#takedown")
