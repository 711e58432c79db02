"""A draft approved from harvested posts: the posts stay with curators, the public fields hold
facts and placeholders, and publication waits until the curator has rewritten them (issue 15,
items 2 and 3)."""

from __future__ import annotations

import flask_babel
import pytest

from registry.extensions import db
from registry.models import Innovation
from registry.services import catalogue, curation, review
from tests.accounts_helpers import csrf_token, login, make_user
from tests.curation_helpers import make_candidate

POST = (
    "RT @dinkes: Pemkot Bandung luncurkan layanan antar obat gratis untuk warga isoman. "
    "Pesan lewat WhatsApp, diantar relawan. https://t.co/abc"
)


@pytest.fixture
def curator(ctx, client):
    user = make_user("kurator@example.org", "curator", org=None)
    login(client, "kurator@example.org")
    return user


def _draft(curator) -> tuple[Innovation, str]:
    candidate = make_candidate(POST)
    handle = candidate.posts[0].author_handle
    [result] = curation.decide([{"id": candidate.id, "decision": "approve"}], curator)
    db.session.commit()
    return db.session.get_one(Innovation, result["innovation_id"]), handle


def test_the_posts_show_on_the_draft_for_its_curator_only(client, curator):
    innovation, handle = _draft(curator)
    html = client.get(f"/my/{innovation.id}").get_data(as_text=True)
    assert "Unggahan sumber (hanya kurator)" in html
    assert f"@{handle}" in html and "antar obat gratis" in html
    assert "Belum dapat diterbitkan" in html and "Masih berisi teks isian otomatis" in html
    assert "Judul:" in html and "title:" not in html  # labels, not field names


def _publish(client, innovation, lang="id"):
    flask_babel.refresh()  # the test's app context holds the locale of earlier requests
    path = f"/curate/{innovation.id}?lang={lang}"
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "decision": "publish", "note": ""})


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("id", ["Judul: Masih berisi teks isian otomatis", "Inovasi: Masih memuat teks unggahan"]),
        ("en", ["Title: Still holds the automatic", "Innovation: Still holds a social-media"]),
    ],
)
def test_publishing_waits_until_the_draft_is_rewritten(client, curator, lang, words):
    innovation, handle = _draft(curator)
    catalogue.update(
        innovation,
        {
            "innovator_name": "Pemkot Bandung",
            "innovation": "Pemkot Bandung luncurkan layanan antar obat gratis untuk warga isoman",
        },
        actor=curator,
    )
    review.submit(innovation, actor=curator)
    db.session.commit()
    refused = _publish(client, innovation, lang)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    for text in words:
        assert text in html, text
    db.session.expire_all()
    assert db.session.get_one(Innovation, innovation.id).status == "submitted"

    innovation = db.session.get_one(Innovation, innovation.id)
    catalogue.update(
        innovation,
        {
            "title": "Layanan antar obat bagi warga isoman di Kota Bandung",
            "summary": "Warga yang isolasi mandiri memesan obat, relawan mengantarnya ke rumah.",
            "innovation": "Obat dipesan lewat pesan singkat dan diantar dalam sehari.",
        },
        actor=curator,
    )
    db.session.commit()
    assert _publish(client, innovation, lang).status_code == 302
    public = client.get(f"/innovations/{innovation.slug}").get_data(as_text=True)
    assert handle not in public and "t.co" not in public and "WhatsApp" not in public


def _rewritten_and_submitted(innovation, curator) -> None:
    catalogue.update(
        innovation,
        {
            "title": "Layanan antar obat bagi warga isoman di Kota Bandung",
            "summary": "Warga yang isolasi mandiri memesan obat, relawan mengantarnya ke rumah.",
            "innovator_name": "Pemkot Bandung",
        },
        actor=curator,
    )
    review.submit(innovation, actor=curator)
    db.session.commit()


def test_no_contact_until_the_innovators_is_set(client, curator):
    innovation, _ = _draft(curator)
    assert not innovation.contact_email  # never the curator's own address
    _rewritten_and_submitted(innovation, curator)
    assert _publish(client, innovation).status_code == 302
    page = client.get(f"/innovations/{innovation.slug}").get_data(as_text=True)
    assert "Kontak inovator belum tersedia" in page
    assert f"/innovations/{innovation.slug}/contact" not in page
    assert client.get(f"/innovations/{innovation.slug}/contact").status_code == 404
    flask_babel.refresh()
    english = client.get(f"/innovations/{innovation.slug}?lang=en").get_data(as_text=True)
    assert "contact is not available yet" in english

    innovation = db.session.get_one(Innovation, innovation.id)
    catalogue.update(innovation, {"contact_email": "dinkes@bandung.example"}, actor=curator)
    db.session.commit()
    flask_babel.refresh()
    page = client.get(f"/innovations/{innovation.slug}?lang=id").get_data(as_text=True)
    assert "belum tersedia" not in page and f"/innovations/{innovation.slug}/contact" in page


def test_the_publisher_must_not_be_the_drafter_when_so_configured(app, client, curator):
    innovation, _ = _draft(curator)
    _rewritten_and_submitted(innovation, curator)
    app.config["PUBLISHER_NOT_DRAFTER"] = True
    refused = _publish(client, innovation)
    assert refused.status_code == 400
    assert "kurator lain yang harus menerbitkannya" in refused.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/curate/")})
    make_user("kurator2@example.org", "curator", org=None)
    login(client, "kurator2@example.org")
    assert _publish(client, innovation).status_code == 302
    db.session.expire_all()
    assert db.session.get_one(Innovation, innovation.id).status == "published"
