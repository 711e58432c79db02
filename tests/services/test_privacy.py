"""Personal data (UU 27/2022): export of one's own data, and account deletion."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import ApiToken, Attachment, Innovation, Organization, ReviewEvent, User
from registry.services import accounts, attachments, privacy, review
from registry.services.validation import ValidationError
from tests.accounts_helpers import PASSWORD, make_user, token_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(ctx, innovation_data):
    owner = make_user("instansi@example.org")
    curator = make_user("kurator@example.org", "curator", org=None)
    published = review.create_submission(innovation_data(), owner=owner)
    attachments.add(published, io.BytesIO(PNG), "foto.png", actor=owner)
    review.decide(published, "publish", actor=curator)
    draft = review.create_submission(
        innovation_data(title="Dapur Umum Desa", contact_email="dapur@example.org"),
        owner=owner,
        draft=True,
    )
    draft_file = attachments.add(draft, io.BytesIO(PNG), "draf.png", actor=owner)
    submitted = review.create_submission(innovation_data(title="Posko Relawan"), owner=owner)
    db.session.commit()
    return owner, curator, published, draft, submitted, draft_file


def test_export_holds_account_organization_innovations_events_and_attachments(world):
    owner, curator, published, draft, submitted, _ = world
    data = privacy.export_user_data(owner)
    json.dumps(data)  # JSON-ready
    assert data["account"]["email"] == "instansi@example.org"
    assert data["organization"]["name"] == "Dinas Kesehatan Kota Bandung"
    assert {i["title"] for i in data["innovations"]} == {
        published.title,
        "Dapur Umum Desa",
        "Posko Relawan",
    }
    draft_record = next(i for i in data["innovations"] if i["id"] == draft.id)
    assert draft_record["status"] == "draft"
    assert draft_record["contact_email"] == "dapur@example.org"  # their own private data
    assert draft_record["history"][0]["to_status"] == "draft"
    assert {a["name"] for a in data["attachments"]} == {"foto.png", "draf.png"}
    assert data["review_events"] and all(e["actor"] == owner.email for e in data["review_events"])
    # only their own actions: the curator's publication is in the history, not in review_events
    assert not any(e["to_status"] == "published" for e in data["review_events"])
    assert privacy.export_user_data(curator)["innovations"] == []


def test_delete_account_keeps_published_without_owner_and_deletes_the_rest(app, world):
    owner, curator, published, draft, submitted, draft_file = world
    token_for(owner)
    owner_id, org_id = owner.id, owner.organization_id
    draft_path = attachments.path_of(draft_file)
    assert draft_path.exists()
    counts = privacy.delete_account(owner, PASSWORD)
    db.session.commit()
    assert counts == {"innovations_deleted": 2, "innovations_kept": 1}
    assert db.session.get(User, owner_id) is None
    assert accounts.find_user("instansi@example.org") is None
    assert db.session.scalars(select(ApiToken).where(ApiToken.user_id == owner_id)).all() == []
    rows = db.session.scalars(select(Innovation)).all()
    assert [r.id for r in rows] == [published.id]
    kept = rows[0]
    assert kept.status == "published" and kept.owner_id is None and kept.contact_email == ""
    assert kept.attachments and kept.attachments[0].uploaded_by_id is None
    assert not draft_path.exists()
    last = kept.events[-1]
    assert last.note == privacy.DELETED_NOTE and last.actor == f"deleted-user-{owner_id}"
    # no trace of the e-mail address in the audit trail
    actors = db.session.scalars(select(ReviewEvent.actor)).all()
    assert "instansi@example.org" not in actors and curator.email in actors
    assert db.session.get(Organization, org_id) is not None  # still named on the kept innovation


def test_delete_account_needs_the_password(world):
    owner, *_ = world
    with pytest.raises(privacy.WrongPassword):
        privacy.delete_account(owner, "salah-sekali-123")
    db.session.rollback()
    assert accounts.find_user(owner.email) is not None


def test_delete_account_without_innovations_removes_the_organization(ctx):
    user = make_user("sendiri@example.org", org="Komunitas Sendiri")
    org_id = user.organization_id
    privacy.delete_account(user, PASSWORD)
    db.session.commit()
    assert db.session.get(Organization, org_id) is None
    assert db.session.scalars(select(Attachment)).all() == []


def test_the_last_admin_cannot_delete_their_account(ctx):
    admin = make_user("admin@example.org", "admin", org=None)
    with pytest.raises(ValidationError):
        privacy.delete_account(admin, PASSWORD)
    make_user("admin2@example.org", "admin", org=None)
    privacy.delete_account(admin, PASSWORD)
    db.session.commit()
    assert accounts.find_user("admin@example.org") is None
