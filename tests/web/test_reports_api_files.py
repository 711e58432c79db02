"""A report's files over the API: the bearer token (or the reporter's secret) that opens the
report opens its files; every other caller gets the same 404."""

from __future__ import annotations

import io

from registry.extensions import db
from registry.services import reports
from tests.accounts_helpers import bearer, make_user, token_for
from tests.reports_helpers import exif_jpeg, report_data, walk_to

SECRET = "X-Report-Secret"


def _status(client, url, headers):
    response = client.get(url, headers=headers)
    response.close()  # a served file stays open until then
    return response.status_code


def test_attachments_by_token_for_the_roles_that_may_see_them(app, client):
    with app.app_context():
        curator = make_user("kurator@example.org", "curator", org=None)
        admin = make_user("admin@example.org", "admin", org=None)
        dinsos = make_user("dinsos@example.org", "institution", org="Dinas Sosial Kota Bandung")
        other = make_user("lain@example.org", "institution", org="Dinas Lain")
        report, secret = reports.create(
            report_data(anonymous=True),
            files=[reports.FileIn(io.BytesIO(exif_jpeg()), "rumah.jpg")],
        )
        walk_to(report, "disposed", curator, dinsos)
        db.session.commit()
        code = report.tracking_code
        tokens = {
            "curator": bearer(token_for(curator)),
            "admin": bearer(token_for(admin)),
            "dinsos": bearer(token_for(dinsos)),
            "other": bearer(token_for(other)),
        }
    # the report names its files with the API's address
    listed = client.get(f"/api/v1/reports/{code}", headers=tokens["dinsos"]).get_json()
    [photo] = listed["attachments"]
    assert photo["url"].endswith(f"/api/v1/reports/{code}/attachments/{photo['id']}")
    path = photo["url"].split("://", 1)[1].split("/", 1)[1]
    for allowed in ({SECRET: secret}, tokens["curator"], tokens["admin"], tokens["dinsos"]):
        got = client.get(f"/{path}", headers=allowed)
        assert got.status_code == 200, allowed
        assert got.mimetype == "image/jpeg" and got.data.startswith(b"\xff\xd8")
        assert b"GPSLatitude" not in got.data  # stored without its EXIF
        assert got.headers["Cache-Control"] == "private, no-store"
        assert "sandbox" in got.headers["Content-Security-Policy"]
        got.close()
    # another institution, a wrong secret, no credentials, a file of no report: 404 alike
    for refused in (tokens["other"], {SECRET: "tebakan"}, {}):
        got = client.get(f"/{path}", headers=refused)
        assert got.status_code == 404 and got.mimetype == "application/problem+json"
    assert client.get(f"/{path}", headers={"Authorization": "Bearer salah"}).status_code == 401
    missing = f"/api/v1/reports/{code}/attachments/{photo['id'] + 1000}"
    assert client.get(missing, headers=tokens["curator"]).status_code == 404
    # the public record never lists files; the page's address still takes no token
    public = client.get("/api/v1/reports").get_json()["results"]
    assert all("attachments" not in r for r in public)
    page_url = f"/lapor/{code}/berkas/{photo['id']}"
    assert client.get(page_url, headers=tokens["dinsos"]).status_code == 404
    # once returned as not theirs, the institution's token opens nothing
    with app.app_context():
        back = reports.find(code)
        assert back is not None
        institution = back.addressee
        assert institution is not None
        reports.act(back, "return", actor=reports.Actor.of(institution), reason="Bukan kami")
        db.session.commit()
    assert _status(client, f"/{path}", tokens["dinsos"]) == 404
    assert _status(client, f"/{path}", tokens["curator"]) == 200
