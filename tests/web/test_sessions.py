"""Issue 17.2 and 17.3: a session belongs to one account and can be ended.

Ids are never reused (SQLite AUTOINCREMENT) and sessions and remember cookies hold the account's
session token, which logout, a password change or reset, deactivation and a role change replace.
Each request runs in its own app context (a shared one would keep Flask-Login's user in g).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from registry.extensions import db
from registry.models import ApiToken, User
from registry.services import accounts, privacy
from tests.accounts_helpers import PASSWORD, bearer, csrf_token, login, make_user, token_for

NEW_PASSWORD = "Kata-Sandi-Baru-77"


def signed_in(client: Any) -> bool:
    """Whether the client's cookies open a page that needs a login (the account page)."""
    return client.get("/account").status_code == 200


def cookies(client: Any) -> dict[str, str]:
    found = {name: client.get_cookie(name) for name in ("session", "remember_token")}
    return {name: cookie.value for name, cookie in found.items() if cookie is not None}


def with_cookies(app: Any, values: dict[str, str]) -> Any:
    other = app.test_client()
    for name, value in values.items():
        other.set_cookie(name, value)
    return other


def remember_login(client: Any, email: str) -> None:
    token = csrf_token(client, "/login")
    data = {"email": email, "password": PASSWORD, "remember": "y", "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


def logout(client: Any) -> None:
    token = csrf_token(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_a_deleted_accounts_cookie_does_not_open_the_next_account(app):
    # on SQLite without AUTOINCREMENT the next account got the deleted one's id, and its
    # cookie (the bare id) logged in as that account: here a curator
    with app.app_context():
        old_id = make_user("pergi@example.org", org=None).id
    client = app.test_client()
    login(client, "pergi@example.org")
    assert signed_in(client)
    with app.app_context():
        leaving = accounts.find_user("pergi@example.org")
        assert leaving is not None
        privacy.delete_account(leaving, PASSWORD)
        db.session.commit()
        new_id = make_user("kurator-baru@example.org", "curator", org=None).id
    assert new_id != old_id
    assert client.get("/curate/").status_code == 302  # to the login page
    assert not signed_in(client)


def test_a_bare_id_in_the_session_is_not_a_login(app):
    with app.app_context():
        user_id = make_user("instansi@example.org").id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)  # what a cookie held before
        session["_fresh"] = True
    assert not signed_in(client)


def test_logout_ends_every_session_and_remember_cookie(app):
    with app.app_context():
        make_user("instansi@example.org")
    laptop, phone = app.test_client(), app.test_client()
    remember_login(phone, "instansi@example.org")
    login(laptop, "instansi@example.org")
    copied = cookies(laptop)
    remembered = {"remember_token": cookies(phone)["remember_token"]}
    assert signed_in(with_cookies(app, copied))
    assert signed_in(with_cookies(app, remembered))
    logout(laptop)
    assert not signed_in(with_cookies(app, copied))
    assert not signed_in(phone)
    assert not signed_in(with_cookies(app, remembered))
    # a new login gets a new remember cookie
    remember_login(phone, "instansi@example.org")
    assert cookies(phone)["remember_token"] != remembered["remember_token"]


def test_a_password_reset_ends_sessions_and_revokes_api_tokens(app):
    with app.app_context():
        user = make_user("instansi@example.org")
        api_token = token_for(user)
        link = accounts.signed_token(user, "reset")
    client = app.test_client()
    login(client, "instansi@example.org")
    copied = cookies(client)
    assert (
        app.test_client().get("/api/v1/submissions/1", headers=bearer(api_token)).status_code == 404
    )
    other = app.test_client()
    data = {"csrf_token": csrf_token(other, f"/reset/{link}"), "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD}  # fmt: skip
    answer = other.post(f"/reset/{link}", data=data)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert not signed_in(with_cookies(app, copied))
    assert (
        app.test_client().get("/api/v1/submissions/1", headers=bearer(api_token)).status_code == 401
    )
    with app.app_context():
        assert db.session.scalars(db.select(ApiToken)).one().revoked_at is not None


def test_deactivation_and_role_change_end_the_session_at_once(app):
    with app.app_context():
        make_user("admin@example.org", "admin", org=None)
        make_user("kurator@example.org", "curator", org=None)
        make_user("kurator2@example.org", "curator", org=None)
    first, second = app.test_client(), app.test_client()
    login(first, "kurator@example.org")
    login(second, "kurator2@example.org")
    assert first.get("/curate/").status_code == 200
    assert second.get("/curate/").status_code == 200
    with app.app_context():
        admin = accounts.find_user("admin@example.org")
        deactivated = accounts.find_user("kurator@example.org")
        demoted = accounts.find_user("kurator2@example.org")
        assert admin and deactivated and demoted
        accounts.set_active(deactivated, False, actor=admin)
        accounts.change_role(demoted, "institution", actor=admin)
        db.session.commit()
    assert first.get("/curate/").status_code == 302
    assert second.get("/curate/").status_code == 302


def test_an_inactive_account_is_refused_on_every_request(app):
    # even with a session that still carries the current token (deactivated in the database)
    with app.app_context():
        user_id = make_user("kurator@example.org", "curator", org=None).id
    client = app.test_client()
    login(client, "kurator@example.org")
    assert client.get("/curate/").status_code == 200
    with app.app_context():
        db.session.execute(db.update(User).where(User.id == user_id).values(active=False))
        db.session.commit()
    assert client.get("/curate/").status_code == 302


def test_the_remember_cookie_expires_on_the_server(app):
    with app.app_context():
        make_user("instansi@example.org")
    client = app.test_client()
    remember_login(client, "instansi@example.org")
    remembered = {"remember_token": cookies(client)["remember_token"]}
    assert signed_in(with_cookies(app, remembered))
    value = re.sub(r"\|[^|]*$", "", remembered["remember_token"])  # the cookie is value|digest
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=15)
    with app.app_context():
        assert accounts.user_for_session(value, max_age=dt.timedelta(days=14)) is not None
        assert accounts.user_for_session(value, max_age=dt.timedelta(days=14), now=later) is None
    app.config["REMEMBER_DAYS"] = -1  # every login is older than that
    assert not signed_in(with_cookies(app, remembered))
