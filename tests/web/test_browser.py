"""The whole path in a real browser (Playwright driving Debian's Chromium):
an institution signs up, confirms, submits with an attachment; a curator requests a revision,
the institution answers, the curator publishes; the public finds it by search.

Screenshots go to test-artifacts/browser/ (git-ignored; CI keeps them as artifacts).
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.app import create_app
from registry.extensions import db
from registry.models import Innovation
from registry.services.setup import initialize
from tests.accounts_helpers import PASSWORD, make_user
from tests.browser_helpers import serving

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the browser tests need the `playwright` package (pip)"
)
if not CHROMIUM.exists():
    pytest.skip(
        "the browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, Any]]:

    app = create_app(
        {
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "INDEX_DIR": str(tmp_path / "index"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'registry.db'}",
            "SECRET_KEY": "browser-test",
            "SEARCH_WRITER_TIMEOUT": 5.0,
        }
    )
    with app.app_context():
        initialize(train_model=False)
        make_user("kurator@example.org", "curator", org=None)
    try:
        with serving(app) as base:
            yield base, app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        search = app.extensions.get("registry.search")
        if search is not None:
            search.close()


def last_mail_link(app: Any, path: str) -> str:
    folder = Path(app.instance_path) / "outbox"
    newest = sorted(folder.glob("*.eml"))[-1]
    message = email.message_from_bytes(newest.read_bytes(), policy=email.policy.default)
    body = message.get_content()
    match = re.search(rf"https?://\S+{path}\S+", body)
    assert match, body
    return match.group(0)


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page: Any, base: str, email_address: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email_address)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")


def test_register_review_publish_find(live_server, tmp_path):
    base, app = live_server
    evidence = tmp_path / "bukti-kegiatan.pdf"
    evidence.write_bytes(PDF)
    title = "Ambulans Desa Siaga Gotong Royong"
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            institution = browser.new_context(locale="id-ID").new_page()
            curator = browser.new_context(locale="id-ID").new_page()
            public = browser.new_context(locale="id-ID").new_page()

            # an institution signs up (the regency list follows the province) and confirms
            institution.goto(f"{base}/signup")
            institution.fill("#email", "desa@example.org")
            institution.fill("#password", PASSWORD)
            institution.fill("#password_again", PASSWORD)
            institution.fill("#organization", "Pemerintah Desa Sukamaju")
            institution.select_option("#innovator_type", "masyarakat-sipil")
            institution.select_option("#province", "32")
            institution.select_option("#regency", "32.73")
            institution.check("#agree")
            shot(institution, "01-signup")
            institution.click("form.form button[type=submit]")
            institution.wait_for_selector("text=Periksa email Anda")
            institution.goto(last_mail_link(app, "/confirm/"))
            institution.wait_for_selector("text=sudah dikonfirmasi")

            # ... logs in and submits with an attachment
            login(institution, base, "desa@example.org")
            institution.wait_for_url(f"{base}/my")
            institution.click("text=Daftarkan inovasi baru")
            institution.fill("#title", title)
            institution.fill(
                "#summary",
                "Mobil pikap warga diubah menjadi ambulans desa untuk mengantar pasien "
                "COVID-19 ke puskesmas, dikemudikan relawan bergiliran.",
            )
            institution.check("input[name=sectors][value=kesehatan]")
            institution.select_option("#focus", "cepat-tanggap")
            institution.select_option("#stage", "implementasi")
            institution.fill("#started_on", "2020-05-01")
            institution.set_input_files("#attachment", str(evidence))
            shot(institution, "02-submission-form")
            institution.click("button[name=action][value=submit]")
            institution.wait_for_selector("text=Terkirim untuk ditinjau")
            shot(institution, "03-submitted")
            with app.app_context():
                row = db.session.scalars(db.select(Innovation)).one()
                innovation_id = row.id
                assert row.status == "submitted" and len(row.attachments) == 1

            # a curator requests a revision
            login(curator, base, "kurator@example.org")
            curator.wait_for_url(f"{base}/curate/")
            shot(curator, "04-queue")
            curator.click(f"text={title}")
            curator.select_option("#decision", "request_revision")
            curator.fill("#note", "Mohon tambahkan jumlah pasien yang sudah diantar.")
            curator.click("form.form button[type=submit]")
            curator.wait_for_url(f"{base}/curate/")

            # the institution answers
            institution.goto(f"{base}/my/{innovation_id}/edit")
            institution.wait_for_selector("text=Mohon tambahkan jumlah pasien")
            institution.fill("#results", "312 pasien diantar dalam tiga bulan.")
            shot(institution, "05-revision")
            institution.click("button[name=action][value=submit]")
            institution.wait_for_selector("text=Terkirim untuk ditinjau")

            # the curator publishes
            curator.goto(f"{base}/curate/{innovation_id}")
            curator.select_option("#decision", "publish")
            curator.click("form.form button[type=submit]")
            curator.wait_for_url(f"{base}/curate/")

            # the public finds it by search
            public.goto(f"{base}/search?q=ambulans+desa")
            public.wait_for_selector(f"text={title}")
            shot(public, "06-search")
            public.click(f"text={title}")
            public.wait_for_selector("text=312 pasien")
            shot(public, "07-published")

            institution.goto(f"{base}/my/{innovation_id}")
            history = institution.inner_text("ol.history")
            for label in ("Draf", "Diajukan", "Perlu revisi", "Terbit"):
                assert label in history
        finally:
            browser.close()
