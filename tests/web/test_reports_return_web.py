"""/my/reports/: the institution's "not ours" returns a report to the curators, who are mailed."""

from __future__ import annotations

from registry.extensions import db
from registry.services import reports
from tests.accounts_helpers import csrf_token, login, make_user
from tests.reports_helpers import REPORTER, report_data, walk_to
from tests.web.test_contact_web import outbox


def test_not_ours_from_the_institution_page(app):
    with app.app_context():
        curator = make_user("kurator@example.org", "curator", org=None)
        dinsos = make_user("dinsos@example.org", "institution", org="Dinas Sosial Kota Bandung")
        make_user("lain@example.org", "institution", org="Dinas Lain")
        report, _ = reports.create(report_data(title="Sembako belum datang", anonymous=True))
        walk_to(report, "disposed", curator, dinsos)
        db.session.commit()
        code = report.tracking_code
    sent_before = len(outbox(app))
    other = app.test_client()
    login(other, "lain@example.org")
    token = csrf_token(other, "/my/reports/")
    refused = other.post(f"/my/reports/{code}/return", data={"csrf_token": token, "reason": "x"})
    assert refused.status_code == 404  # another institution's report is not found
    dinsos_client = app.test_client()
    login(dinsos_client, "dinsos@example.org")
    page = dinsos_client.get(f"/my/reports/{code}").get_data(as_text=True)
    assert "Bukan wewenang instansi kami" in page and f"/my/reports/{code}/return" in page
    token = csrf_token(dinsos_client, f"/my/reports/{code}")
    empty = dinsos_client.post(
        f"/my/reports/{code}/return", data={"csrf_token": token, "reason": ""}
    )
    assert empty.status_code == 302 and empty.headers["Location"].endswith(f"/my/reports/{code}")
    with app.app_context():
        assert reports.find(code).status == "disposed"  # type: ignore[union-attr]
    done = dinsos_client.post(
        f"/my/reports/{code}/return",
        data={"csrf_token": token, "reason": "Urusan Dinas Sosial Provinsi Jawa Barat."},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/my/reports/")
    queue = dinsos_client.get("/my/reports/").get_data(as_text=True)
    assert "Laporan dikembalikan ke kurator" in queue and "Sembako belum datang" not in queue
    assert dinsos_client.get(f"/my/reports/{code}").status_code == 404
    with app.app_context():
        back = reports.find(code)
        assert back is not None and back.status == "verified" and back.addressee_id is None
    # the curators hear of it at once, with the reason and the link; never the reporter's name
    mails = outbox(app)[sent_before:]
    [to_curator] = [m for m in mails if m["To"] == "kurator@example.org"]
    body = to_curator.get_content()
    assert "Dinas Sosial Kota Bandung" in body and "Urusan Dinas Sosial Provinsi" in body
    assert f"/curate/reports/{code}" in body and REPORTER["name"] not in body
    assert not [m for m in mails if m["To"] == REPORTER["email"]]  # an internal step
    # the curator reads the reason and sees the report at the head of the queue
    curator_client = app.test_client()
    login(curator_client, "kurator@example.org")
    view = curator_client.get(f"/curate/reports/{code}").get_data(as_text=True)
    assert "Urusan Dinas Sosial Provinsi Jawa Barat." in view
    assert "Sembako belum datang" in curator_client.get("/curate/reports/").get_data(as_text=True)
    # the reporter sees the step in the history, not the institution's note
    with app.app_context():
        back = reports.find(code)
        assert back is not None
        steps = reports.record(back, "reporter")["events"]
    assert [s["note"] for s in steps if s["action"] == "return"] == [""]


def test_not_ours_over_the_api(app, client):
    from tests.accounts_helpers import bearer, token_for

    with app.app_context():
        curator = make_user("kurator@example.org", "curator", org=None)
        dinsos = make_user("dinsos@example.org", "institution", org="Dinas Sosial Kota Bandung")
        report, _ = reports.create(report_data())
        walk_to(report, "disposed", curator, dinsos)
        db.session.commit()
        code, headers = report.tracking_code, bearer(token_for(dinsos))
    url = f"/api/v1/reports/{code}/actions"
    missing = client.post(url, json={"action": "return"}, headers=headers)
    assert missing.status_code == 400 and missing.get_json()["param"] == "reason"
    done = client.post(url, json={"action": "return", "reason": "Bukan kami"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "verified"
    again = client.post(url, json={"action": "return", "reason": "Bukan kami"}, headers=headers)
    assert again.status_code == 404  # no longer theirs to see
