"""Reports in a real browser, at desktop and phone widths: a citizen reports a problem with a
photo, follows it with the code and secret from another browser, the institution answers with
evidence, the reporter closes and rates it. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import pytest

from registry.extensions import db
from registry.services import reports
from tests.accounts_helpers import make_user
from tests.reports_helpers import REPORTER, exif_jpeg
from tests.web.test_browser import CHROMIUM, live_server, login, playwright_api, shot

__all__ = ["live_server"]  # the fixture, shared with the catalogue's browser test

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_report_follow_answer_close(live_server, tmp_path, width):
    base, app = live_server
    photo = tmp_path / "puskesmas.jpg"
    photo.write_bytes(exif_jpeg())
    with app.app_context():
        make_user("dinkes@example.org", "institution", org="Dinas Kesehatan Kota Bandung")
        db.session.commit()
    size = WIDTHS[width]
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            # JavaScript off: the form and the picker must work without it
            citizen = browser.new_context(
                locale="id-ID", viewport=size, java_script_enabled=False
            ).new_page()
            citizen.goto(f"{base}/lapor")
            citizen.select_option("#kind", "pengaduan")
            citizen.select_option("#category", "kesehatan")
            citizen.fill("#title", "Puskesmas tutup tanpa pengumuman")
            citizen.fill("#body", "Puskesmas kecamatan tutup tiga hari tanpa pengumuman.")
            citizen.select_option("#province", "32")
            citizen.select_option("#regency", "32.73")
            citizen.check("#anonymous")
            citizen.fill("#name", REPORTER["name"])
            citizen.fill("#email", REPORTER["email"])
            citizen.set_input_files("#attachments", str(photo))
            shot(citizen, f"reports-01-form-{width}")
            citizen.click("form.form button[type=submit]")
            citizen.wait_for_selector(".tracking-code")
            code = citizen.inner_text(".tracking-code").strip()
            secret = citizen.inner_text(".report-secret").strip()
            shot(citizen, f"reports-02-received-{width}")
            # no horizontal scrolling on a phone
            assert citizen.evaluate("document.documentElement.scrollWidth") <= size["width"] + 1

            with app.app_context():
                report = reports.find(code)
                assert report is not None
                curator = make_user("kurator2@example.org", "curator", org=None)
                reports.act(report, "verify", actor=reports.Actor.of(curator))
                reports.act(
                    report, "dispose", actor=reports.Actor.of(curator), to="dinkes@example.org"
                )
                db.session.commit()

            # the institution answers with evidence; it never sees who reported
            institution = browser.new_context(locale="id-ID", viewport=size).new_page()
            login(institution, base, "dinkes@example.org")
            institution.goto(f"{base}/my/reports/")
            institution.click("text=Puskesmas tutup tanpa pengumuman")
            institution.wait_for_selector("text=Pelapor meminta identitasnya dirahasiakan.")
            assert REPORTER["name"] not in institution.content()
            institution.fill("#text", "Puskesmas dibuka kembali; jadwal diumumkan di papan depan.")
            institution.set_input_files("#attachments", str(photo))
            shot(institution, f"reports-03-institution-{width}")
            institution.click("form.form button[type=submit]")
            institution.wait_for_selector("text=Tanggapan terkirim ke pelapor.")

            # the reporter, from another browser, opens it with the code and secret
            other = browser.new_context(
                locale="id-ID", viewport=size, java_script_enabled=False
            ).new_page()
            other.goto(f"{base}/lapor")
            other.fill("#track-code", code)
            other.fill("#track-secret", secret)
            other.click("section form button[type=submit]")
            other.wait_for_selector("text=Puskesmas dibuka kembali")
            other.check("input[name=rating][value='5']")
            shot(other, f"reports-04-tracking-{width}")
            other.click("text=Selesai dan tutup laporan")
            other.wait_for_selector("text=Terima kasih, laporan ditutup.")
            assert other.evaluate("document.documentElement.scrollWidth") <= size["width"] + 1
            with app.app_context():
                closed = reports.find(code)
                assert closed is not None and closed.status == "closed" and closed.rating == 5
        finally:
            browser.close()
