"""Telling people what happened (issue 15, item 9): a receipt when an institution submits, the
curators told of the arrival, the owner told when the review starts; drafts and edits send
nothing."""

from __future__ import annotations

from registry.extensions import db
from registry.models import Innovation
from tests.accounts_helpers import bearer, csrf_token, form_data, login, make_user, token_for
from tests.web.test_contact_web import outbox
from tests.web.test_submit_web import new_submission


def _mails(app):
    return [(m["To"], m["Subject"], m.get_content()) for m in outbox(app)]


def test_receipt_arrival_and_acknowledgement(app, ctx, client, innovation_data):
    make_user("instansi@example.org")
    make_user("kurator@example.org", "curator", org=None)
    make_user("kurator2@example.org", "curator", org=None)
    login(client, "instansi@example.org")
    assert new_submission(client, innovation_data(), action="draft").status_code == 302
    assert outbox(app) == []  # a draft is nobody's business yet

    response = new_submission(client, innovation_data(title="Dapur Umum Desa"))
    assert response.status_code == 302
    mails = _mails(app)
    to_owner = [m for m in mails if m[0] == "instansi@example.org"]
    to_curators = sorted(m[0] for m in mails if m[1].startswith("Pengajuan baru"))
    assert to_curators == ["kurator2@example.org", "kurator@example.org"]
    [(_, subject, body)] = to_owner
    assert subject == "Pengajuan diterima: Dapur Umum Desa"
    assert "paling lambat" in body and "WIB" in body and "/my/" in body
    innovation = db.session.scalars(
        db.select(Innovation).where(Innovation.title == "Dapur Umum Desa")
    ).one()
    curator_body = next(m[2] for m in mails if m[0] == "kurator@example.org")
    assert f"/curate/{innovation.id}" in curator_body and "Tanggapi paling lambat" in curator_body

    # editing what is already submitted sends nothing more
    before = len(outbox(app))
    token = csrf_token(client, f"/my/{innovation.id}/edit")
    saved = client.post(
        f"/my/{innovation.id}/edit",
        data={
            **form_data(innovation_data(title="Dapur Umum Desa", unit="Dinsos")),
            "csrf_token": token,
            "action": "submit",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[-2000:]
    assert len(outbox(app)) == before

    # a curator acknowledges it: the owner hears that the review started
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "kurator@example.org")
    token = csrf_token(client, f"/curate/{innovation.id}")
    client.post(f"/curate/{innovation.id}", data={"csrf_token": token, "decision": "acknowledge"})
    to, subject, body = _mails(app)[-1]
    assert to == "instansi@example.org" and subject == "Sedang ditinjau: Dapur Umum Desa"
    assert "Keputusan paling lambat" in body


def test_a_submission_by_api_gets_a_receipt(app, ctx, client, innovation_data):
    owner = make_user("instansi@example.org")
    token = token_for(owner)
    db.session.commit()
    response = client.post("/api/v1/submissions", json=innovation_data(), headers=bearer(token))
    assert response.status_code == 201
    assert any(m[0] == "instansi@example.org" for m in _mails(app))
