from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from registry.extensions import db
from registry.models import ApiToken, User
from registry.services import accounts
from registry.services.validation import ValidationError
from tests.accounts_helpers import PASSWORD, make_user


def test_passwords_are_hashed_with_scrypt(ctx):
    user = make_user()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert accounts.authenticate(user.email.upper(), PASSWORD).id == user.id


def test_weak_password_and_duplicate_email_refused(ctx):
    with pytest.raises(ValidationError) as info:
        accounts.create_user("a@example.org", "short")
    assert "password" in info.value.errors
    make_user("b@example.org")
    with pytest.raises(ValidationError) as info:
        accounts.create_user("B@example.org", PASSWORD)
    assert "already exists" in info.value.errors["email"]


def test_lockout_after_repeated_failures(ctx, app):
    user = make_user()
    attempts = app.config["LOGIN_LOCKOUT_ATTEMPTS"]
    with time_machine.travel(dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(attempts - 1):
            with pytest.raises(accounts.LoginError) as info:
                accounts.authenticate(user.email, "wrong-password-123")
            assert info.value.reason == "invalid"
        with pytest.raises(accounts.LoginError) as info:
            accounts.authenticate(user.email, "wrong-password-123")
        assert info.value.reason == "locked"
        # even the right password is refused while locked
        with pytest.raises(accounts.LoginError) as info:
            accounts.authenticate(user.email, PASSWORD)
        assert info.value.reason == "locked"
    later = dt.datetime(2026, 1, 5, 8, 0) + dt.timedelta(
        minutes=app.config["LOGIN_LOCKOUT_MINUTES"] + 1
    )
    with time_machine.travel(later.replace(tzinfo=dt.UTC), tick=False):
        assert accounts.authenticate(user.email, PASSWORD).id == user.id


def test_unconfirmed_cannot_log_in_until_confirmed(ctx):
    user = make_user(confirmed=False)
    with pytest.raises(accounts.LoginError) as info:
        accounts.authenticate(user.email, PASSWORD)
    assert info.value.reason == "unconfirmed"
    token = accounts.signed_token(user, "confirm")
    accounts.confirm_email(token)
    db.session.commit()
    assert accounts.authenticate(user.email, PASSWORD).id == user.id
    with pytest.raises(accounts.TokenError):  # used once: the fingerprint changed
        accounts.confirm_email(token)


def test_reset_token_expires_and_is_single_use(ctx, app):
    user = make_user()
    start = dt.datetime(2026, 2, 1, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        token = accounts.signed_token(user, "reset")
    hours = app.config["RESET_TOKEN_HOURS"]
    with time_machine.travel(start + dt.timedelta(hours=hours, minutes=1), tick=False):
        with pytest.raises(accounts.TokenError) as info:
            accounts.reset_password(token, "Ganti-Kata-Sandi-99")
        assert info.value.reason == "expired"
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        accounts.reset_password(token, "Ganti-Kata-Sandi-99")
        db.session.commit()
        with pytest.raises(accounts.TokenError):
            accounts.reset_password(token, "Lagi-Ganti-Kata-Sandi-1")
    assert accounts.authenticate(user.email, "Ganti-Kata-Sandi-99").id == user.id


def test_api_tokens_are_stored_hashed_and_expire(ctx):
    user = make_user()
    raw = accounts.mint_api_token(user, days=1)
    db.session.commit()
    stored = db.session.query(ApiToken).one()
    assert raw not in stored.token_hash and len(stored.token_hash) == 64
    assert accounts.user_for_token(raw) == user
    assert accounts.user_for_token(raw + "x") is None
    assert stored.expires_at is not None
    assert accounts.user_for_token(raw, now=stored.expires_at + dt.timedelta(seconds=1)) is None
    accounts.revoke_tokens(user)
    assert accounts.user_for_token(raw) is None


def test_signup_creates_institution_with_organization(ctx):
    user = accounts.signup(
        {
            "email": "Desa@Example.org",
            "password": PASSWORD,
            "organization": "Pemerintah Desa Sukamaju",
            "innovator_type": "masyarakat-sipil",
            "province": "Jawa Barat",
            "regency": "32.73",
        }
    )
    db.session.commit()
    assert isinstance(user, User) and user.role == "institution"
    assert user.email == "desa@example.org" and user.email_confirmed_at is None
    assert user.organization is not None
    assert user.organization.province_code == "32"
    with pytest.raises(ValidationError) as info:
        accounts.signup({"email": "x", "password": "1", "organization": "", "province": "99"})
    assert {"email", "password", "organization", "innovator_type", "province"} <= set(
        info.value.errors
    )
