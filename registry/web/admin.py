"""Admins manage users (role, active) and campaigns (open and close dates)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from ..extensions import db
from ..models import ROLES, Campaign, User, utcnow
from ..services import accounts, campaigns
from ..services.validation import ValidationError
from .forms import CampaignForm, ConfirmForm, RoleForm, localize

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


def _target(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post(f"/users/<{ID}:user_id>/role")
@admin_required
def change_role(user_id: int) -> Any:
    user = _target(user_id)
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
    user = _target(user_id)
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
