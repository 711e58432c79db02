"""Issue 17.16: drafts and their attachments are their owner's alone on the API as on the web,
and a curator does not publish their own submission (unless ALLOW_SELF_PUBLISH)."""

from __future__ import annotations

import io

from registry.extensions import db
from registry.models import Innovation, User
from registry.services import attachments, review
from tests.accounts_helpers import bearer, csrf_token, login, make_user, token_for

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_curators_see_a_draft_nowhere_and_a_submission_everywhere(app, innovation_data):
    with app.app_context():
        owner = make_user("instansi@example.org")
        curator = make_user("kurator@example.org", "curator", org=None)
        curator_token, owner_token = token_for(curator), token_for(owner)
        row = review.create_submission(innovation_data(), owner=owner, draft=True)
        attachment = attachments.add(row, io.BytesIO(PDF), "laporan.pdf", actor=owner)
        db.session.commit()
        row_id, file_url = row.id, f"/files/{attachment.id}/laporan.pdf"
    api = app.test_client()
    web = app.test_client()
    login(web, "kurator@example.org")
    # a draft: the curator's web pages 404, and now so do the API and the file
    assert web.get(f"/curate/{row_id}").status_code == 404
    assert (
        api.get(f"/api/v1/submissions/{row_id}", headers=bearer(curator_token)).status_code == 404
    )
    assert web.get(file_url).status_code == 404
    owners = api.get(f"/api/v1/submissions/{row_id}", headers=bearer(owner_token))
    assert (
        owners.status_code == 200 and owners.get_json()["attachments"][0]["name"] == "laporan.pdf"
    )
    # submitted: the curator sees it on both
    with app.app_context():
        owner = db.session.scalars(
            db.select(User).where(User.email == "instansi@example.org")
        ).one()
        review.submit(db.session.get_one(Innovation, row_id), actor=owner)
        db.session.commit()
    assert web.get(f"/curate/{row_id}").status_code == 200
    assert (
        api.get(f"/api/v1/submissions/{row_id}", headers=bearer(curator_token)).status_code == 200
    )
    served = web.get(file_url)
    assert served.status_code == 200 and served.get_data() == PDF
    served.close()


def test_a_curator_does_not_publish_their_own_submission(app, innovation_data):
    with app.app_context():
        author = make_user("kurator@example.org", "curator", org=None)
        other = make_user("kurator2@example.org", "curator", org=None)
        author_token, other_token = token_for(author), token_for(other)
        own = review.create_submission(innovation_data(), owner=author)
        second = review.create_submission(
            innovation_data(title="Inovasi Kedua Kurator"), owner=author
        )
        db.session.commit()
        own_id, second_id = own.id, second.id
    api = app.test_client()

    def decide(row_id, token, decision="publish"):
        return api.post(
            f"/api/v1/submissions/{row_id}/decision",
            json={"decision": decision, "note": "ok"},
            headers=bearer(token),
        )

    refused = decide(own_id, author_token)
    assert refused.status_code == 422 and refused.get_json()["param"] == "decision"
    assert decide(own_id, author_token, "acknowledge").status_code == 200  # other steps are fine
    web = app.test_client()
    login(web, "kurator@example.org")
    token = csrf_token(web, f"/curate/{own_id}")
    page = web.post(f"/curate/{own_id}", data={"csrf_token": token, "decision": "publish"})
    assert page.status_code == 400
    assert "kurator lain" in page.get_data(as_text=True)
    assert decide(own_id, other_token).status_code == 200  # another curator publishes it
    app.config["ALLOW_SELF_PUBLISH"] = True
    assert decide(second_id, author_token).status_code == 200
