"""Accounts: users and roles, sign-up, login with lockout, signed e-mail tokens, API tokens.

Plain functions taking data and an explicit actor where one matters; they flush, the edge commits.
Passwords are hashed with scrypt (werkzeug); API tokens are stored as SHA-256 digests only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import taxonomy
from ..extensions import db
from ..models import ROLES, ApiToken, Organization, User, utcnow
from .validation import EMAIL, ValidationError, clean

MIN_PASSWORD = 10
MAX_PASSWORD = 200
TOKEN_PREFIX = "li_"
_DUMMY_HASH = generate_password_hash("not-a-password-at-all", method="scrypt")


class LoginError(RuntimeError):
    """reason: 'invalid' (wrong email or password), 'locked', 'unconfirmed', 'inactive'."""

    def __init__(self, reason: str, until: dt.datetime | None = None):
        self.reason = reason
        self.until = until
        super().__init__(reason)


class TokenError(ValueError):
    """A signed e-mail token that is broken, expired or already used."""

    def __init__(self, reason: str):
        self.reason = reason  # 'invalid' | 'expired'
        super().__init__(reason)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is too weak, or None."""
    if len(password) < MIN_PASSWORD:
        return f"at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"at most {MAX_PASSWORD} characters"
    if len(set(password)) < 5:
        return "too repetitive"
    local = normalize_email(email).split("@")[0]
    if local and len(local) >= 4 and local in password.lower():
        return "must not contain your e-mail address (or its part before the @)"
    return None


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def create_user(
    email: str,
    password: str | None,
    *,
    role: str = "institution",
    name: str = "",
    organization: Organization | None = None,
    confirmed: bool = False,
) -> User:
    errors: dict[str, str] = {}
    email = normalize_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        errors["email"] = "not an email address"
    elif find_user(email) is not None:
        errors["email"] = "an account with this email already exists"
    if role not in ROLES:
        errors["role"] = f"unknown role {role!r}; expected one of: {', '.join(ROLES)}"
    if password is not None:
        problem = password_problem(password, email)
        if problem:
            errors["password"] = problem
    if errors:
        raise ValidationError(errors)
    user = User(
        email=email,
        # no password: the account can only be used after a reset (or with an API token)
        password_hash=hash_password(password) if password else "",
        role=role,
        name=name.strip()[:200],
        organization=organization,
        active=True,
        failed_logins=0,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def find_or_create_organization(name: str, innovator_type: str | None) -> Organization:
    org = db.session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        org = Organization(name=name, innovator_type=innovator_type or "masyarakat-sipil")
        db.session.add(org)
        db.session.flush()
    return org


def signup(data: Mapping[str, Any]) -> User:
    """An institution signs up: email, password, organization name, innovator_type, region."""
    errors: dict[str, str] = {}
    org_name = str(data.get("organization") or "").strip()
    if not org_name:
        errors["organization"] = "organization is required"
    elif len(org_name) > 200:
        errors["organization"] = "at most 200 characters"
    innovator_type = str(data.get("innovator_type") or "").strip()
    if innovator_type not in taxonomy.INNOVATOR_TYPES:
        errors["innovator_type"] = "choose a type of innovator"
    region: dict[str, Any] = {}
    try:
        region = clean(
            {"province": data.get("province") or "", "regency": data.get("regency") or ""},
            require_complete=False,
        )
    except ValidationError as exc:
        errors.update(exc.errors)
    if not errors and not region.get("province"):
        errors["province"] = "province is required"
    try:
        _check_account(data)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    org = Organization(
        name=org_name,
        innovator_type=innovator_type,
        province_code=region.get("province"),
        regency_code=region.get("regency"),
    )
    db.session.add(org)
    return create_user(
        str(data.get("email") or ""),
        str(data.get("password") or ""),
        role="institution",
        name=str(data.get("name") or org_name),
        organization=org,
    )


def _check_account(data: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    email = normalize_email(str(data.get("email") or ""))
    if not EMAIL.match(email):
        errors["email"] = "not an email address"
    problem = password_problem(str(data.get("password") or ""), email)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationError(errors)


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, user.email)
    if problem:
        raise ValidationError({"password": problem})
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()


def authenticate(email: str, password: str, *, now: dt.datetime | None = None) -> User:
    """The user for these credentials, or LoginError. Failed attempts lock the account for
    LOGIN_LOCKOUT_MINUTES after LOGIN_LOCKOUT_ATTEMPTS in a row."""
    now = now or utcnow()
    config = current_app.config
    user = find_user(email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")  # same time as a real check
        raise LoginError("invalid")
    if user.locked_until and user.locked_until > now:
        raise LoginError("locked", user.locked_until)
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= int(config["LOGIN_LOCKOUT_ATTEMPTS"]):
            user.locked_until = now + dt.timedelta(minutes=int(config["LOGIN_LOCKOUT_MINUTES"]))
            user.failed_logins = 0
            db.session.flush()
            raise LoginError("locked", user.locked_until)
        db.session.flush()
        raise LoginError("invalid")
    if not user.active:
        raise LoginError("inactive")
    if user.email_confirmed_at is None:
        raise LoginError("unconfirmed")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


# --------------------------------------------------------------------------- signed e-mail tokens


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"registry.{purpose}")


def _fingerprint(user: User) -> str:
    # changes when the password or the confirmation changes: a used link stops working
    basis = f"{user.password_hash}|{user.email_confirmed_at}|{user.email}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def signed_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def _load_token(token: str, purpose: str, max_age_hours: int) -> User:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_hours * 3600)
    except SignatureExpired:
        raise TokenError("expired") from None
    except BadSignature:
        raise TokenError("invalid") from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != _fingerprint(user):
        raise TokenError("invalid")
    return user


def confirm_email(token: str) -> User:
    user = _load_token(token, "confirm", int(current_app.config["CONFIRM_TOKEN_HOURS"]))
    user.email_confirmed_at = utcnow()
    db.session.flush()
    return user


def reset_password(token: str, password: str) -> User:
    user = _load_token(token, "reset", int(current_app.config["RESET_TOKEN_HOURS"]))
    set_password(user, password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the reset link proved the address
    db.session.flush()
    return user


# --------------------------------------------------------------------------- API tokens


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def mint_api_token(user: User, *, days: int | None = None) -> str:
    """A new API token for user; only its digest is stored, so this is the one time it is seen."""
    days = int(current_app.config["API_TOKEN_DAYS"]) if days is None else days
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user=user,
            token_hash=_digest(raw),
            prefix=raw[:10],
            expires_at=None if days == 0 else utcnow() + dt.timedelta(days=days),
        )
    )
    db.session.flush()
    return raw


TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


def user_for_token(raw: str, *, now: dt.datetime | None = None) -> User | None:
    """The active user a token belongs to, or None (unknown, revoked or expired)."""
    if not raw or len(raw) > 200:
        return None
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    # coarse on purpose: a write on every request would make each API read a writer
    # (on SQLite, one at a time); once a minute tells the owner as much
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        token.last_used_at = now
    return token.user


def revoke_tokens(user: User) -> int:
    count = 0
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            count += 1
    db.session.flush()
    return count


# --------------------------------------------------------------------------- administration


def _require_admin(actor: User) -> None:
    if actor.role != "admin":
        raise PermissionError("only admins manage accounts")


def _active_admins() -> int:
    return int(
        db.session.scalar(
            select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))
        )
        or 0
    )


def change_role(user: User, role: str, *, actor: User) -> bool:
    """An admin gives user another role; the last active admin cannot stop being one."""
    _require_admin(actor)
    if role not in ROLES:
        raise ValidationError(
            {"role": f"unknown role {role!r}; expected one of: {', '.join(ROLES)}"}
        )
    if role == user.role:
        return False
    if user.role == "admin" and user.active and _active_admins() <= 1:
        raise ValidationError({"role": "the last active admin must stay an admin"})
    user.role = role
    db.session.flush()
    return True


def set_active(user: User, active: bool, *, actor: User) -> bool:
    """An admin deactivates (no login, API tokens refused) or reactivates an account."""
    _require_admin(actor)
    if bool(user.active) == active:
        return False
    if not active:
        if user.id == actor.id:
            raise ValidationError({"active": "you cannot deactivate your own account"})
        if user.role == "admin" and _active_admins() <= 1:
            raise ValidationError({"active": "the last active admin must stay active"})
    user.active = active
    db.session.flush()
    return True


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))
