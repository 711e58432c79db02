"""Editing a published innovation on the web: a pending update, the curator's decision, the
public page with its history, old slugs redirecting; attachments shown once published."""

from __future__ import annotations

import io

from registry.extensions import db
from registry.models import Innovation
from registry.services import attachments, review, revisions
from tests.accounts_helpers import bearer, csrf_token, form_data, login, make_user, token_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _search_titles(client, q):
    data = client.get(f"/api/v1/innovations?q={q}").get_json()
    return [r["title"] for r in data["results"]]


def test_update_of_a_published_innovation_goes_through_review(app, innovation_data):
    # no shared app context: each client's request gets its own (and its own current_user)
    with app.app_context():
        owner = make_user("instansi@example.org")
        make_user("kurator@example.org", "curator", org=None)
        curator = make_user("kurator2@example.org", "curator", org=None)
        row = review.create_submission(innovation_data(), owner=owner)
        review.decide(row, "publish", actor=curator)
        db.session.commit()
        row_id, old_slug, old_title = row.id, row.slug, row.title
    public = app.test_client()
    owner_client, curator_client = app.test_client(), app.test_client()
    login(owner_client, "instansi@example.org")
    login(curator_client, "kurator@example.org")

    new_title = "Apotek Keliling Kota Bandung"
    token = csrf_token(owner_client, f"/my/{row_id}/edit")
    payload = {
        **form_data(innovation_data(title=new_title, summary="Apotek keliling <script>x</script>")),
        "csrf_token": token,
        "action": "submit",
    }
    response = owner_client.post(f"/my/{row_id}/edit", data=payload)
    assert response.status_code == 302, response.get_data(as_text=True)

    # the public still sees the published version, under its slug; search too
    page = public.get(f"/innovations/{old_slug}").get_data(as_text=True)
    assert old_title in page and new_title not in page
    assert _search_titles(public, "Apotek") == []
    # the owner sees the pending update, and the edit form shows it
    assert "pending-update" in owner_client.get(f"/my/{row_id}").get_data(as_text=True)
    assert new_title in owner_client.get(f"/my/{row_id}/edit").get_data(as_text=True)
    # the curator sees it in the queue and on the item, escaped
    queue = curator_client.get("/curate/").get_data(as_text=True)
    assert f"/curate/{row_id}#pending-update" in queue
    detail = curator_client.get(f"/curate/{row_id}").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in detail and "<script>x" not in detail

    # a curator without CSRF cannot decide; with it, publishes
    assert (
        curator_client.post(f"/curate/{row_id}/update", data={"decision": "publish"}).status_code
        == 400
    )
    token = csrf_token(curator_client, f"/curate/{row_id}")
    response = curator_client.post(
        f"/curate/{row_id}/update", data={"csrf_token": token, "decision": "publish", "note": ""}
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get_one(Innovation, row_id)
        assert row.title == new_title and row.pending_changes is None
        new_slug = row.slug
    moved = public.get(f"/innovations/{old_slug}")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith(f"/innovations/{new_slug}")
    page = public.get(f"/innovations/{new_slug}").get_data(as_text=True)
    assert new_title in page and 'id="s-history"' in page
    assert "Diperbarui" in page and "Diterbitkan" in page
    assert _search_titles(public, "Apotek") == [new_title]  # re-indexed after the commit


def test_institution_cannot_decide_on_updates_and_others_cannot_propose(app, innovation_data):
    with app.app_context():
        owner = make_user("instansi@example.org")
        make_user("lain@example.org", org="Lain")
        curator = make_user("kurator@example.org", "curator", org=None)
        row = review.create_submission(innovation_data(), owner=owner)
        review.decide(row, "publish", actor=curator)
        db.session.commit()
        row_id = row.id
    other = app.test_client()
    login(other, "lain@example.org")
    assert other.get(f"/my/{row_id}/edit").status_code == 404
    login_owner = app.test_client()
    login(login_owner, "instansi@example.org")
    token = csrf_token(login_owner, f"/my/{row_id}")
    assert (
        login_owner.post(
            f"/curate/{row_id}/update", data={"csrf_token": token, "decision": "publish"}
        ).status_code
        == 403
    )


def test_attachments_listed_on_the_public_page_once_published(app, client, ctx, innovation_data):
    owner = make_user("instansi@example.org")
    curator = make_user("kurator@example.org", "curator", org=None)
    row = review.create_submission(innovation_data(), owner=owner)
    image = attachments.add(row, io.BytesIO(PNG), "foto <kegiatan>.png", actor=owner)
    pdf = attachments.add(row, io.BytesIO(PDF), "laporan.pdf", actor=owner)
    db.session.commit()
    file_url = f"/files/{pdf.id}/laporan.pdf"
    assert client.get(file_url).status_code == 404  # not public before publication
    review.decide(row, "publish", actor=curator)
    db.session.commit()
    page = client.get(f"/innovations/{row.slug}").get_data(as_text=True)
    assert 'id="s-files"' in page and file_url in page
    assert f"/files/{image.id}/" in page and "<img" in page
    assert "foto <kegiatan>" not in page and "foto _kegiatan_.png" in page
    with client.get(file_url) as response:
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_submission_api_shows_a_pending_update(app, client, ctx, innovation_data):
    owner = make_user("instansi@example.org")
    curator = make_user("kurator@example.org", "curator", org=None)
    row = review.create_submission(innovation_data(), owner=owner)
    review.decide(row, "publish", actor=curator)
    db.session.commit()
    token = token_for(owner)
    body = client.get(f"/api/v1/submissions/{row.id}", headers=bearer(token)).get_json()
    assert body["pending_changes"] is None and body["pending_at"] is None
    revisions.propose(row, {"unit": "Puskesmas Garuda Baru"}, actor=owner)
    db.session.commit()
    body = client.get(f"/api/v1/submissions/{row.id}", headers=bearer(token)).get_json()
    assert body["pending_changes"] == {"unit": "Puskesmas Garuda Baru"}
    assert body["unit"] == "Puskesmas Garuda" and body["pending_at"].endswith("Z")


def test_the_queue_names_an_update_s_fields_by_their_labels(app, innovation_data):
    with app.app_context():
        owner = make_user("instansi@example.org")
        make_user("kurator@example.org", "curator", org=None)
        curator = make_user("kurator2@example.org", "curator", org=None)
        row = review.create_submission(innovation_data(), owner=owner)
        review.decide(row, "publish", actor=curator)
        revisions.propose(row, innovation_data(title="Apotek Keliling Kota Bandung"), actor=owner)
        db.session.commit()
        changed = sorted(db.session.get_one(Innovation, row.id).pending_changes or {})
    assert "title" in changed
    curator_client = app.test_client()
    login(curator_client, "kurator@example.org")
    queue = curator_client.get("/curate/").get_data(as_text=True)
    assert '<td data-label="Isian">Judul' in queue and ">title<" not in queue
    english = curator_client.get("/curate/?lang=en").get_data(as_text=True)
    assert '<td data-label="Fields">Title' in english
