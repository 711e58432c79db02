"""Admin pages: users (role, active) and campaigns (open and close dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import Campaign, User
from registry.services import accounts, campaigns
from registry.services.validation import ValidationError
from tests.accounts_helpers import bearer, csrf_token, login, make_user, token_for


@pytest.fixture
def people(app):
    with app.app_context():
        admin = make_user("admin@example.org", "admin", org=None)
        curator = make_user("kurator@example.org", "curator", org=None)
        inst = make_user("instansi@example.org")
        token = token_for(inst)
        return admin.id, curator.id, inst.id, token


def _user(app, user_id):
    with app.app_context():
        user = db.session.get_one(User, user_id)
        return user.role, user.active


def test_only_admins_see_admin_pages(app, people):
    for email in ("kurator@example.org", "instansi@example.org"):
        client = app.test_client()
        login(client, email)
        assert client.get("/admin/users").status_code == 403
        assert client.get("/admin/campaigns").status_code == 403
    assert app.test_client().get("/admin/users").status_code == 302  # to the login page


def test_admin_changes_a_role_and_deactivates_a_user(app, people):
    admin_id, curator_id, inst_id, token = people
    client = app.test_client()
    login(client, "admin@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "instansi@example.org" in page and "kurator@example.org" in page
    csrf = csrf_token(client, "/admin/users")
    assert client.post(f"/admin/users/{inst_id}/role", data={"role": "curator"}).status_code == 400
    response = client.post(
        f"/admin/users/{inst_id}/role", data={"csrf_token": csrf, "role": "curator"}
    )
    assert response.status_code == 302 and _user(app, inst_id) == ("curator", True)
    response = client.post(f"/admin/users/{inst_id}/deactivate", data={"csrf_token": csrf})
    assert response.status_code == 302 and _user(app, inst_id) == ("curator", False)
    # a deactivated account can neither log in nor use its API token
    other = app.test_client()
    assert login(other, "instansi@example.org").status_code == 401
    assert other.get("/api/v1/submissions/1", headers=bearer(token)).status_code == 401
    client.post(f"/admin/users/{inst_id}/activate", data={"csrf_token": csrf})
    assert _user(app, inst_id) == ("curator", True)
    # the admin cannot lock themselves out
    client.post(f"/admin/users/{admin_id}/deactivate", data={"csrf_token": csrf})
    client.post(f"/admin/users/{admin_id}/role", data={"csrf_token": csrf, "role": "curator"})
    assert _user(app, admin_id) == ("admin", True)
    assert "minimal satu admin" in client.get("/admin/users").get_data(as_text=True)
    bad = client.post(f"/admin/users/{inst_id}/role", data={"csrf_token": csrf, "role": "raja"})
    assert bad.status_code == 400 and _user(app, inst_id) == ("curator", True)


def test_admin_edits_campaign_dates(app, people):
    client = app.test_client()
    login(client, "admin@example.org")
    with app.app_context():
        campaign = db.session.scalars(select(Campaign).order_by(Campaign.id)).first()
        assert campaign is not None
        campaign_id, name = campaign.id, campaign.name
    page = client.get("/admin/campaigns").get_data(as_text=True)
    assert name in page and "2020-06-30" in page
    csrf = csrf_token(client, "/admin/campaigns")
    data = {"csrf_token": csrf, "opens_on": "2026-01-01", "closes_on": "2099-12-31"}
    assert client.post(f"/admin/campaigns/{campaign_id}", data=data).status_code == 302
    with app.app_context():
        campaign = db.session.get_one(Campaign, campaign_id)
        assert campaign.opens_on == dt.date(2026, 1, 1)
        assert campaign.closes_on == dt.date(2099, 12, 31)
    backwards = {"csrf_token": csrf, "opens_on": "2026-05-01", "closes_on": "2026-04-01"}
    client.post(f"/admin/campaigns/{campaign_id}", data=backwards)
    bad = {"csrf_token": csrf, "opens_on": "kemarin", "closes_on": ""}
    client.post(f"/admin/campaigns/{campaign_id}", data=bad)
    with app.app_context():
        assert db.session.get_one(Campaign, campaign_id).opens_on == dt.date(2026, 1, 1)


def test_services_refuse_non_admins(app, people):
    admin_id, curator_id, inst_id, _ = people
    with app.app_context():
        curator = db.session.get_one(User, curator_id)
        inst = db.session.get_one(User, inst_id)
        with pytest.raises(PermissionError):
            accounts.change_role(inst, "admin", actor=curator)
        with pytest.raises(PermissionError):
            accounts.set_active(inst, False, actor=curator)
        with pytest.raises(PermissionError):
            campaigns.set_dates(campaigns.list_campaigns()[0], None, None, actor=curator)
        admin = db.session.get_one(User, admin_id)
        with pytest.raises(ValidationError):
            accounts.change_role(admin, "institution", actor=admin)
