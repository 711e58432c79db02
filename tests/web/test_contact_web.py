"""The relay contact form on a public innovation page."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from registry.extensions import db
from registry.services import catalogue
from tests.accounts_helpers import csrf_token

ADDRESS = "puskesmas@example.org"


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "outbox"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


@pytest.fixture
def published(app, innovation_data):
    with app.app_context():
        row = catalogue.create(innovation_data(), actor="t", status="published")
        db.session.commit()
        return row.slug


def _post(client, slug, **fields):
    token = csrf_token(client, f"/innovations/{slug}/contact")
    data = {
        "csrf_token": token,
        "name": "Budi",
        "email": "budi@example.net",
        "message": "Bagaimana cara meniru layanan ini di desa kami?",
        "website": "",
    }
    data.update(fields)
    return client.post(f"/innovations/{slug}/contact", data=data)


def test_message_is_relayed_without_showing_the_address(app, client, published):
    response = client.get(f"/innovations/{published}")
    page = response.get_data(as_text=True)
    assert f'href="/innovations/{published}/contact"' in page and ADDRESS not in page
    assert "Set-Cookie" not in response.headers  # the public page sets no session cookie
    form = client.get(f"/innovations/{published}/contact").get_data(as_text=True)
    assert 'name="website"' in form and 'name="csrf_token"' in form and ADDRESS not in form
    response = _post(client, published, message="Halo <script>alert(1)</script> apa kabar?")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/innovations/{published}")
    [mail] = outbox(app)
    assert mail["To"] == ADDRESS and mail["Reply-To"] == "budi@example.net"
    body = mail.get_content()
    assert "Budi" in body and "<script>alert(1)</script>" in body  # plain text mail
    after = client.get(f"/innovations/{published}").get_data(as_text=True)
    assert ADDRESS not in after and "<script>alert(1)" not in after


def test_csrf_honeypot_and_bad_input(app, client, published):
    no_csrf = client.post(
        f"/innovations/{published}/contact",
        data={"name": "A", "email": "a@example.net", "message": "pesan yang cukup panjang"},
    )
    assert no_csrf.status_code == 400
    assert _post(client, published, website="http://spam.example").status_code == 302
    assert _post(client, published, email="bukan-email").status_code == 400
    assert _post(client, published, message="").status_code == 400
    assert _post(client, published, message="x" * 5001).status_code == 400
    assert outbox(app) == []  # none of these was sent


def test_rate_limited(app, client, published):
    app.config["CONTACT_RATE_LIMIT"] = "2 per hour"
    assert _post(client, published).status_code == 302
    assert _post(client, published).status_code == 302
    assert _post(client, published).status_code == 429
    assert len(outbox(app)) == 2


def test_no_form_without_a_contact_address_or_for_unpublished(app, client, innovation_data):
    with app.app_context():
        quiet = catalogue.create(
            innovation_data(title="Tanpa Kontak", contact_email=""), actor="t", status="published"
        )
        draft = catalogue.create(innovation_data(title="Draf"), actor="t")
        db.session.commit()
        quiet_slug, draft_slug = quiet.slug, draft.slug
    page = client.get(f"/innovations/{quiet_slug}").get_data(as_text=True)
    assert f"/innovations/{quiet_slug}/contact" not in page and "belum tersedia" in page
    assert client.get(f"/innovations/{quiet_slug}/contact").status_code == 404
    token = csrf_token(client, "/login")  # the same session token
    data = {"csrf_token": token, "name": "A", "email": "a@example.net", "message": "x" * 20}
    assert client.post(f"/innovations/{quiet_slug}/contact", data=data).status_code == 404
    assert client.post(f"/innovations/{draft_slug}/contact", data=data).status_code == 404
