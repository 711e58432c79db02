"""The account page: download one's own data, delete the account; the privacy text."""

from __future__ import annotations

import json

from sqlalchemy import select

from registry.extensions import db
from registry.models import Innovation
from registry.services import accounts, review
from tests.accounts_helpers import PASSWORD, bearer, csrf_token, login, make_user, token_for


def test_download_own_data_as_json(client, ctx, innovation_data):
    owner = make_user("instansi@example.org")
    other = make_user("lain@example.org", org="Lain")
    review.create_submission(innovation_data(title="Draf <b>rahasia</b>"), owner=owner, draft=True)
    review.create_submission(innovation_data(title="Milik orang lain"), owner=other, draft=True)
    db.session.commit()
    assert client.get("/account/export").status_code == 302  # login first
    login(client, "instansi@example.org")
    assert "/account/export" in client.get("/account").get_data(as_text=True)
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "instansi@example.org"
    assert [i["title"] for i in data["innovations"]] == ["Draf <b>rahasia</b>"]
    assert "lain@example.org" not in response.get_data(as_text=True)


def test_delete_account_with_password_and_csrf(app, client, ctx, innovation_data):
    owner = make_user("instansi@example.org")
    curator = make_user("kurator@example.org", "curator", org=None)
    token = token_for(owner)
    row = review.create_submission(innovation_data(), owner=owner)
    review.decide(row, "publish", actor=curator)
    review.create_submission(innovation_data(title="Draf"), owner=owner, draft=True)
    db.session.commit()
    slug, row_id = row.slug, row.id
    login(client, "instansi@example.org")
    assert client.get(f"/api/v1/submissions/{row_id}", headers=bearer(token)).status_code == 200

    # no CSRF token: refused, nothing deleted
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 400
    csrf = csrf_token(client, "/account/delete")
    wrong = client.post(
        "/account/delete", data={"csrf_token": csrf, "password": "salah-sekali-9", "confirm": "y"}
    )
    assert wrong.status_code == 401
    db.session.expire_all()
    assert accounts.find_user("instansi@example.org") is not None

    response = client.post(
        "/account/delete", data={"csrf_token": csrf, "password": PASSWORD, "confirm": "y"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()
    assert accounts.find_user("instansi@example.org") is None
    assert client.get("/my").status_code == 302  # logged out
    assert client.get(f"/api/v1/submissions/{row_id}", headers=bearer(token)).status_code == 401
    titles = db.session.scalars(select(Innovation.title)).all()
    assert titles == [innovation_data()["title"]]
    page = client.get(f"/innovations/{slug}")
    assert page.status_code == 200
    assert "puskesmas@example.org" not in page.get_data(as_text=True)


def test_privacy_section_describes_export_and_deletion(client):
    page = client.get("/about").get_data(as_text=True)
    assert 'id="privasi"' in page
    assert "Unduh data saya" in page and "Hapus akun saya" in page
    assert "nama samaran" in page
    english = client.get("/about?lang=en").get_data(as_text=True)
    assert "Download my data" in english
