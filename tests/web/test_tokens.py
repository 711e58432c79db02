"""Issue 17.15: API tokens can be revoked (CLI and the account page) and always expire."""

from __future__ import annotations

import re

import pytest

from registry.extensions import db
from registry.models import ApiToken
from registry.services import accounts
from registry.services.validation import ValidationError
from tests.accounts_helpers import bearer, csrf_token, login, make_user, token_for
from tests.test_cli import run_cli


def test_a_token_always_expires(app, ctx):
    user = make_user("instansi@example.org")
    with pytest.raises(ValidationError):
        accounts.mint_api_token(user, days=0)
    db.session.rollback()
    token_for(user, days=1)
    assert db.session.scalars(db.select(ApiToken.expires_at)).one() is not None


def test_a_user_sees_and_revokes_their_tokens_on_the_account_page(app, innovation_data):
    with app.app_context():
        owner = make_user("instansi@example.org")
        kept, revoked = token_for(owner), token_for(owner)
        other_token = token_for(make_user("lain@example.org", org="Lain"))
        rows = {t.token_hash: t for t in db.session.scalars(db.select(ApiToken))}
        revoked_id = rows[accounts._digest(revoked)].id
        other_id = rows[accounts._digest(other_token)].id
    client = app.test_client()
    login(client, "instansi@example.org")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert kept[:10] in page and revoked[:10] in page
    assert other_token[:10] not in page and kept not in page  # only the start is shown
    token = csrf_token(client, "/account/tokens")
    assert client.post(f"/account/tokens/{revoked_id}/revoke").status_code == 400  # no CSRF
    answer = client.post(f"/account/tokens/{revoked_id}/revoke", data={"csrf_token": token})
    assert answer.status_code == 302
    # another user's token is not this user's to revoke
    assert (
        client.post(f"/account/tokens/{other_id}/revoke", data={"csrf_token": token}).status_code
        == 404
    )
    api = app.test_client()
    assert api.get("/api/v1/submissions/999", headers=bearer(revoked)).status_code == 401
    assert api.get("/api/v1/submissions/999", headers=bearer(kept)).status_code == 404
    assert api.get("/api/v1/submissions/999", headers=bearer(other_token)).status_code == 404
    assert "dicabut" in client.get("/account/tokens").get_data(as_text=True)


def test_cli_revokes_one_or_all_and_refuses_days_0(tmp_path):
    assert run_cli(tmp_path, "init").returncode == 0
    assert run_cli(tmp_path, "users", "add", "k@example.org", "--role", "curator").returncode == 0
    zero = run_cli(tmp_path, "users", "token", "k@example.org", "--days", "0")
    assert zero.returncode == 1 and "--days must be at least 1" in zero.stderr
    first = run_cli(tmp_path, "users", "token", "k@example.org").stdout.splitlines()[-1]
    second = run_cli(tmp_path, "users", "token", "k@example.org", "--days", "3")
    assert second.returncode == 0 and second.stdout.splitlines()[-1].startswith("li_")
    listed = run_cli(tmp_path, "users", "token", "k@example.org", "--list").stdout
    assert listed.count("\tactive\t") == 2 and first[:10] in listed
    one = run_cli(tmp_path, "users", "token", "k@example.org", "--revoke", first[:10])
    assert one.returncode == 0 and "revoked 1 token" in one.stdout
    listed = run_cli(tmp_path, "users", "token", "k@example.org", "--list").stdout
    assert re.search(rf"{re.escape(first[:10])}…\trevoked", listed), listed
    unknown = run_cli(tmp_path, "users", "token", "k@example.org", "--revoke", "li_nothere")
    assert unknown.returncode == 1 and "names no token" in unknown.stderr
    every = run_cli(tmp_path, "users", "token", "k@example.org", "--revoke")
    assert every.returncode == 0 and "revoked 1 token" in every.stdout
    listed = run_cli(tmp_path, "users", "token", "k@example.org", "--list").stdout
    assert "\tactive\t" not in listed
