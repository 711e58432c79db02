"""Accounts on the web: sign-up with e-mail confirmation, login with rate limits and lockout,
password reset, logout."""

from __future__ import annotations

import datetime as dt
import json
import logging
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
    url_for,
)
from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter, login_manager
from ..models import User
from ..services import accounts, mail, privacy
from ..services.validation import ValidationError
from .forms import (
    ConfirmForm,
    DeleteAccountForm,
    LoginForm,
    ResetForm,
    ResetRequestForm,
    SignupForm,
    apply_errors,
    localize,
)

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
# database ids are 32-bit on PostgreSQL: larger numbers are simply not found (404)
ID = "int(max=2147483647)"
login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # every request: the account's current session token, still active, login not too old
    days = float(current_app.config["REMEMBER_DAYS"])
    return accounts.user_for_session(user_id, max_age=dt.timedelta(days=days))


def _login_rate() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _signup_rate() -> str:
    return str(current_app.config["SIGNUP_RATE_LIMIT"])


def _locale() -> str:
    from .public import current_locale

    return current_locale()


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, not //host)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user: User) -> str:
    return url_for("curate.queue") if user.is_curator else url_for("submit.mine")


def _send_to_account(to: str, subject: str, body: str) -> None:
    # an address no header can hold is skipped: the page answers as for any other account
    mail.send_if_deliverable(to, subject, body)


def send_confirmation(user: User) -> None:
    link = url_for("auth.confirm", token=accounts.signed_token(user, "confirm"), _external=True)
    _send_to_account(
        user.email,
        gettext("Konfirmasi email Anda di Lumbung Inovasi"),
        gettext(
            "Selamat datang di Lumbung Inovasi.\n\nBuka tautan ini untuk mengonfirmasi "
            "email Anda (berlaku %(hours)s jam):\n\n%(link)s\n\nAbaikan pesan ini bila Anda "
            "tidak mendaftar.",
            hours=current_app.config["CONFIRM_TOKEN_HOURS"],
            link=link,
        ),
    )


def send_already_registered(user: User) -> None:
    _send_to_account(
        user.email,
        gettext("Pendaftaran dengan email Anda di Lumbung Inovasi"),
        gettext(
            "Seseorang, mungkin Anda, mencoba mendaftar di Lumbung Inovasi dengan alamat ini. "
            "Alamat ini sudah punya akun.\n\nMasuk di:\n%(login)s\n\nLupa kata sandi? Atur "
            "ulang di:\n%(reset)s\n\nAbaikan pesan ini bila Anda tidak mendaftar.",
            login=url_for("auth.login", _external=True),
            reset=url_for("auth.reset_request", _external=True),
        ),
    )


def _check_your_mail(email: str) -> Any:
    """The answer to a sign-up, the same whether or not the email had an account."""
    return render_template(
        "auth/message.html",
        title=gettext("Periksa email Anda"),
        message=gettext(
            "Kami mengirim tautan konfirmasi ke %(email)s. Buka tautan itu, lalu masuk.",
            email=accounts.normalize_email(email),
        ),
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"])
def login() -> Any:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                form.email.data or "", form.password.data or "", address=request.remote_addr or ""
            )
        except accounts.LoginError as exc:
            db.session.commit()  # keep the failed-attempt count
            if exc.reason == "locked":
                until = format_datetime(exc.until, "short") if exc.until else ""
                flash(
                    gettext(
                        "Terlalu banyak percobaan gagal. Akun dikunci sementara sampai "
                        "%(until)s WIB.",
                        until=until,
                    ),
                    "error",
                )
            elif exc.reason == "unconfirmed":
                pending = accounts.find_user(form.email.data or "")
                if pending is not None:
                    send_confirmation(pending)
                flash(
                    gettext(
                        "Email Anda belum dikonfirmasi. Kami mengirim ulang tautan konfirmasi."
                    ),
                    "error",
                )
            else:
                flash(gettext("Email atau kata sandi salah."), "error")
            return render_template("auth/login.html", form=form), 401
        db.session.commit()
        login_user(user, remember=bool(form.remember.data))
        return redirect(safe_next(form.next.data) or home_for(user))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Any:
    form = ConfirmForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            # ends this account's every session and remember cookie, not only this one
            accounts.end_sessions(current_user._get_current_object())
            db.session.commit()
        logout_user()
        flash(gettext("Anda sudah keluar."), "info")
    return redirect(url_for("public.home"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_rate, methods=["POST"])
def signup() -> Any:
    form = SignupForm()
    form.fill_choices(_locale())
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            user = accounts.signup(
                {
                    "email": form.email.data,
                    "password": form.password.data,
                    "organization": form.organization.data,
                    "innovator_type": form.innovator_type.data,
                    "province": form.province.data,
                    "regency": form.regency.data,
                }
            )
        except ValidationError as exc:
            db.session.rollback()
            errors = apply_errors(form, exc.errors)
        except accounts.AlreadyRegistered as exc:
            db.session.rollback()
            send_already_registered(exc.user)  # the owner learns of it, the page does not say
            return _check_your_mail(exc.user.email)
        else:
            db.session.commit()
            send_confirmation(user)
            return _check_your_mail(user.email)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/signup.html", form=form, errors=errors), status


@bp.get("/confirm/<token>")
def confirm(token: str) -> Any:
    try:
        accounts.confirm_email(token)
    except accounts.TokenError as exc:
        message = (
            gettext("Tautan konfirmasi sudah kedaluwarsa. Masuk untuk menerima tautan baru.")
            if exc.reason == "expired"
            else gettext("Tautan konfirmasi tidak sah atau sudah dipakai.")
        )
        return render_template(
            "auth/message.html", title=gettext("Konfirmasi gagal"), message=message
        ), 400
    db.session.commit()
    flash(gettext("Email Anda sudah dikonfirmasi. Silakan masuk."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_signup_rate, methods=["POST"])
def reset_request() -> Any:
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data or "")
        if user is not None and user.active:
            link = url_for("auth.reset", token=accounts.signed_token(user, "reset"), _external=True)
            _send_to_account(
                user.email,
                gettext("Atur ulang kata sandi Lumbung Inovasi"),
                gettext(
                    "Buka tautan ini untuk membuat kata sandi baru (berlaku %(hours)s jam):"
                    "\n\n%(link)s\n\nAbaikan pesan ini bila Anda tidak memintanya.",
                    hours=current_app.config["RESET_TOKEN_HOURS"],
                    link=link,
                ),
            )
        # the same answer whether or not the account exists
        return render_template(
            "auth/message.html",
            title=gettext("Periksa email Anda"),
            message=gettext(
                "Bila alamat itu terdaftar, kami sudah mengirim tautan untuk mengatur ulang "
                "kata sandi."
            ),
        )
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Any:
    form = ResetForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data or "")
        except accounts.TokenError:
            db.session.rollback()
            return render_template(
                "auth/message.html",
                title=gettext("Tautan tidak berlaku"),
                message=gettext("Tautan ini tidak sah, sudah dipakai, atau kedaluwarsa."),
            ), 400
        except ValidationError as exc:
            db.session.rollback()
            errors = apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(gettext("Kata sandi sudah diganti. Silakan masuk."), "info")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, errors=errors)


@bp.get("/account")
@login_required
def account() -> Any:
    return render_template("auth/account.html", user=current_user, nav="account")


@bp.get("/account/export")
@login_required
def export_data() -> Any:
    """The signed-in user's own data as a JSON download (UU 27/2022: the right to access)."""
    data = privacy.export_user_data(current_user._get_current_object())
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="lumbung-inovasi-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_rate, methods=["POST"])
def delete_account() -> Any:
    form = DeleteAccountForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            user = current_user._get_current_object()
            try:
                privacy.delete_account(user, form.password.data or "")
            except privacy.WrongPassword:
                db.session.rollback()
                form.password.errors = [gettext("Kata sandi salah.")]
                status = 401
            except ValidationError as exc:
                db.session.rollback()
                for message in exc.errors.values():
                    flash(localize(message), "error")
                status = 409
            else:
                db.session.commit()
                logout_user()
                flash(gettext("Akun Anda sudah dihapus."), "info")
                return redirect(url_for("public.home"))
    return render_template("auth/delete.html", form=form, nav="account"), status


@bp.get("/account/tokens")
@login_required
def tokens() -> Any:
    """The signed-in user's API tokens (never the tokens themselves: only their start)."""
    user = current_user._get_current_object()
    rows = [(row, accounts.token_state(row)) for row in accounts.list_tokens(user)]
    return render_template("auth/tokens.html", rows=rows, form=ConfirmForm(), nav="account")


@bp.post(f"/account/tokens/<{ID}:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Any:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    # not one of this user's tokens: NotFound, a 404
    accounts.revoke_token(current_user._get_current_object(), token_id)
    db.session.commit()
    flash(gettext("Token dicabut: aplikasi yang memakainya tidak bisa masuk lagi."), "info")
    return redirect(url_for("auth.tokens"))
