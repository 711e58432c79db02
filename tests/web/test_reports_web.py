"""The report pages: /lapor, /lapor/<code>, /laporan, the curators' and institutions' queues,
the admins' routing rules; privacy on every page."""

from __future__ import annotations

import io
import re

import pytest

from registry.extensions import db
from registry.services import reports
from tests.accounts_helpers import csrf_token, login, make_user
from tests.reports_helpers import REPORTER, days_ago, exif_jpeg, report_data

CODE_RE = re.compile(r'class="tracking-code">([A-Z2-9-]+)<')
SECRET_RE = re.compile(r'class="report-secret">([^<]+)<')


def _form(client, **fields):
    token = csrf_token(client, "/lapor")
    data = {
        "csrf_token": token,
        "kind": "pengaduan",
        "category": "bantuan-sosial",
        "title": "Bantuan sembako belum diterima",
        "body": "Sudah dua bulan keluarga kami belum menerima bantuan sembako.",
        "province": "32",
        "regency": "32.73",
        "occurred_on": "2020-05-02",
        "name": REPORTER["name"],
        "email": REPORTER["email"],
        "phone": "",
        "website": "",
    }
    data.update(fields)
    return client.post("/lapor", data=data, content_type="multipart/form-data")


@pytest.fixture
def people(app):
    with app.app_context():
        make_user("kurator@example.org", "curator", org=None)
        make_user("dinsos@example.org", "institution", org="Dinas Sosial Kota Bandung")
        make_user("lain@example.org", "institution", org="Dinas Lain")
        make_user("admin@example.org", "admin", org=None)


def test_the_form_works_without_script_and_shows_code_and_secret_once(app, client):
    page = client.get("/lapor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script" not in html
    assert '<optgroup label="Jawa Barat">' in html and 'value="32.73"' in html
    assert 'name="website"' in html and 'name="csrf_token"' in html
    assert "Rahasiakan identitas saya dari instansi" in html
    response = _form(client, attachments=(io.BytesIO(exif_jpeg()), "foto.jpg"))
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    code, secret = CODE_RE.findall(html)[0], SECRET_RE.findall(html)[0]
    with app.app_context():
        report = reports.find(code)
        assert report is not None and reports.secret_matches(report, secret)
        assert secret not in report.secret_hash and len(report.attachments) == 1
    # the same browser follows it at once; the secret is never shown again
    tracking = client.get(f"/lapor/{code}").get_data(as_text=True)
    assert "Bantuan sembako belum diterima" in tracking and secret not in tracking
    # another browser needs the secret: typed in, or the mailed link
    other = app.test_client()
    locked = other.get(f"/lapor/{code}")
    assert locked.status_code == 200 and "Bantuan sembako" not in locked.get_data(as_text=True)
    assert other.get(f"/lapor/{code}?secret=salah").status_code == 404
    link = other.get(f"/lapor/{code}?secret={secret}")
    assert link.status_code == 302 and link.headers["Location"].endswith(f"/lapor/{code}")
    assert "Bantuan sembako" in other.get(f"/lapor/{code}").get_data(as_text=True)
    third = app.test_client()
    token = csrf_token(third, "/lapor")
    wrong = third.post("/lapor/lacak", data={"csrf_token": token, "code": code, "secret": "x"})
    assert wrong.status_code == 404
    right = third.post(
        "/lapor/lacak", data={"csrf_token": token, "code": code.lower(), "secret": secret}
    )
    assert right.status_code == 302
    # a file of the report: for the reporter's browser, not for a stranger
    file_url = f"/lapor/{code}/berkas/{report.attachments[0].id}"
    served = third.get(file_url)
    assert served.status_code == 200 and b"GPSLatitude" not in served.data
    served.close()
    assert app.test_client().get(file_url).status_code == 404


def test_bad_input_honeypot_csrf_and_rate_limit(app, client):
    app.config["REPORT_RATE_LIMIT"] = "3 per hour"
    bad = _form(client, regency="33.01")
    assert bad.status_code == 400
    assert "tidak berada di provinsi yang dipilih" in bad.get_data(as_text=True)
    assert _form(client, body="x" * 10_001).status_code == 400
    assert _form(client, category="").status_code == 400
    wrong_file = _form(client, attachments=(io.BytesIO(b"MZ\x90\x00"), "foto.jpg"))
    assert wrong_file.status_code == 400
    bot = _form(client, website="http://spam.example")
    assert bot.status_code == 302
    no_csrf = client.post("/lapor", data={"kind": "pengaduan", "title": "x"})
    assert no_csrf.status_code == 400
    with app.app_context():
        assert reports.curator_queue(reports.Filters()).total == 0
    # corrections did not count; the bot's answer counted once already; two more, then 429
    assert _form(client).status_code == 201
    assert _form(client).status_code == 201
    assert _form(client).status_code == 429


def test_curator_institution_and_reporter_pages(app, client, people):
    with app.app_context():
        named, named_secret = reports.create(report_data(title="Dengan nama"))
        hidden, hidden_secret = reports.create(
            report_data(title="Tanpa nama", anonymous=True), now=days_ago(3)
        )
        reports.add_route("bantuan-sosial", "dinsos@example.org", region="32.73")
        db.session.commit()
        named_code, hidden_code = named.tracking_code, hidden.tracking_code
    curator = app.test_client()
    login(curator, "kurator@example.org")
    queue = curator.get("/curate/reports/").get_data(as_text=True)
    assert queue.index("Tanpa nama") < queue.index("Dengan nama")  # overdue first
    assert "terlambat" in queue
    page = curator.get(f"/curate/reports/{hidden_code}").get_data(as_text=True)
    assert REPORTER["email"] in page  # curators see who reported
    assert re.search(r'<option value="dinsos@example.org" selected>', page)  # the rule's pick
    token = csrf_token(curator, f"/curate/reports/{hidden_code}")
    curator.post(
        f"/curate/reports/{hidden_code}",
        data={"csrf_token": token, "action": "verify_dispose", "to": "dinsos@example.org"},
    )
    bulk = curator.post(
        "/curate/reports/bulk",
        data={"csrf_token": token, "action": "verify", "codes": [named_code, hidden_code]},
    )
    assert bulk.status_code == 302
    curator.post(
        "/curate/reports/bulk",
        data={"csrf_token": token, "action": "dispose_suggested", "codes": [named_code]},
    )
    with app.app_context():
        assert reports.find(hidden_code).status == "disposed"  # type: ignore[union-attr]
        assert reports.find(named_code).status == "disposed"  # type: ignore[union-attr]
    # the institution: its queue by due time, the anonymous reporter hidden
    dinsos = app.test_client()
    login(dinsos, "dinsos@example.org")
    mine = dinsos.get("/my/reports/").get_data(as_text=True)
    assert mine.index("Tanpa nama") < mine.index("Dengan nama")
    hidden_page = dinsos.get(f"/my/reports/{hidden_code}").get_data(as_text=True)
    assert REPORTER["name"] not in hidden_page and REPORTER["email"] not in hidden_page
    assert "Pelapor meminta identitasnya dirahasiakan" in hidden_page
    assert REPORTER["name"] in dinsos.get(f"/my/reports/{named_code}").get_data(as_text=True)
    other = app.test_client()
    login(other, "lain@example.org")
    assert other.get(f"/my/reports/{hidden_code}").status_code == 404
    assert other.get("/curate/reports/").status_code == 403
    token = csrf_token(dinsos, f"/my/reports/{hidden_code}")
    answered = dinsos.post(
        f"/my/reports/{hidden_code}",
        data={
            "csrf_token": token,
            "text": "Bantuan sudah diantar petugas kelurahan.",
            "attachments": (io.BytesIO(b"%PDF-1.4 bukti"), "bukti.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert answered.status_code == 302
    # the reporter reads the answer, and closes with a rating
    reporter = app.test_client()
    reporter.get(f"/lapor/{hidden_code}?secret={hidden_secret}")
    page = reporter.get(f"/lapor/{hidden_code}").get_data(as_text=True)
    assert "Bantuan sudah diantar petugas kelurahan." in page and "bukti.pdf" in page
    token = csrf_token(reporter, f"/lapor/{hidden_code}")
    reporter.post(
        f"/lapor/{hidden_code}/langkah",
        data={"csrf_token": token, "action": "close", "rating": "5"},
    )
    with app.app_context():
        closed = reports.find(hidden_code)
        assert closed is not None and closed.status == "closed" and closed.rating == 5
    # a stranger cannot take the reporter's steps
    stranger = app.test_client()
    token = csrf_token(stranger, "/lapor")
    step = stranger.post(
        f"/lapor/{named_code}/langkah", data={"csrf_token": token, "action": "close"}
    )
    assert step.status_code == 404
    # the public list: verified ones, no identity
    public = client.get("/laporan").get_data(as_text=True)
    assert "Tanpa nama" in public and "Bantuan sudah diantar petugas kelurahan." in public
    assert REPORTER["name"] not in public and REPORTER["email"] not in public
    assert "Dengan nama" in client.get("/laporan?category=bantuan-sosial&province=32").get_data(
        as_text=True
    )
    assert "Dengan nama" not in client.get("/laporan?status=closed").get_data(as_text=True)
    assert client.get("/laporan?category=sepakbola").status_code == 400
    assert named_secret not in public


def test_admin_routing_rules_page(app, client, people):
    admin = app.test_client()
    login(admin, "admin@example.org")
    token = csrf_token(admin, "/admin/reports/routes")
    admin.post(
        "/admin/reports/routes",
        data={
            "csrf_token": token,
            "category": "kesehatan",
            "region": "32",
            "words": "puskesmas",
            "to": "dinsos@example.org",
        },
    )
    page = admin.get("/admin/reports/routes").get_data(as_text=True)
    assert "puskesmas" in page and "dinsos@example.org" in page
    curator = app.test_client()
    login(curator, "kurator@example.org")
    assert curator.get("/admin/reports/routes").status_code == 403


def test_stats_and_the_innovation_page_show_reports(app, client, people, innovation_data):
    from registry.services import catalogue
    from tests.reports_helpers import walk_to

    with app.app_context():
        from registry.services import accounts

        curator = accounts.find_user("kurator@example.org")
        owner = accounts.find_user("dinsos@example.org")
        row = catalogue.create(innovation_data(), actor="t", status="published")
        row.owner_id = owner.id  # type: ignore[union-attr]
        db.session.flush()
        about, _ = reports.create(report_data(innovation=row.id, category="kesehatan"))
        db.session.refresh(about)
        assert reports.suggest(about) == owner  # reports about it route to its institution
        walk_to(about, "responded", curator, owner)  # type: ignore[arg-type]
        secret_one, _ = reports.create(
            report_data(innovation=row.id, title="Rahasia puskesmas", confidential=True)
        )
        walk_to(secret_one, "verified", curator, owner)  # type: ignore[arg-type]
        db.session.commit()
        slug = row.slug
    page = client.get(f"/innovations/{slug}").get_data(as_text=True)
    assert "1 laporan tentang inovasi ini" in page and "Kesehatan (1)" in page
    assert "Rahasia puskesmas" not in page and REPORTER["name"] not in page
    assert f"/lapor?innovation={row.id}" in page
    stats = client.get("/stats").get_data(as_text=True)
    assert "Laporan masyarakat" in stats and "Ditindaklanjuti" in stats
    figures = client.get("/api/v1/stats").get_json()["reports"]
    assert figures["total"] == 2 and figures["followed_up"] == 1
    assert figures["by_category"] == {"kesehatan": 1, "bantuan-sosial": 1}
    assert figures["by_month"][0]["total"] == 2
    assert "median_dispose_hours" in figures and "responded_on_time_share" in figures


def test_no_report_reaches_feeds_exports_or_the_sitemap(app, client, people):
    from tests.reports_helpers import walk_to

    with app.app_context():
        from registry.services import accounts

        curator = accounts.find_user("kurator@example.org")
        dinsos = accounts.find_user("dinsos@example.org")
        hidden, _ = reports.create(report_data(title="Laporan rahasia sekali", confidential=True))
        shown, _ = reports.create(report_data(title="Laporan terbuka biasa", anonymous=True))
        for row in (hidden, shown):
            walk_to(row, "responded", curator, dinsos)  # type: ignore[arg-type]
        db.session.commit()
    for path in (
        "/feed.atom",
        "/sitemap.xml",
        "/api/v1/innovations.csv",
        "/api/v1/innovations.json",
        "/api/v1/innovations",
        "/search?q=laporan",
        "/",
        "/stats",
        "/api/v1/stats",
        "/laporan",
        "/api/v1/reports",
    ):
        response = client.get(path)
        body = response.get_data(as_text=True)
        response.close()
        assert "Laporan rahasia sekali" not in body, path
        assert REPORTER["name"] not in body and REPORTER["email"] not in body, path
        assert REPORTER["phone"] not in body, path
    assert "Laporan terbuka biasa" in client.get("/laporan").get_data(as_text=True)
