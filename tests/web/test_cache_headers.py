"""Issue 17.17 (part): private answers are never stored by a cache; 405 answers say Allow."""

from __future__ import annotations

from registry.extensions import db
from registry.services import review
from tests.accounts_helpers import bearer, login, make_user, token_for


def no_store(response) -> bool:
    return "no-store" in (response.headers.get("Cache-Control") or "")


def test_pages_with_private_data_are_not_stored(app, innovation_data):
    with app.app_context():
        make_user("admin@example.org", "admin", org=None)
        owner = make_user("instansi@example.org")
        token = token_for(owner)
        row = review.create_submission(innovation_data(), owner=owner, origin="form")
        db.session.commit()
        row_id = row.id
    anonymous = app.test_client()
    assert not no_store(anonymous.get("/"))
    assert not no_store(anonymous.get("/api/v1/innovations"))
    assert no_store(anonymous.get("/login"))  # the account pages, even before signing in

    client = app.test_client()
    login(client, "admin@example.org")
    for path in ("/", "/account", "/my", "/curate/", f"/curate/{row_id}", "/curate/inbox/",
                 "/admin/users"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_store(response), path

    api = app.test_client().get(f"/api/v1/submissions/{row_id}", headers=bearer(token))
    assert api.status_code == 200 and no_store(api)


def test_method_not_allowed_says_which_methods_are(app):
    client = app.test_client()
    page = client.post("/")
    assert page.status_code == 405
    assert "GET" in page.headers["Allow"] and "POST" not in page.headers["Allow"]
    api = client.delete("/api/v1/innovations", headers={"Accept": "application/json"})
    assert api.status_code == 405 and api.mimetype == "application/problem+json"
    assert "GET" in api.headers["Allow"]
