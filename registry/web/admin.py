"""Admins manage users (invite, role, active) and campaigns (create, open and close dates);
the harvest sources and takedowns are in registry.web.admin_sources, on this blueprint. What
destroys something asks for a confirmation first, on a page of its own (admin/confirm.html):
no one-click destruction, and no JavaScript needed."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..models import ROLES, Campaign, User, utcnow
from ..services import accounts, campaigns, mail
from ..services.errors import DomainError
from ..services.validation import ValidationError
from .forms import CampaignForm, ConfirmForm, RoleForm, apply_errors, localize
from .wtforms_i18n import TranslatedForm as FlaskForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
ID = "int(max=2147483647)"


def current_admin() -> User:
    return current_user._get_current_object()


def admin_required(view: Any) -> Any:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_admin().role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def role_choices() -> list[tuple[str, str]]:
    labels = {"admin": gettext("Admin"), "curator": gettext("Kurator")}
    labels["institution"] = gettext("Institusi")
    return [(role, labels[role]) for role in ROLES]


def put_errors(form: FlaskForm, errors: dict[str, str]) -> list[str]:
    """Service errors, in the reader's language, on the form's fields (the error summary
    links to them); returns those that belong to no field of the form."""
    return apply_errors(form, {name: localize(text) for name, text in errors.items()})


def _domain_errors(exc: DomainError) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return dict(exc.errors)
    return {exc.param or "": exc.message or str(exc)}


def _flash_errors(exc: ValidationError) -> None:
    for message in exc.errors.values():
        flash(localize(message), "error")


@bp.get("/")
@admin_required
def index() -> Any:
    return redirect(url_for("admin.users"))


# --------------------------------------------------------------------------- users


class InviteForm(FlaskForm):
    """An invitation: the account is made without a password; the mail lets the invitee set one."""

    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Peran"), validators=[DataRequired()])
    organization = StringField(
        _l("Organisasi (opsional)"), validators=[Optional(), Length(max=200)]
    )
    name = StringField(_l("Nama (opsional)"), validators=[Optional(), Length(max=200)])


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = role_choices()
    return form


def _users_page(invite: InviteForm, errors: list[str] | None = None, status: int = 200) -> Any:
    return render_template(
        "admin/users.html",
        users=accounts.list_users(),
        roles=role_choices(),
        form=ConfirmForm(),
        invite=invite,
        errors=errors or [],
        nav="admin",
    ), status


@bp.get("/users")
@admin_required
def users() -> Any:
    return _users_page(_invite_form())


def send_invitation(user: User) -> None:
    """The invitation: who invited, and the link where the invitee sets a password."""
    link = url_for("auth.reset", token=accounts.signed_token(user, "reset"), _external=True)
    mail.send_if_deliverable(
        user.email,
        gettext("Undangan ke Lumbung Inovasi"),
        gettext(
            "%(admin)s mengundang Anda ke Lumbung Inovasi.\n\nBuka tautan ini untuk membuat "
            "kata sandi Anda (berlaku %(hours)s jam):\n\n%(link)s\n\nSetelah itu, masuk di:\n"
            "%(login)s",
            admin=current_admin().email,
            hours=current_app.config["RESET_TOKEN_HOURS"],
            link=link,
            login=url_for("auth.login", _external=True),
        ),
    )


@bp.post("/users/invite")
@admin_required
def invite_user() -> Any:
    form = _invite_form()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _users_page(form, status=400)
    try:
        user = accounts.invite_user(
            form.email.data or "",
            role=form.role.data or "",
            org_name=form.organization.data or "",
            name=form.name.data or "",
            actor=current_admin(),
        )
    except ValidationError as exc:
        db.session.rollback()
        return _users_page(form, put_errors(form, exc.errors), status=400)
    db.session.commit()
    send_invitation(user)
    flash(gettext("Undangan dikirim ke %(email)s.", email=user.email), "info")
    return redirect(url_for("admin.users") + f"#user-{user.id}")


@bp.post(f"/users/<{ID}:user_id>/role")
@admin_required
def change_role(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    form.role.choices = role_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = accounts.change_role(user, form.role.data or "", actor=current_admin())
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
        changed = accounts.set_active(user, action == "activate", actor=current_admin())
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


# --------------------------------------------------------------------------- campaigns


class NewCampaignForm(FlaskForm):
    name = StringField(
        _l("Nama"), validators=[DataRequired(), Length(max=campaigns.MAX_NAME)], id="campaign-name"
    )
    opens_on = DateField(_l("Dibuka"), validators=[Optional()], id="campaign-opens")
    closes_on = DateField(_l("Ditutup"), validators=[Optional()], id="campaign-closes")
    description = TextAreaField(
        _l("Keterangan (opsional)"),
        validators=[Optional(), Length(max=2000)],
        id="campaign-description",
    )


def _campaigns_page(
    new: NewCampaignForm, errors: list[str] | None = None, status: int = 200
) -> Any:
    return render_template(
        "admin/campaigns.html",
        campaigns=campaigns.list_campaigns(),
        today=utcnow().date(),
        form=ConfirmForm(),
        new=new,
        errors=errors or [],
        nav="admin",
    ), status


@bp.get("/campaigns")
@admin_required
def campaign_list() -> Any:
    return _campaigns_page(NewCampaignForm(formdata=None))


@bp.post("/campaigns")
@admin_required
def add_campaign() -> Any:
    form = NewCampaignForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _campaigns_page(form, status=400)
    try:
        campaign = campaigns.create_campaign(
            form.name.data or "",
            opens_on=form.opens_on.data,
            closes_on=form.closes_on.data,
            description=form.description.data or "",
            actor=current_admin(),
        )
    except (ValidationError, campaigns.CampaignExists) as exc:
        db.session.rollback()
        return _campaigns_page(form, put_errors(form, _domain_errors(exc)), status=400)
    db.session.commit()
    flash(gettext("Kampanye %(name)s ditambahkan.", name=campaign.name), "info")
    return redirect(url_for("admin.campaign_list") + f"#campaign-{campaign.id}")


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
            campaign, form.opens_on.data, form.closes_on.data, actor=current_admin()
        )
    except ValidationError as exc:
        db.session.rollback()
        _flash_errors(exc)
    else:
        db.session.commit()
        if changed:
            flash(gettext("Tanggal kampanye %(name)s diubah.", name=campaign.name), "info")
    return redirect(url_for("admin.campaign_list"))


# the harvest sources' and takedowns' views join this blueprint from their own module
from . import admin_sources  # noqa: E402, F401
