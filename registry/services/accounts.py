"""Accounts: users and roles, sign-up, login with lockout, signed e-mail tokens, API tokens.

Plain functions taking data and an explicit actor where one matters; they flush, the edge commits.
Passwords are hashed with scrypt (werkzeug); API tokens are stored as SHA-256 digests only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import taxonomy
from ..extensions import db
from ..models import (
    ROLES,
    ApiToken,
    LoginAttempt,
    Organization,
    User,
    new_session_token,
    utcnow,
)
from .errors import Conflict, Forbidden, Invalid, NotFound
from .validation import EMAIL, ValidationError, clean

MIN_PASSWORD = 10
MAX_PASSWORD = 200
TOKEN_PREFIX = "li_"
_DUMMY_HASH = generate_password_hash("not-a-password-at-all", method="scrypt")


class LoginError(Forbidden):
    """reason: 'invalid' (wrong email or password), 'locked', 'unconfirmed', 'inactive'."""

    def __init__(self, reason: str, until: dt.datetime | None = None):
        self.reason = reason
        self.until = until
        super().__init__(reason)


class AlreadyRegistered(Conflict):
    """Sign-up with an email that has an account: the edge tells its owner by mail and answers
    as for a new account (the page never says which emails exist)."""

    def __init__(self, user: User):
        self.user = user
        super().__init__("already registered", param="email")


class TokenError(Invalid):
    """A signed e-mail token that is broken, expired or already used."""

    def __init__(self, reason: str):
        self.reason = reason  # 'invalid' | 'expired'
        super().__init__(reason, param="token")


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
    existing = find_user(str(data.get("email") or ""))
    if existing is not None:
        hash_password(str(data.get("password") or ""))  # as long as a new account takes
        raise AlreadyRegistered(existing)
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
    end_sessions(user)


def authenticate(
    email: str, password: str, *, address: str = "", now: dt.datetime | None = None
) -> User:
    """The user for these credentials, or LoginError. LOGIN_LOCKOUT_ATTEMPTS failures in a row
    for one email from one address lock that pair (never the account for everyone) for
    LOGIN_LOCKOUT_MINUTES; unknown emails lock the same way, so no answer tells which exist."""
    now = now or utcnow()
    config = current_app.config
    key = normalize_email(email)[:254]
    address = (address or "")[:64]
    attempt = db.session.scalar(
        select(LoginAttempt).where(LoginAttempt.email == key, LoginAttempt.address == address)
    )
    if attempt is not None and attempt.locked_until and attempt.locked_until > now:
        raise LoginError("locked", attempt.locked_until)
    user = find_user(email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")  # same time as a real check
        valid = False
    else:
        valid = check_password_hash(user.password_hash, password or "")
    if not valid or user is None:
        attempt = attempt or _new_attempt(key, address, now)
        attempt.failures = (attempt.failures or 0) + 1
        attempt.updated_at = now
        if attempt.failures >= int(config["LOGIN_LOCKOUT_ATTEMPTS"]):
            attempt.locked_until = now + dt.timedelta(minutes=int(config["LOGIN_LOCKOUT_MINUTES"]))
            attempt.failures = 0
            db.session.flush()
            raise LoginError("locked", attempt.locked_until)
        db.session.flush()
        raise LoginError("invalid")
    if not user.active:
        raise LoginError("inactive")
    if user.email_confirmed_at is None:
        raise LoginError("unconfirmed")
    if attempt is not None:
        db.session.delete(attempt)
    if not user.session_token:  # a row written without the model (its default is random)
        user.session_token = new_session_token()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def _new_attempt(email: str, address: str, now: dt.datetime) -> LoginAttempt:
    """A row counting failures for (email, address); old rows of anyone go on the way."""
    keep = dt.timedelta(minutes=max(int(current_app.config["LOGIN_LOCKOUT_MINUTES"]), 24 * 60))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.updated_at < now - keep))
    attempt = LoginAttempt(email=email, address=address, failures=0, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # a concurrent failure made it first
        found = db.session.scalar(
            select(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.address == address)
        )
        if found is None:
            raise
        attempt = found
    return attempt


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
    # whoever needed the reset may have lost more than the password: no old key works
    revoke_tokens(user)
    return user


# --------------------------------------------------------------------------- sessions


def end_sessions(user: User) -> None:
    """Every session and remember cookie of user stops working (they hold the old token)."""
    user.session_token = new_session_token()
    db.session.flush()


def user_for_session(
    value: str, *, max_age: dt.timedelta, now: dt.datetime | None = None
) -> User | None:
    """The active user a session or remember cookie names ("id:token:issued", User.get_id),
    or None: a bare id (older cookies), another account's token, an ended or too old login."""
    parts = (value or "").split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit() or not parts[1]:
        return None
    issued = int(parts[2])
    now_ts = (now or utcnow()).replace(tzinfo=dt.UTC).timestamp()
    if not (now_ts - max_age.total_seconds() <= issued <= now_ts + 300):
        return None
    user = db.session.get(User, int(parts[0]))
    if user is None or not user.active or not user.session_token:
        return None
    if not hmac.compare_digest(user.session_token.encode(), parts[1].encode()):
        return None
    user.login_issued = issued
    return user


# --------------------------------------------------------------------------- API tokens


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def mint_api_token(user: User, *, days: int | None = None) -> str:
    """A new API token for user; only its digest is stored, so this is the one time it is seen."""
    days = int(current_app.config["API_TOKEN_DAYS"]) if days is None else days
    if days == 0:
        # 0 once meant "never expires": every token expires now (a negative lifetime makes an
        # expired one, which tests use)
        raise ValidationError({"days": "a token lives at least 1 day (and always expires)"})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user=user,
            token_hash=_digest(raw),
            prefix=raw[:10],
            expires_at=utcnow() + dt.timedelta(days=days),
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


def list_tokens(user: User) -> list[ApiToken]:
    """user's API tokens, newest first (revoked and expired ones too, marked as such)."""
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    return list(db.session.scalars(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_state(token: ApiToken, now: dt.datetime | None = None) -> str:
    """'active', 'revoked' or 'expired'."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def revoke_token(user: User, which: str | int) -> ApiToken:
    """Revoke one of user's tokens, named by its id, the token itself or its start (the prefix
    shown in lists); NotFound (a LookupError) when none or several match."""
    text = str(which).strip()
    digest = _digest(text)

    def named(token: ApiToken) -> bool:
        if text.isdigit():
            return token.id == int(text)
        return token.token_hash == digest or (len(text) >= 6 and token.prefix.startswith(text))

    matches = [t for t in list_tokens(user) if named(t)]
    if len(matches) != 1:
        found = "names several tokens" if matches else f"names no token of {user.email}"
        raise NotFound(f"{text!r} {found}", param="token")
    if matches[0].revoked_at is None:
        matches[0].revoked_at = utcnow()
        db.session.flush()
    return matches[0]


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
        raise Forbidden("only admins manage accounts")


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
    end_sessions(user)
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
    if not active:
        end_sessions(user)
    return True


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))


def invite_user(email: str, *, role: str, actor: User, org_name: str = "", name: str = "") -> User:
    """An admin adds an account without a password (confirmed: the admin vouches for the
    address); the invitee sets a password through the reset link the edge mails."""
    _require_admin(actor)
    org_name = " ".join(org_name.split())
    organization = find_or_create_organization(org_name, None) if org_name else None
    return create_user(email, None, role=role, name=name, organization=organization, confirmed=True)
