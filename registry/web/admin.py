"""Admins manage users (role, active), campaigns (open and close dates), harvest sources and
takedowns of harvested posts."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..models import ROLES, Campaign, HarvestSource, User, utcnow
from ..services import accounts, campaigns, harvesting
from ..services.validation import ValidationError
from .forms import CampaignForm, ConfirmForm, RoleForm, localize
from .wtforms_i18n import TranslatedForm as FlaskForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
ID = "int(max=2147483647)"


def _user() -> User:
    return current_user._get_current_object()


def admin_required(view: Any) -> Any:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if _user().role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def role_choices() -> list[tuple[str, str]]:
    labels = {"admin": gettext("Admin"), "curator": gettext("Kurator")}
    labels["institution"] = gettext("Institusi")
    return [(role, labels[role]) for role in ROLES]


def _flash_errors(exc: ValidationError) -> None:
    for message in exc.errors.values():
        flash(localize(message), "error")


@bp.get("/")
@admin_required
def index() -> Any:
    return redirect(url_for("admin.users"))


@bp.get("/users")
@admin_required
def users() -> Any:
    return render_template(
        "admin/users.html",
        users=accounts.list_users(),
        roles=role_choices(),
        form=ConfirmForm(),
        nav="admin",
    )


@bp.post(f"/users/<{ID}:user_id>/role")
@admin_required
def change_role(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    form.role.choices = role_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = accounts.change_role(user, form.role.data or "", actor=_user())
    except ValidationError as exc:
        db.session.rollback()
        _flash_errors(exc)
    else:
        db.session.commit()
        if changed:
            flash(gettext("Peran %(email)s diubah.", email=user.email), "info")
    return redirect(url_for("admin.users"))


@bp.post(f"/users/<{ID}:user_id>/<any(deactivate, activate):action>")
@admin_required
def set_active(user_id: int, action: str) -> Any:
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        changed = accounts.set_active(user, action == "activate", actor=_user())
    except ValidationError as exc:
        db.session.rollback()
        _flash_errors(exc)
    else:
        db.session.commit()
        if changed:
            flash(
                gettext("Akun %(email)s diaktifkan.", email=user.email)
                if user.active
                else gettext("Akun %(email)s dinonaktifkan.", email=user.email),
                "info",
            )
    return redirect(url_for("admin.users"))


@bp.get("/campaigns")
@admin_required
def campaign_list() -> Any:
    return render_template(
        "admin/campaigns.html",
        campaigns=campaigns.list_campaigns(),
        today=utcnow().date(),
        form=ConfirmForm(),
        nav="admin",
    )


@bp.post(f"/campaigns/<{ID}:campaign_id>")
@admin_required
def campaign_dates(campaign_id: int) -> Any:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    form = CampaignForm()
    if not form.validate_on_submit():
        flash(gettext("Tulis tanggal sebagai TTTT-BB-HH, misalnya 2020-04-15."), "error")
        return redirect(url_for("admin.campaign_list"))
    try:
        changed = campaigns.set_dates(
            campaign, form.opens_on.data, form.closes_on.data, actor=_user()
        )
    except ValidationError as exc:
        db.session.rollback()
        _flash_errors(exc)
    else:
        db.session.commit()
        if changed:
            flash(gettext("Tanggal kampanye %(name)s diubah.", name=campaign.name), "info")
    return redirect(url_for("admin.campaign_list"))


# --------------------------------------------------------------------------- harvesting


class SourceForm(FlaskForm):
    """A harvest source; name and platform only when adding (they identify it)."""

    name = StringField(_l("Nama"), validators=[Optional(), Length(max=80)])
    platform = SelectField(_l("Platform"), validate_choice=False)
    query = TextAreaField(_l("Kueri"), validators=[DataRequired(), Length(max=2000)])
    base_url = StringField(_l("URL dasar (opsional)"), validators=[Optional(), Length(max=500)])
    token_env = StringField(
        _l("Variabel lingkungan token (opsional)"), validators=[Optional(), Length(max=80)]
    )
    every = StringField(_l("Interval"), validators=[DataRequired(), Length(max=20)])
    enabled = BooleanField(_l("Aktif"))
    full_archive = BooleanField(_l("Cari seluruh arsip (hanya X/Twitter)"))


class TakedownForm(FlaskForm):
    platform = SelectField(_l("Platform"), validate_choice=False)
    external_id = StringField(
        _l("ID unggahan di platform"), validators=[DataRequired(), Length(max=200)]
    )


TAKEDOWN_PLATFORMS = ("twitter", "mastodon", "bluesky", "rss", "file")


def _actor_name() -> str:
    return _user().email


def _refused(form: FlaskForm) -> bool:
    """A posted form that does not validate: 400 for a bad CSRF token, else its errors
    flashed for the page the caller redirects to."""
    if form.validate_on_submit():
        return False
    if form.csrf_token.errors:
        abort(400)
    _flash_form_errors(form)
    return True


def _flash_form_errors(form: FlaskForm) -> None:
    for name, errors in form.errors.items():
        for message in errors:
            flash(f"{name}: {message}", "error")


@bp.get("/sources")
@admin_required
def sources() -> Any:
    rows = harvesting.list_sources()
    return render_template(
        "admin/sources.html",
        sources=rows,
        last_runs={s.id: next(iter(harvesting.last_runs(s)), None) for s in rows},
        every=harvesting.format_duration,
        platforms=harvesting.SOURCE_PLATFORMS,
        takedown_platforms=TAKEDOWN_PLATFORMS,
        form=ConfirmForm(),
        nav="admin",
    )


@bp.post("/sources")
@admin_required
def add_source() -> Any:
    form = SourceForm()
    if _refused(form):
        return redirect(url_for("admin.sources"))
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
        flash(f"{exc.param}: {exc}", "error")
        return redirect(url_for("admin.sources"))
    db.session.commit()
    flash(gettext("Sumber %(name)s ditambahkan.", name=source.name), "info")
    return redirect(url_for("admin.sources"))


@bp.post(f"/sources/<{ID}:source_id>")
@admin_required
def edit_source(source_id: int) -> Any:
    source = db.get_or_404(HarvestSource, source_id)
    form = SourceForm()
    if _refused(form):
        return redirect(url_for("admin.sources"))
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
        flash(f"{exc.param}: {exc}", "error")
        return redirect(url_for("admin.sources"))
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


@bp.post(f"/sources/<{ID}:source_id>/delete")
@admin_required
def delete_source(source_id: int) -> Any:
    source = db.get_or_404(HarvestSource, source_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
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
    form = TakedownForm()
    if _refused(form):
        return redirect(url_for("admin.sources") + "#takedown")
    platform = form.platform.data or ""
    if platform not in TAKEDOWN_PLATFORMS:
        flash(gettext("Pilih platform."), "error")
        return redirect(url_for("admin.sources") + "#takedown")
    external_id = (form.external_id.data or "").strip()
    result = harvesting.takedown_post(platform, external_id, actor=_actor_name())
    if result is None:
        db.session.rollback()
        flash(
            gettext(
                "Tidak ada unggahan %(platform)s %(id)s yang tersimpan.",
                platform=platform,
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
                platform=platform,
                id=external_id,
                n=result.posts_deleted,
            ),
            "info",
        )
    return redirect(url_for("admin.sources") + "#takedown")
