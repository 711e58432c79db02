"""Sign-up, the submission form, the curator's pages, and the security rules, on the web."""

from __future__ import annotations

import email
import email.policy
import io
import re
from pathlib import Path

import flask_babel
import pytest

from registry.extensions import db
from registry.models import Attachment, Innovation, LoginAttempt
from registry.services import harvesting, review
from tests.accounts_helpers import PASSWORD, csrf_token, form_data, login, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def outbox(app) -> list[str]:
    """The bodies of the mails written to the outbox, oldest first."""
    folder = Path(app.instance_path) / "outbox"
    if not folder.exists():
        return []
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]
    return [str(m.get_content()) for m in messages]


def new_submission(client, data, action="submit", attachment=None):
    token = csrf_token(client, "/my/new")
    payload = {**form_data(data), "csrf_token": token, "action": action}
    if attachment is not None:
        payload["attachment"] = attachment
    return client.post("/my/new", data=payload, content_type="multipart/form-data")


def test_signup_confirm_login_submit_with_attachment(app, client, ctx, innovation_data):
    token = csrf_token(client, "/signup")
    response = client.post(
        "/signup",
        data={
            "csrf_token": token,
            "email": "desa@example.org",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "organization": "Pemerintah Desa Sukamaju",
            "innovator_type": "masyarakat-sipil",
            "province": "32",
            "regency": "32.73",
            "agree": "y",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert login(client, "desa@example.org").status_code == 401  # not confirmed yet
    link = re.search(r"http://localhost(/confirm/\S+)", outbox(app)[-1])
    assert link, outbox(app)
    assert client.get(link.group(1)).status_code == 302
    assert login(client, "desa@example.org").headers["Location"] == "/my"

    form = client.get("/my/new").get_data(as_text=True)
    assert 'name="title"' in form and 'name="sectors"' in form and 'name="regency"' in form
    response = new_submission(
        client, innovation_data(), attachment=(io.BytesIO(PDF), "laporan.pdf")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    row = db.session.scalars(db.select(Innovation)).one()
    assert row.status == "submitted" and row.owner.email == "desa@example.org"
    assert [a.content_type for a in row.attachments] == ["application/pdf"]
    stored = Path(app.instance_path) / "uploads" / row.attachments[0].stored_name
    assert stored.read_bytes() == PDF and "laporan" not in stored.name
    page = client.get(f"/my/{row.id}").get_data(as_text=True)
    assert "laporan.pdf" in page and "WIB" in page

    with client.get(f"/files/{row.attachments[0].id}/laporan.pdf") as served:
        assert served.status_code == 200 and served.data == PDF
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in served.headers["Content-Disposition"]
        assert "sandbox" in served.headers["Content-Security-Policy"]


def test_draft_then_edit_until_review_starts(app, client, ctx, innovation_data):
    make_user("instansi@example.org")
    curator = make_user("kurator@example.org", "curator", org=None)
    login(client, "instansi@example.org")
    assert new_submission(client, {"title": "Judul saja"}, action="draft").status_code == 302
    row = db.session.scalars(db.select(Innovation)).one()
    assert row.status == "draft"
    # submitting the incomplete draft shows what is missing, in Indonesian
    token = csrf_token(client, f"/my/{row.id}/edit")
    page = client.post(
        f"/my/{row.id}/edit",
        data={**form_data({"title": "Judul saja"}), "csrf_token": token, "action": "submit"},
    )
    assert page.status_code == 400 and "Wajib diisi" in page.get_data(as_text=True)
    data = {**form_data(innovation_data(title="Judul saja")), "csrf_token": token}
    assert client.post(f"/my/{row.id}/edit", data={**data, "action": "submit"}).status_code == 302
    db.session.refresh(row)
    assert row.status == "submitted"
    assert client.get(f"/my/{row.id}/edit").status_code == 200  # still editable
    review.decide(row, "acknowledge", actor=curator)
    db.session.commit()
    response = client.get(f"/my/{row.id}/edit")
    assert response.status_code == 302  # review started: no more edits


def test_curator_requests_revision_and_publishes(app, client, ctx, innovation_data):
    owner = make_user("instansi@example.org")
    make_user("kurator@example.org", "curator", org=None)
    row = review.create_submission(innovation_data(), owner=owner)
    db.session.commit()
    login(client, "kurator@example.org")
    queue = client.get("/curate/").get_data(as_text=True)
    assert row.title in queue
    token = csrf_token(client, f"/curate/{row.id}")
    response = client.post(
        f"/curate/{row.id}",
        data={"csrf_token": token, "decision": "request_revision", "note": "Tambah angka hasil."},
    )
    assert response.status_code == 302
    assert "Tambah angka hasil." in outbox(app)[-1]
    db.session.refresh(row)
    assert row.status == "revision_requested"
    review.submit(row, actor=owner)
    db.session.commit()
    token = csrf_token(client, "/curate/")
    response = client.post(
        "/curate/bulk", data={"csrf_token": token, "ids": [str(row.id)], "decision": "publish"}
    )
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.status == "published"
    assert client.get(f"/innovations/{row.slug}").status_code == 200
    # an institution may not open the queue
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "instansi@example.org")
    assert client.get("/curate/").status_code == 403


def test_csrf_on_every_form(app, client, ctx, innovation_data):
    """Every POST route outside the token-authenticated API refuses a post without a token."""
    curator = make_user("kurator@example.org", "curator", org="Kurator")
    row = review.create_submission(innovation_data(), owner=curator, draft=True)
    db.session.add(
        Attachment(
            innovation=row,
            stored_name="x.png",
            original_name="x.png",
            content_type="image/png",
            size=1,
            sha256="0" * 64,
        )
    )
    db.session.commit()
    login(client, "kurator@example.org")
    before = [(i.id, i.status, len(i.events)) for i in db.session.scalars(db.select(Innovation))]
    args = {
        "innovation_id": row.id,
        "attachment_id": row.attachments[0].id,
        "token": "t",
        "user_id": curator.id,
        "token_id": 1,
        "campaign_id": 1,
        "slug": row.slug,
        "replication_id": 1,
        "action": "deactivate",
        "code": "ABCD-EFGH-JKLM",  # a report tracking code
        "source_id": harvesting.add_source(
            name="feed", platform="rss", query="https://a.example/feed.xml", actor="test"
        ).id,
    }
    db.session.commit()
    checked = []
    for rule in app.url_map.iter_rules():
        # the token APIs (their own blueprints are CSRF-exempt: they never read the cookie)
        if "POST" not in (rule.methods or ()) or rule.endpoint.startswith(
            ("api.", "replication_api.", "subscriptions_api.")
        ):
            continue
        url = rule.rule
        for name, value in args.items():
            url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(value), url)
        assert "<" not in url, f"no test value for a parameter of {url}"
        response = client.post(url, data={"title": "x", "decision": "publish", "ids": [row.id]})
        assert response.status_code in (400, 302), (url, response.status_code)
        if response.status_code == 302:  # views that redirect with a message instead
            assert rule.endpoint in ("auth.logout", "curate.bulk"), url
        checked.append(rule.endpoint)
    assert {"auth.login", "auth.signup", "submit.new", "submit.edit", "curate.view"} <= set(checked)
    assert {
        "auth.delete_account",
        "submit.withdraw_update",
        "curate.update",
        "admin.change_role",
        "admin.set_active",
        "admin.campaign_dates",
        "public.contact_innovator",
        "auth.revoke_token",
    } <= set(checked)
    after = [(i.id, i.status, len(i.events)) for i in db.session.scalars(db.select(Innovation))]
    assert before == after
    assert client.get("/my").status_code == 200  # logout without a token did not log out


def test_institution_cannot_read_or_change_anothers_drafts(app, client, ctx, innovation_data):
    owner = make_user("instansi@example.org")
    make_user("lain@example.org", org="Pemerintah Kota Lain")
    row = review.create_submission(innovation_data(), owner=owner, draft=True)
    db.session.add(
        Attachment(
            innovation=row,
            stored_name="y.png",
            original_name="y.png",
            content_type="image/png",
            size=1,
            sha256="0" * 64,
        )
    )
    db.session.commit()
    login(client, "lain@example.org")
    token = csrf_token(client, "/my")
    assert client.get(f"/my/{row.id}").status_code == 404
    assert client.get(f"/my/{row.id}/edit").status_code == 404
    data = {**form_data(innovation_data(title="Dibajak")), "csrf_token": token}
    assert client.post(f"/my/{row.id}/edit", data=data).status_code == 404
    assert client.post(f"/my/{row.id}/submit", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/files/{row.attachments[0].id}/y.png").status_code == 404
    db.session.refresh(row)
    assert row.title != "Dibajak" and row.status == "draft"


def test_public_sees_only_published(app, client, ctx, innovation_data):
    owner = make_user("instansi@example.org")
    rows = {
        status: review.create_submission(
            innovation_data(title=f"Inovasi {status}"), owner=owner, draft=status == "draft"
        )
        for status in ("draft", "submitted")
    }
    db.session.commit()
    for row in rows.values():
        assert client.get(f"/innovations/{row.slug}").status_code == 404
        assert client.get(f"/api/v1/innovations/{row.id}").status_code == 404
        assert client.get(f"/my/{row.id}").status_code == 302  # to the login page
    results = client.get("/api/v1/innovations?q=inovasi").json
    assert results["total"] == 0
    assert "Inovasi submitted" not in client.get("/api/v1/innovations.csv").get_data(as_text=True)


def test_script_and_html_in_every_text_field_come_back_escaped(app, client, ctx, innovation_data):
    owner = make_user("instansi@example.org")
    curator = make_user("kurator@example.org", "curator", org=None)
    fields = [
        "title",
        "summary",
        "background",
        "innovation",
        "implementation",
        "results",
        "adaptability",
        "resources",
        "sustainability",
        "innovator_name",
        "unit",
    ]
    data = innovation_data(**{f: f"{f} {XSS}" for f in fields})
    row = review.create_submission(data, owner=owner)
    review.decide(row, "request_revision", actor=curator, note=f"catatan {XSS}")
    review.submit(row, actor=owner)
    review.decide(row, "publish", actor=curator)
    db.session.commit()
    pages = {"public": client.get(f"/innovations/{row.slug}").get_data(as_text=True)}
    login(client, "kurator@example.org")
    pages["curator"] = client.get(f"/curate/{row.id}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "instansi@example.org")
    pages["owner"] = client.get(f"/my/{row.id}").get_data(as_text=True)
    pages["owner_list"] = client.get("/my").get_data(as_text=True)
    for name, page in pages.items():
        assert "<script>alert" not in page, name
        assert "<img src=x" not in page, name
        assert "&lt;script&gt;" in page, name
    assert "catatan &lt;script&gt;" in pages["owner"]
    for field in fields:
        assert f"{field} &lt;script&gt;" in pages["curator"], field


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (EXE, "laporan.pdf", "Hanya gambar"),
        (PNG, "foto.pdf", "tidak cocok"),
        (b"", "kosong.pdf", "kosong"),
        (PDF + b"0" * 2048, "besar.pdf", "lebih besar"),
    ],
)
def test_wrong_upload_refused(app, client, ctx, innovation_data, content, name, message):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    make_user("instansi@example.org")
    login(client, "instansi@example.org")
    response = new_submission(client, innovation_data(), attachment=(io.BytesIO(content), name))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(Innovation).count() == 0
    assert not list((Path(app.instance_path) / "uploads").glob("*"))


def test_form_after_campaign_closed(client, ctx, innovation_data):
    make_user("instansi@example.org")
    login(client, "instansi@example.org")
    response = new_submission(client, innovation_data(campaign="COVID-19 2020"))
    assert response.status_code == 400
    assert "sudah ditutup" in response.get_data(as_text=True)
    assert db.session.query(Innovation).count() == 0


def test_form_bad_input_messages(client, ctx, innovation_data):
    make_user("instansi@example.org")
    login(client, "instansi@example.org")
    response = new_submission(
        client,
        innovation_data(
            summary="kata " * 10_000,
            started_on="2999-01-01",
            province="99",
            regency="",
            sectors=["astrologi"],
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Paling banyak 200 kata" in page
    assert "masa depan" in page and "Provinsi tidak dikenal" in page
    assert "Sektor tidak dikenal" in page
    token = csrf_token(client, "/my/new")
    # the test's app context is shared by its requests, so Flask-Babel's cached locale must go
    flask_babel.refresh()
    english = client.post(
        "/my/new?lang=en",
        data={
            **form_data(innovation_data(started_on="2999-01-01")),
            "csrf_token": token,
            "action": "submit",
        },
    )
    assert "future" in english.get_data(as_text=True)


def test_login_rate_limit_and_lockout(app, client, ctx):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    make_user("instansi@example.org")
    for _ in range(3):
        assert login(client, "instansi@example.org", "salah-salah-salah").status_code == 401
    assert login(client, "instansi@example.org", PASSWORD).status_code == 429
    # failures count per account and address (issue 17.14)
    attempt = db.session.scalars(db.select(LoginAttempt)).one()
    assert (attempt.email, attempt.failures) == ("instansi@example.org", 3)
