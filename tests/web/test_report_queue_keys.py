"""The curators' report queue is ready for its keyboard script (report-queue.js): the keys are
listed on the page, every row carries its code, the reasons their numbers, and a bulk step
returns to the queue with the filters and page it was taken on."""

from __future__ import annotations

from registry.extensions import db
from registry.services import reports
from tests.accounts_helpers import csrf_token, login
from tests.reports_helpers import days_ago, people, report_data


def test_the_queue_lists_its_keys_and_marks_its_rows(app):
    with app.app_context():
        curator, dinsos, _ = people()
        reports.add_route("bantuan-sosial", dinsos.email, region="32.73")
        suggested, _ = reports.create(report_data(title="Usulan ada"), now=days_ago(2))
        reports.act(suggested, "verify", actor=reports.Actor.of(curator))
        plain, _ = reports.create(report_data(title="Belum diverifikasi", category="kesehatan"))
        db.session.commit()
        suggested_code, plain_code = suggested.tracking_code, plain.tracking_code
    client = app.test_client()
    login(client, "kurator@example.org")
    html = client.get("/curate/reports/").get_data(as_text=True)
    assert "js/report-queue.js" in html and 'id="queue-keys"' in html
    assert "j/k pindah" in html and "Enter untuk melanjutkan, Esc untuk batal" in html
    assert f'data-report="{suggested_code}" tabindex="-1" data-suggested>' in html
    assert f'data-report="{plain_code}" tabindex="-1">' in html
    assert 'id="queue-confirm" role="alert" hidden' in html
    assert '<option value="spam">1 · Spam</option>' in html
    english = app.test_client()
    login(english, "kurator@example.org")
    page = english.get("/curate/reports/?lang=en").get_data(as_text=True)
    assert "Keyboard shortcuts: j/k move" in page, page[:200]
    # a bulk step comes back to the same filtered page
    token = csrf_token(client, "/curate/reports/?category=kesehatan")
    back = client.post(
        "/curate/reports/bulk",
        data={
            "csrf_token": token,
            "action": "verify",
            "codes": [plain_code],
            "back": "category=kesehatan&page=1",
        },
    )
    assert back.status_code == 302
    assert back.headers["Location"].endswith("/curate/reports/?category=kesehatan&page=1")
    with app.app_context():
        assert reports.find(plain_code).status == "verified"  # type: ignore[union-attr]
    outside = client.post(
        "/curate/reports/bulk",
        data={"csrf_token": token, "action": "verify", "codes": [], "back": "//evil.example/x"},
    )
    assert outside.headers["Location"].startswith("/curate/reports/")
