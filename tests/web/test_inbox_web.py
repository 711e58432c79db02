"""The curator inbox pages: roles, CSRF, escaping of harvested text, bulk decisions, filters."""

from __future__ import annotations

import re

import flask_babel
import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Candidate, CandidateDecision, HarvestSource, Innovation, Post
from registry.services import catalogue
from tests.accounts_helpers import csrf_token, login, make_user
from tests.curation_helpers import make_candidate

SCRIPT = '<script>alert("x")</script> Relawan buka posko <b>gratis</b>'


@pytest.fixture
def curator_client(ctx, client):
    make_user("kurator@example.org", "curator", org=None)
    login(client, "kurator@example.org")
    return client


def page(client, path="/curate/inbox/"):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_roles(ctx, client):
    candidate = make_candidate()
    anonymous = client.get("/curate/inbox/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user("instansi@example.org")
    login(client, "instansi@example.org")
    assert client.get("/curate/inbox/").status_code == 403
    assert client.get(f"/curate/inbox/{candidate.id}").status_code == 403
    token = csrf_token(client, "/my")
    refused = client.post(
        "/curate/inbox/decide",
        data={"csrf_token": token, "ids": str(candidate.id), "action": "approve"},
    )
    assert refused.status_code == 403
    assert candidate.status == "new"
    client.post("/logout", data={"csrf_token": token})
    make_user("admin@example.org", "admin", org=None)
    login(client, "admin@example.org")
    assert client.get("/curate/inbox/").status_code == 200


def test_list_shows_what_drove_the_score_and_escapes_text(ctx, curator_client, innovation_data):
    existing = catalogue.create(innovation_data(), actor="test", status="published")
    candidate = make_candidate(
        SCRIPT,
        score=0.87,
        explain=[["posko", 1.25], ["relawan", 0.5], ["kasus", -0.75]],
        platforms=["twitter", "mastodon"],
        matches_innovation_id=existing.id,
    )
    html = page(curator_client)
    assert "<script>alert" not in html and "<b>gratis</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "87%" in html
    assert "posko" in html and "+1.25" in html and "-0.75" in html
    assert "Kesehatan" in html and "Cepat Tanggap" in html and "Kota Bandung" in html
    assert "2 unggahan" in html and "X/Twitter" in html and "Mastodon" in html
    assert f'href="/innovations/{existing.slug}"' in html
    assert "j/k" in html and "js/inbox.js" in html  # the help line and the script
    assert 'name="csrf_token"' in html
    # every control has a label
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if 'type="hidden"' in tag:
            continue
        control_id = re.findall(r'\bid="([^"]+)"', tag)[0]
        assert f'for="{control_id}"' in html, tag
    detail = page(curator_client, f"/curate/inbox/{candidate.id}")
    assert "<script>alert" not in detail and "&lt;script&gt;" in detail
    assert "@warga" in detail and "https://twitter.example/status/" in detail
    assert 'rel="nofollow noopener noreferrer"' in detail


def test_english_labels(ctx, curator_client):
    make_candidate()
    flask_babel.refresh()  # the test's app context holds the locale of earlier requests
    html = page(curator_client, "/curate/inbox/?lang=en")
    assert "Candidate inbox" in html and "Approve" in html and "Reject" in html


def test_post_without_csrf_is_refused(ctx, curator_client):
    candidate = make_candidate()
    response = curator_client.post(
        "/curate/inbox/decide", data={"ids": str(candidate.id), "action": "approve"}
    )
    assert response.status_code == 400
    db.session.refresh(candidate)
    assert candidate.status == "new"
    assert db.session.scalar(select(func.count(CandidateDecision.id))) == 0


def test_bulk_approve_and_quick_reject(ctx, curator_client):
    a, b, c = (
        make_candidate("satu", score=0.9),
        make_candidate("dua", score=0.8),
        make_candidate("tiga", score=0.1),
    )
    token = csrf_token(curator_client, "/curate/inbox/")
    response = curator_client.post(
        "/curate/inbox/decide",
        data={
            "csrf_token": token,
            "ids": [str(a.id), str(b.id)],
            "action": "approve",
            "bulk": "1",
            "next": "/curate/inbox/?sort=newest",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/curate/inbox/?sort=newest")
    for candidate in (a, b):
        db.session.refresh(candidate)
        assert candidate.status == "approved" and candidate.innovation_id
    assert a.innovation_id is not None and b.innovation_id is not None
    drafts = db.session.scalars(select(Innovation)).all()
    assert sorted(d.id for d in drafts) == sorted([a.innovation_id, b.innovation_id])
    assert all(d.status == "draft" and d.origin == "harvest" for d in drafts)
    # a candidate's own Reject button uses the reason chosen in the bulk fieldset
    quick = curator_client.post(
        "/curate/inbox/decide",
        data={"csrf_token": token, "quick": f"reject:{c.id}", "action": "", "reason": "spam"},
    )
    assert quick.status_code == 302
    db.session.refresh(c)
    assert c.status == "rejected" and c.reason == "spam"
    # deciding again: a message, nothing changes
    again = curator_client.post(
        "/curate/inbox/decide",
        data={"csrf_token": token, "quick": f"approve:{c.id}"},
        follow_redirects=True,
    )
    assert "sudah diputuskan" in again.get_data(as_text=True)
    db.session.refresh(c)
    assert c.status == "rejected"
    assert "satu" not in page(curator_client)  # decided ones leave the inbox


def test_single_approve_opens_the_draft(ctx, curator_client):
    candidate = make_candidate("Dapur umum relawan kampung. Makan gratis untuk warga isoman")
    token = csrf_token(curator_client, f"/curate/inbox/{candidate.id}")
    response = curator_client.post(
        "/curate/inbox/decide",
        data={
            "csrf_token": token,
            "ids": str(candidate.id),
            "action": "approve",
            "open_draft": "1",
        },
    )
    db.session.refresh(candidate)
    assert response.headers["Location"].endswith(f"/my/{candidate.innovation_id}")
    draft = page(curator_client, f"/my/{candidate.innovation_id}")
    assert "Dapur umum relawan kampung" in draft


def test_merge_and_reject_from_the_candidate_page(ctx, curator_client):
    target, source, other = make_candidate("target"), make_candidate("source"), make_candidate("x")
    token = csrf_token(curator_client, f"/curate/inbox/{source.id}")
    missing = curator_client.post(
        "/curate/inbox/decide",
        data={"csrf_token": token, "ids": str(source.id), "action": "merge"},
        follow_redirects=True,
    )
    assert "Tulis nomor kandidat" in missing.get_data(as_text=True)
    curator_client.post(
        "/curate/inbox/decide",
        data={
            "csrf_token": token,
            "ids": str(source.id),
            "action": "merge",
            "into_candidate": str(target.id),
            "next": f"/curate/inbox/{source.id}",
        },
    )
    db.session.refresh(source)
    db.session.refresh(target)
    assert source.status == "merged" and target.post_count == 2
    html = page(curator_client, f"/curate/inbox/{source.id}")
    assert f"/curate/inbox/{target.id}" in html and "kurator@example.org" in html
    outside = curator_client.post(
        "/curate/inbox/decide",
        data={
            "csrf_token": token,
            "ids": str(other.id),
            "action": "reject",
            "reason": "off-topic",
            "next": "https://evil.example/",
        },
    )
    assert outside.headers["Location"] == "/curate/inbox/"  # never another site
    db.session.refresh(other)
    assert other.status == "rejected" and other.reason == "off-topic"


def test_filters_on_the_page(ctx, curator_client):
    make_candidate("Posko relawan Bandung", score=0.9, platforms=["twitter"])
    make_candidate("Aplikasi bansos Sleman", score=0.3, platforms=["mastodon"], province_code="34")
    html = page(curator_client, "/curate/inbox/?platform=mastodon")
    assert "Aplikasi bansos Sleman" in html and "Posko relawan Bandung" not in html
    html = page(curator_client, "/curate/inbox/?q=posko&min_score=0.5")
    assert "Posko relawan Bandung" in html and "Aplikasi bansos" not in html
    html = page(curator_client, "/curate/inbox/?province=34")
    assert "Aplikasi bansos Sleman" in html and "Posko relawan Bandung" not in html
    html = page(curator_client, "/curate/inbox/?date_from=2021-01-01")
    assert "0 kandidat" in html
    order = page(curator_client, "/curate/inbox/?sort=score")
    assert order.index("Posko relawan") < order.index("Aplikasi bansos")
    bad = curator_client.get("/curate/inbox/?min_score=lots")
    assert bad.status_code == 400 and "min_score" in bad.get_data(as_text=True)


def test_filter_by_harvest_source_on_the_page(ctx, curator_client):
    from registry.services import harvesting

    kept = make_candidate("Posko relawan Bandung")
    make_candidate("Aplikasi bansos Sleman")
    source = harvesting.add_source(
        name="jabar", platform="rss", query="https://jabar.example/<feed>", actor="t"
    )
    db.session.execute(
        Post.__table__.update().where(Post.candidate_id == kept.id).values(source_id=source.id)
    )
    db.session.commit()
    html = page(curator_client)
    assert '<label for="source">' in html and '<option value="jabar">' in html
    assert "https://jabar.example/&lt;feed&gt;" in html  # the query, escaped
    html = page(curator_client, "/curate/inbox/?source=jabar")
    assert "Posko relawan Bandung" in html and "Aplikasi bansos" not in html
    assert '<option value="jabar" selected>' in html
    bad = curator_client.get("/curate/inbox/?source=nope")
    assert bad.status_code == 400 and "source" in bad.get_data(as_text=True)


def test_unknown_candidate_is_404(ctx, curator_client):
    assert curator_client.get("/curate/inbox/999999").status_code == 404
    assert db.session.scalar(select(func.count(Candidate.id))) == 0


# ----------------------------------------------------------- admin: sources, takedown


@pytest.fixture
def admin_client(ctx, client):
    make_user("admin@example.org", "admin", org=None)
    login(client, "admin@example.org")
    return client


def test_admin_manages_harvest_sources(ctx, admin_client):
    token = csrf_token(admin_client, "/admin/sources")
    added = admin_client.post(
        "/admin/sources",
        data={
            "csrf_token": token,
            "name": "mastodon-inovasi",
            "platform": "mastodon",
            "query": "#inovasi",
            "base_url": "https://mastodon.example",
            "every": "30m",
        },
    )
    assert added.status_code == 302
    source = db.session.scalar(select(HarvestSource))
    assert source is not None
    assert (source.name, source.every_seconds, source.enabled) == ("mastodon-inovasi", 1800, True)
    bad = admin_client.post(
        "/admin/sources",
        data={
            "csrf_token": token,
            "name": "x y",
            "platform": "mastodon",
            "query": "q",
            "every": "1m",
        },
        follow_redirects=True,
    )
    assert bad.status_code == 400  # the form again, with its fields (see test_admin_forms_web)
    assert 'href="#new-name">Nama: Huruf, angka' in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(HarvestSource.id))) == 1
    admin_client.post(
        f"/admin/sources/{source.id}",
        data={
            "csrf_token": token,
            "query": "#inovasi OR #relawan",
            "base_url": "https://mastodon.example",
            "every": "1h",
        },
    )
    db.session.refresh(source)
    assert source.query == "#inovasi OR #relawan" and source.every_seconds == 3600
    assert source.enabled is False  # the unticked box turns it off
    html = admin_client.get("/admin/sources").get_data(as_text=True)
    assert "mastodon-inovasi" in html and "#inovasi OR #relawan" in html
    no_csrf = admin_client.post(
        "/admin/sources",
        data={"name": "lain", "platform": "rss", "query": "https://x.example/feed", "every": "1h"},
    )
    assert no_csrf.status_code == 400


def test_admin_takedown_deletes_the_post(ctx, admin_client):
    candidate = make_candidate("Unggahan yang diminta dihapus", platforms=["twitter", "mastodon"])
    post = next(p for p in candidate.posts if p.platform == "twitter")
    external_id = post.external_id
    token = csrf_token(admin_client, "/admin/sources")
    asked = {"csrf_token": token, "platform": "twitter", "external_id": external_id}
    confirm = admin_client.post("/admin/takedown", data=asked)
    assert confirm.status_code == 200 and "Ya, hapus unggahan" in confirm.get_data(as_text=True)
    assert db.session.scalar(select(Post).where(Post.external_id == external_id)) is not None
    response = admin_client.post(
        "/admin/takedown", data={**asked, "confirm": "yes"}, follow_redirects=True
    )
    assert response.status_code == 200 and "dihapus" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Post).where(Post.external_id == external_id)) is None
    assert db.session.get_one(Candidate, candidate.id).post_count == 1
    missing = admin_client.post(
        "/admin/takedown", data={**asked, "confirm": "yes"}, follow_redirects=True
    )
    assert "Tidak ada unggahan" in missing.get_data(as_text=True)


def test_only_admins_manage_sources(ctx, curator_client):
    assert curator_client.get("/admin/sources").status_code == 403
    token = csrf_token(curator_client, "/curate/inbox/")
    refused = curator_client.post(
        "/admin/takedown", data={"csrf_token": token, "platform": "twitter", "external_id": "1"}
    )
    assert refused.status_code == 403


def test_enter_in_a_field_presses_the_bulk_action_not_a_cards_approve(ctx, curator_client):
    make_candidate()
    html = page(curator_client)
    form = html[html.index('id="inbox-form"') :]
    # implicit submission (Enter in the merge field) clicks the form's first submit button
    first_submit = re.search(r'<button type="submit"[^>]*>', form)
    assert first_submit is not None
    assert 'name="bulk"' in first_submit.group(0)


def test_classifier_features_are_shown_in_words(ctx, curator_client):
    make_candidate(
        "Puskesmas Garuda membuka layanan vaksinasi drive thru",
        explain=[["[shape:named_actor]", 0.9], ["[actor:pemkot]", 0.4], ["[neg:stats]", -0.3]],
    )
    html = page(curator_client)
    assert "[shape:named_actor]" not in html and "pelaku bernama" in html
    assert "kata pelaku: Pemerintah Kota" in html
    assert "angka kasus" in html
    flask_babel.refresh()
    english = page(curator_client, "/curate/inbox/?lang=en")
    assert "named actor" in english and "case numbers" in english
