"""Form errors in the reader's words (issue 15, item 5): WTForms' own messages translated, an
error summary at the top linking to each bad field (GOV.UK pattern), labels instead of field
names, and decision mails and histories in words, not codes."""

from __future__ import annotations

import re

import flask_babel
import pytest

from registry.extensions import db
from registry.services import catalogue, review
from tests.accounts_helpers import csrf_token, login, make_user
from tests.web.test_contact_web import outbox


def _summary(html: str) -> str:
    pattern = r'<div class="error-box error-summary" id="error-summary".*?</div>'
    found = re.search(pattern, html, re.S)
    assert found, "no error summary"
    return found.group(0)


@pytest.mark.parametrize(
    ("lang", "required", "title"),
    [
        ("id", "Wajib diisi.", "Ada masalah"),
        ("en", "This field is required.", "There is a problem"),
    ],
)
def test_signup_errors_are_translated_summarized_and_marked(ctx, client, lang, required, title):
    token = csrf_token(client, "/signup")
    flask_babel.refresh()
    response = client.post(f"/signup?lang={lang}", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = _summary(html)
    assert title in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    # one link per bad field, to its input
    assert 'href="#email"' in summary and 'href="#organization"' in summary
    assert required in summary
    if lang == "id":
        assert "This field is required" not in html
    # the field is marked: invalid, described by its message
    email = re.findall(r"<input[^>]*id=\"email\"[^>]*>", html)[0]
    assert 'aria-invalid="true"' in email and "email-error" in email
    assert 'id="email-error"' in html and 'class="field has-error' in html


def test_contact_form_errors_are_indonesian(app, ctx, client, innovation_data):
    row = catalogue.create(innovation_data(), actor="t", status="published")
    db.session.commit()
    path = f"/innovations/{row.slug}/contact"
    token = csrf_token(client, path)
    html = client.post(path, data={"csrf_token": token}).get_data(as_text=True)
    assert "This field is required" not in html and "Wajib diisi." in _summary(html)


def test_a_submission_sent_incomplete_shows_labels_and_marks_the_fields(ctx, client):
    owner = make_user("instansi@example.org")
    draft = review.create_submission({"title": "Setengah jadi"}, owner=owner, draft=True)
    db.session.commit()
    login(client, "instansi@example.org")
    token = csrf_token(client, f"/my/{draft.id}")
    response = client.post(f"/my/{draft.id}/submit", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = _summary(html)
    assert 'href="#sectors-0"' in summary and "Sektor:" in summary
    assert 'href="#summary"' in summary and "Ringkasan:" in summary
    assert "sectors:" not in html and "focus:" not in html
    assert 'id="field-sectors"' in html and 'class="field has-error' in html


def test_decision_mails_and_histories_say_words(app, ctx, client, innovation_data):
    owner = make_user("instansi@example.org")
    make_user("kurator@example.org", "curator", org=None)
    row = review.create_submission(innovation_data(), owner=owner)
    db.session.commit()
    login(client, "kurator@example.org")
    token = csrf_token(client, f"/curate/{row.id}")
    client.post(
        f"/curate/{row.id}",
        data={"csrf_token": token, "decision": "request_revision", "note": "Tambah angka."},
    )
    mail = outbox(app)[-1].get_content()
    assert "perlu revisi" in mail and "revision_requested" not in mail
    db.session.refresh(row)
    review.edit_submission(row, {"results": "Angka baru.", "unit": "Dinkes"}, actor=owner)
    review.submit(row, actor=owner)
    db.session.commit()
    token = csrf_token(client, f"/curate/{row.id}")
    client.post(f"/curate/{row.id}", data={"csrf_token": token, "decision": "publish"})
    published = outbox(app)[-1].get_content()
    assert "terbit" in published and f"/innovations/{row.slug}" in published
    history = client.get(f"/curate/{row.id}").get_data(as_text=True)
    assert "Hasil" in history and "Unit pelaksana" in history
    assert "diubah: Hasil, Unit pelaksana" in history
    assert "results" not in history and ">unit<" not in history
