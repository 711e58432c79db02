"""Issue 15 item 10: the admin's forms keep what was typed after an error (with the error
summary), campaigns are created and users invited from the admin pages, and deleting a source
or taking a post down asks for a confirmation first (a page of its own, no JavaScript)."""

from __future__ import annotations

import re

import flask_babel
import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Campaign, HarvestRun, HarvestSource, Post, User, utcnow
from registry.services import accounts, harvesting
from tests.accounts_helpers import csrf_token, login, make_user
from tests.curation_helpers import make_candidate
from tests.web.test_contact_web import outbox


@pytest.fixture
def admin_client(ctx, client):
    make_user("admin@example.org", "admin", org=None)
    login(client, "admin@example.org")
    return client


def _selected(html: str, select_id: str) -> str | None:
    block = html[html.index(f'id="{select_id}"') :]
    block = block[: block.index("</select>")]
    match = re.search(r'<option selected value="([^"]+)"|<option value="([^"]+)" selected', block)
    return (match.group(1) or match.group(2)) if match else None


MASTODON = {
    "name": "mastodon-inovasi",
    "platform": "mastodon",
    "query": "#inovasi OR #relawan",
    "token_env": "MASTODON_TOKEN",
    "every": "45m",
    # no base URL: a Mastodon source needs its server's
}


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("id", "Sumber Mastodon memerlukan URL dasar servernya"),
        ("en", "A Mastodon source needs its server&#39;s base URL"),
    ],
)
def test_a_refused_source_keeps_every_field_and_the_platform(ctx, admin_client, lang, message):
    token = csrf_token(admin_client, "/admin/sources")
    flask_babel.refresh()  # the test's app context holds the locale of earlier requests
    refused = admin_client.post(
        f"/admin/sources?lang={lang}", data={"csrf_token": token, **MASTODON}
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(HarvestSource.id))) == 0
    # the error summary at the top of the form links to the bad field, which is marked
    summary = html[html.index('id="error-summary"') :]
    assert re.search(r'<a href="#new-base">[^<]*' + re.escape(message), summary)
    field = html[html.index('id="field-base_url"') :][:1500]
    assert 'aria-invalid="true"' in field and message in field
    # every field as the admin wrote it: the platform stays Mastodon (not twitter)
    assert _selected(html, "new-platform") == "mastodon"
    assert 'value="mastodon-inovasi"' in html
    assert "\n#inovasi OR #relawan</textarea>" in html
    assert 'value="MASTODON_TOKEN"' in html and 'value="45m"' in html
    # fixing the one field adds the source as Mastodon
    fixed = admin_client.post(
        "/admin/sources",
        data={"csrf_token": token, **MASTODON, "base_url": "https://mastodon.example"},
    )
    assert fixed.status_code == 302
    assert db.session.scalar(select(HarvestSource.platform)) == "mastodon"


def test_a_form_error_keeps_the_fields_too(ctx, admin_client):
    token = csrf_token(admin_client, "/admin/sources")
    refused = admin_client.post(
        "/admin/sources", data={"csrf_token": token, **MASTODON, "query": ""}
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert '<a href="#new-query">' in html
    assert _selected(html, "new-platform") == "mastodon"
    assert 'value="MASTODON_TOKEN"' in html


def test_the_sources_page_shows_words_not_codes(ctx, admin_client):
    source = harvesting.add_source(name="feed", platform="rss",
                                   query="https://a.example/feed.xml", actor="t")  # fmt: skip
    db.session.add(HarvestRun(source_id=source.id, label="feed", status="failed",
                              started_at=utcnow()))  # fmt: skip
    db.session.commit()
    for lang, failed in (("id", ": gagal,"), ("en", ": failed,")):
        flask_babel.refresh()
        html = admin_client.get(f"/admin/sources?lang={lang}").get_data(as_text=True)
        section = html[html.index(f'id="source-{source.id}"') :]
        section = section[: section.index("</section>")]
        assert failed in section and "(RSS)" in section
        options = html[html.index('id="new-platform"') :]
        assert '<option value="twitter">X/Twitter</option>' in options
        takedown = html[html.index('id="takedown-platform"') :]
        assert ">file<" not in takedown
    flask_babel.refresh()
    english = admin_client.get("/admin/sources?lang=en").get_data(as_text=True)
    assert '<option value="file">File</option>' in english


def test_deleting_a_source_asks_first(ctx, admin_client):
    source = harvesting.add_source(name="feed", platform="rss",
                                   query="https://a.example/feed.xml", actor="t")  # fmt: skip
    db.session.commit()
    page = admin_client.get("/admin/sources").get_data(as_text=True)
    # the sources page only links to the confirmation: no one-click delete
    assert f'action="/admin/sources/{source.id}/delete"' not in page
    assert f'href="/admin/sources/{source.id}/delete"' in page
    asked = admin_client.get(f"/admin/sources/{source.id}/delete")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Hapus sumber feed?" in html
    assert 'name="confirm" value="yes"' in html and 'name="csrf_token"' in html
    token = csrf_token(admin_client, "/admin/sources")
    # a POST without the confirmation shows the question again and deletes nothing
    unconfirmed = admin_client.post(
        f"/admin/sources/{source.id}/delete", data={"csrf_token": token}
    )
    assert unconfirmed.status_code == 200
    assert "Ya, hapus sumber" in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HarvestSource, source.id) is not None
    # without the CSRF token even a confirmed POST is refused
    forged = admin_client.post(f"/admin/sources/{source.id}/delete", data={"confirm": "yes"})
    assert forged.status_code == 400
    done = admin_client.post(
        f"/admin/sources/{source.id}/delete",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=True,
    )
    assert "Sumber feed dihapus" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HarvestSource, source.id) is None


def test_a_takedown_asks_first(ctx, admin_client):
    candidate = make_candidate("Unggahan yang diminta dihapus", platforms=["twitter"])
    external_id = candidate.posts[0].external_id
    token = csrf_token(admin_client, "/admin/sources")
    flask_babel.refresh()
    asked = admin_client.post(
        "/admin/takedown?lang=en",
        data={"csrf_token": token, "platform": "twitter", "external_id": external_id},
    )
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert f"Take down the X/Twitter post {external_id}?" in html
    assert f'name="external_id" value="{external_id}"' in html
    assert 'name="platform" value="twitter"' in html
    db.session.expire_all()
    assert db.session.scalar(select(Post).where(Post.external_id == external_id)) is not None
    # a missing ID: the form again with the summary, nothing asked
    empty = admin_client.post(
        "/admin/takedown", data={"csrf_token": token, "platform": "twitter", "external_id": ""}
    )
    assert empty.status_code == 400 and '<a href="#takedown-id">' in empty.get_data(as_text=True)


def test_admin_creates_a_campaign(ctx, admin_client):
    token = csrf_token(admin_client, "/admin/campaigns")
    created = admin_client.post(
        "/admin/campaigns",
        data={"csrf_token": token, "name": "Inovasi Banjir 2021", "opens_on": "2021-01-01",
              "closes_on": "2021-06-30", "description": "Tanggap banjir"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Kampanye Inovasi Banjir 2021 ditambahkan." in created.get_data(as_text=True)
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == "Inovasi Banjir 2021"))
    assert campaign is not None and campaign.slug == "inovasi-banjir-2021"
    assert str(campaign.closes_on) == "2021-06-30"
    # a clash or closing before opening: the form again, with what was typed
    flask_babel.refresh()
    again = admin_client.post(
        "/admin/campaigns?lang=en",
        data={"csrf_token": token, "name": "Inovasi Banjir 2021", "description": "kedua"},
    )
    html = again.get_data(as_text=True)
    assert again.status_code == 400
    assert '<a href="#campaign-name">' in html and "exists already" in html
    assert "\nkedua</textarea>" in html
    backwards = admin_client.post(
        "/admin/campaigns",
        data={"csrf_token": token, "name": "Mundur", "opens_on": "2021-06-30",
              "closes_on": "2021-01-01"},
    )  # fmt: skip
    html = backwards.get_data(as_text=True)
    assert backwards.status_code == 400 and '<a href="#campaign-closes">' in html
    assert 'value="Mundur"' in html and 'value="2021-06-30"' in html
    assert admin_client.post("/admin/campaigns", data={"name": "x"}).status_code == 400


def test_admin_invites_a_user(app, ctx, admin_client):
    token = csrf_token(admin_client, "/admin/users")
    invited = admin_client.post(
        "/admin/users/invite",
        data={"csrf_token": token, "email": "Kurator.Baru@Example.org", "role": "curator",
              "organization": "Kementerian PANRB"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Undangan dikirim ke kurator.baru@example.org." in invited.get_data(as_text=True)
    user = accounts.find_user("kurator.baru@example.org")
    assert user is not None and user.role == "curator" and user.password_hash == ""
    assert user.organization is not None and user.organization.name == "Kementerian PANRB"
    (message,) = [m for m in outbox(app) if m["To"] == "kurator.baru@example.org"]
    body = message.get_content()
    assert "admin@example.org" in body and "/reset/" in body
    # the link sets the password; then the invitee signs in
    link = re.search(r"http\S*/reset/(\S+)", body)
    assert link is not None
    accounts.reset_password(link.group(1), "Kurasi-Rahasia-2021")
    db.session.commit()
    assert accounts.authenticate("kurator.baru@example.org", "Kurasi-Rahasia-2021").id == user.id
    # an address taken already: the form again, with the summary and the fields kept
    again = admin_client.post(
        "/admin/users/invite",
        data={"csrf_token": token, "email": "kurator.baru@example.org", "role": "institution",
              "organization": "Dinas X"},
    )  # fmt: skip
    html = again.get_data(as_text=True)
    assert again.status_code == 400 and '<a href="#email">' in html
    assert 'value="Dinas X"' in html and _selected(html, "role") == "institution"
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_only_admins_create_campaigns_or_invite(ctx, client):
    make_user("kurator@example.org", "curator", org=None)
    login(client, "kurator@example.org")
    token = csrf_token(client, "/curate/inbox/")
    assert client.post("/admin/campaigns",
                       data={"csrf_token": token, "name": "X"}).status_code == 403  # fmt: skip
    invite = {"csrf_token": token, "email": "x@example.org", "role": "admin"}
    assert client.post("/admin/users/invite", data=invite).status_code == 403
    assert accounts.find_user("x@example.org") is None
    assert db.session.scalar(select(Campaign).where(Campaign.name == "X")) is None


def test_a_refused_edit_keeps_what_was_typed(ctx, admin_client):
    source = harvesting.add_source(name="feed", platform="rss",
                                   query="https://a.example/feed.xml", actor="t")  # fmt: skip
    db.session.commit()
    token = csrf_token(admin_client, "/admin/sources")
    refused = admin_client.post(
        f"/admin/sources/{source.id}",
        data={"csrf_token": token, "query": "https://b.example/baru.xml", "every": "5s",
              "token_env": "FEED_TOKEN"},
    )  # fmt: skip
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    section = html[html.index(f'id="source-{source.id}"') :]
    section = section[: section.index("</section>")]
    assert f'<a href="#token-{source.id}">' in section and "tidak memakai token" in section
    assert ">https://b.example/baru.xml</textarea>" in section
    assert 'value="5s"' in section and 'value="FEED_TOKEN"' in section
    assert f'id="enabled-{source.id}" name="enabled" value="y">' in section  # unticked, as sent
    db.session.refresh(source)
    assert source.query == "https://a.example/feed.xml" and source.every_seconds == 900
    # a bad interval, the token left empty: that field's message, in words
    again = admin_client.post(
        f"/admin/sources/{source.id}",
        data={"csrf_token": token, "query": "https://b.example/baru.xml", "every": "5s"},
    )
    assert f'<a href="#every-{source.id}">Interval: Interval paling singkat 30 detik.' in (
        again.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    ("lang", "field", "value", "message"),
    [
        ("id", "base_url", "http://mastodon.example", "Alamat harus diawali https://."),
        ("en", "base_url", "http://mastodon.example", "The address must start with https://."),
        ("id", "token_env", "token", "Nama variabel token ditulis huruf besar dan diawali"),
        ("en", "token_env", "token", "The token variable&#39;s name is upper case"),
    ],
)
def test_the_source_policy_speaks_the_reader_s_language(
    ctx, admin_client, lang, field, value, message
):
    token = csrf_token(admin_client, "/admin/sources")
    flask_babel.refresh()  # the test's app context holds the locale of earlier requests
    data = {**MASTODON, "base_url": "https://mastodon.example", field: value}
    refused = admin_client.post(f"/admin/sources?lang={lang}", data={"csrf_token": token, **data})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert message in html
    assert "must start with https://" not in html if lang == "id" else "diawali" not in html
