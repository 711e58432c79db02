"""The curators' report queue by keyboard in a real browser (Playwright driving Debian's
Chromium): j/k move, v and d only ask until Enter, Escape or another key says no, r asks for the
reason (1-3) and then for Enter; the steps land on the current report and the queue comes back
at the same place. No dialog opens. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

from typing import Any

from registry.extensions import db
from registry.services import reports
from tests.accounts_helpers import make_user
from tests.reports_helpers import days_ago, report_data
from tests.web.test_browser import CHROMIUM, live_server, login, playwright_api, shot

__all__ = ["live_server"]

ROWS = "rows => rows.map(r => r.dataset.report)"
CURRENT = (
    "() => { const r = document.querySelector('tr[aria-current=\"true\"]');"
    " return r ? r.dataset.report : null; }"
)


def _status(app: Any, code: str) -> str:
    with app.app_context():
        report = reports.find(code)
        assert report is not None
        db.session.refresh(report)
        return report.status


def _go_to(page: Any, code: str) -> None:
    order = page.eval_on_selector_all("tr[data-report]", ROWS)
    here = page.evaluate(CURRENT)
    steps = order.index(code) - (order.index(here) if here else -1)
    for _ in range(abs(steps)):
        page.keyboard.press("j" if steps > 0 else "k")
    assert page.evaluate(CURRENT) == code


def test_the_report_queue_by_keyboard(live_server):
    base, app = live_server
    with app.app_context():
        curator = make_user("kurator2@example.org", "curator", org=None)
        dinsos = make_user("dinsos@example.org", "institution", org="Dinas Sosial Kota Bandung")
        reports.add_route("bantuan-sosial", dinsos.email, region="32")
        late, _ = reports.create(report_data(title="Paling terlambat"), now=days_ago(3))
        suggested, _ = reports.create(report_data(title="Ada usulan"), now=days_ago(2))
        reports.act(suggested, "verify", actor=reports.Actor.of(curator))
        spam, _ = reports.create(report_data(title="Iklan obat", category="kesehatan"))
        db.session.commit()
        codes = {"late": late.tracking_code, "suggested": suggested.tracking_code}
        codes["spam"] = spam.tracking_code
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_context(
                locale="id-ID", viewport={"width": 1280, "height": 900}
            ).new_page()
            dialogs: list[str] = []

            def dismiss(dialog: Any) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", dismiss)
            login(page, base, "kurator2@example.org")
            page.goto(f"{base}/curate/reports/")
            assert "j/k pindah" in page.inner_text("#queue-keys")
            prompt = page.locator("#queue-confirm")
            # v asks; Escape says no, and so does any other key
            _go_to(page, codes["late"])
            page.keyboard.press("v")
            assert prompt.is_visible() and "Verifikasi: 1 laporan" in prompt.inner_text()
            shot(page, "report-queue-01-confirm")
            page.keyboard.press("Escape")
            assert prompt.is_hidden()
            page.keyboard.press("v")
            page.keyboard.press("k")
            assert prompt.is_hidden() and _status(app, codes["late"]) == "received"
            # v then Enter verifies the current report; the queue comes back at its place
            _go_to(page, codes["late"])
            page.keyboard.press("v")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert _status(app, codes["late"]) == "verified"
            assert page.evaluate(CURRENT) == codes["late"]
            assert "1 laporan diproses, 0 tidak." in page.content()
            # d disposes to the suggested institution, after Enter
            _go_to(page, codes["suggested"])
            page.keyboard.press("d")
            assert "Disposisikan ke instansi usulan: 1 laporan" in prompt.inner_text()
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert _status(app, codes["suggested"]) == "disposed"
            # r asks for the reason (1-3), then for Enter
            _go_to(page, codes["spam"])
            page.keyboard.press("r")
            assert page.evaluate("() => document.activeElement.id") == "bulk-reason"
            page.keyboard.press("1")
            assert "Tolak (1 · Spam): 1 laporan" in prompt.inner_text()
            assert _status(app, codes["spam"]) == "received"
            shot(page, "report-queue-02-reject")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert _status(app, codes["spam"]) == "rejected"
            with app.app_context():
                rejected = reports.find(codes["spam"])
                assert rejected is not None and rejected.reject_reason == "spam"
            assert dialogs == []
        finally:
            browser.close()
