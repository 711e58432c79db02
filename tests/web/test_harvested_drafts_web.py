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
    return db.session.get(Innovation, result["innovation_id"]), handle


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
    assert db.session.get(Innovation, innovation.id).status == "submitted"

    innovation = db.session.get(Innovation, innovation.id)
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
