"""/api/v1/reports: the HTTP contract of DESIGN.md, privacy, 404/409/400/429."""

from __future__ import annotations

import pytest

from registry.extensions import db
from registry.services import reports
from tests.accounts_helpers import bearer, make_user, token_for
from tests.reports_helpers import REPORTER, report_data
from tests.web.test_contact_web import outbox

SECRET = "X-Report-Secret"


@pytest.fixture
def tokens(app):
    with app.app_context():
        curator = make_user("kurator@example.org", "curator", org=None)
        dinsos = make_user("dinsos@example.org", "institution", org="Dinas Sosial Kota Bandung")
        other = make_user("lain@example.org", "institution", org="Dinas Lain")
        return {
            "curator": bearer(token_for(curator)),
            "dinsos": bearer(token_for(dinsos)),
            "other": bearer(token_for(other)),
        }


def _create(client, **overrides):
    response = client.post("/api/v1/reports", json=report_data(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _act(client, code, headers, **body):
    return client.post(f"/api/v1/reports/{code}/actions", json=body, headers=headers)


def test_the_whole_path_over_http(app, client, tokens):
    created = _create(client, anonymous=True)
    code, secret = created["tracking_code"], created["secret"]
    assert created["status"] == "received" and created["url"].endswith(f"/lapor/{code}")
    mine = {SECRET: secret}
    assert client.get(f"/api/v1/reports/{code}", headers=mine).get_json()["reporter"] == REPORTER
    assert (
        _act(client, code, tokens["curator"], action="dispose", to="dinsos@example.org").status_code
        == 409
    )
    assert _act(client, code, tokens["curator"], action="verify").status_code == 200
    assert _act(client, code, tokens["curator"], action="dispose").get_json()["param"] == "to"
    done = _act(client, code, tokens["curator"], action="dispose", to="dinsos@example.org")
    assert done.status_code == 200 and done.get_json()["status"] == "disposed"
    # the institution sees the report but not the anonymous reporter
    seen = client.get(f"/api/v1/reports/{code}", headers=tokens["dinsos"])
    assert seen.status_code == 200
    text = seen.get_data(as_text=True)
    assert "reporter" not in seen.get_json()
    assert REPORTER["name"] not in text and REPORTER["email"] not in text
    assert REPORTER["phone"] not in text
    # another institution, a wrong secret, no credentials: 404 alike
    for headers in (tokens["other"], {SECRET: "salah"}, {}):
        missing = client.get(f"/api/v1/reports/{code}", headers=headers)
        assert missing.status_code == 404
        assert missing.get_json()["detail"] == "no report with this tracking code for you"
    assert client.get("/api/v1/reports/ZZZZ-ZZZZ-ZZZZ", headers=mine).status_code == 404
    assert _act(client, code, tokens["other"], action="respond", text="x").status_code == 404
    # the reporter may not respond; the curator may not close for the reporter
    assert _act(client, code, mine, action="respond", text="x").status_code == 403
    answered = _act(client, code, tokens["dinsos"], action="respond", text="Sudah disalurkan.")
    assert answered.status_code == 200 and answered.get_json()["status"] == "responded"
    assert _act(client, code, tokens["curator"], action="close", rating=5).status_code == 403
    bad = _act(client, code, mine, action="close", rating=9)
    assert bad.status_code == 400 and bad.get_json()["param"] == "rating"
    assert (
        _act(client, code, mine, action="reopen", text="belum").get_json()["status"] == "disposed"
    )
    _act(client, code, tokens["dinsos"], action="respond", text="Sudah diantar ke rumah.")
    assert _act(client, code, mine, action="reopen").status_code == 409
    closed = _act(client, code, mine, action="close", rating=4)
    assert closed.get_json()["status"] == "closed" and closed.get_json()["rating"] == 4
    assert [e["action"] for e in closed.get_json()["events"]] == [
        "submit",
        "verify",
        "dispose",
        "respond",
        "reopen",
        "respond",
        "close",
    ]
    assert _act(client, code, mine, action="close").status_code == 409
    # the mails: the institution's never names the anonymous reporter
    mails = outbox(app)
    to_dinsos = [m for m in mails if m["To"] == "dinsos@example.org"]
    assert to_dinsos and all(REPORTER["name"] not in m.get_content() for m in to_dinsos)
    assert all(REPORTER["email"] not in m.get_content() for m in to_dinsos)
    to_reporter = [m for m in mails if m["To"] == REPORTER["email"]]
    assert len(to_reporter) >= 7  # the receipt and every step
    assert secret in to_reporter[0].get_content()
    assert all(secret not in m.get_content() for m in to_reporter[1:] + to_dinsos)


def test_bad_input_is_400_naming_param(client):
    for change, param in (
        ({"kind": "x"}, "kind"),
        ({"category": "x"}, "category"),
        ({"province": "Narnia"}, "province"),
        ({"regency": "99.99"}, "regency"),
        ({"body": "x" * 10_001}, "body"),
        ({"reporter": {"email": "nope"}}, "reporter.email"),
    ):
        response = client.post("/api/v1/reports", json=report_data(**change))
        assert response.status_code == 400, change
        body = response.get_json()
        assert body["param"] == param and response.mimetype == "application/problem+json"
        assert REPORTER["email"] not in response.get_data(as_text=True)
    assert client.post("/api/v1/reports", data="nope").status_code == 400
    response = client.post("/api/v1/reports/ABCD-ABCD-ABCD/actions", json={"action": "verify"})
    assert response.status_code == 404


def test_repeats_from_one_address_get_429_with_retry_after(app, client):
    app.config["REPORT_RATE_LIMIT"] = "2 per hour"
    _create(client)
    _create(client)
    third = client.post("/api/v1/reports", json=report_data())
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) > 0
    other_address = client.post(
        "/api/v1/reports", json=report_data(), environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert other_address.status_code == 201


def test_public_list_hides_identity_confidential_and_unverified(app, client, tokens):
    public = _create(client, title="Puskesmas tutup tanpa pengumuman", category="kesehatan")
    hidden = _create(client, title="Rahasia sekali", confidential=True)
    fresh = _create(client, title="Belum diperiksa")
    for item in (public, hidden):
        _act(client, item["tracking_code"], tokens["curator"], action="verify")
    listing = client.get("/api/v1/reports")
    body = listing.get_json()
    assert [r["title"] for r in body["results"]] == ["Puskesmas tutup tanpa pengumuman"]
    text = listing.get_data(as_text=True)
    assert REPORTER["name"] not in text and REPORTER["email"] not in text
    assert "Rahasia" not in text and "reporter" not in body["results"][0]
    assert client.get("/api/v1/reports?category=kesehatan&province=32").get_json()["total"] == 1
    assert client.get("/api/v1/reports?status=received").get_json()["total"] == 0
    bad = client.get("/api/v1/reports?category=sepakbola")
    assert bad.status_code == 400 and bad.get_json()["param"] == "category"
    assert client.get("/api/v1/reports?province=Mars").get_json()["param"] == "province"
    everything = client.get("/api/v1/reports", headers=tokens["curator"]).get_json()
    assert everything["total"] == 3
    assert {r["tracking_code"] for r in everything["results"]} >= {fresh["tracking_code"]}
    assert client.get("/api/v1/reports", headers=bearer("li_nope")).status_code == 401
    # a curator may make it more private: it leaves the public list
    _act(client, public["tracking_code"], tokens["curator"], action="restrict", confidential=True)
    assert client.get("/api/v1/reports").get_json()["total"] == 0
    with app.app_context():
        assert reports.find(public["tracking_code"]).confidential  # type: ignore[union-attr]
        db.session.rollback()


def test_openapi_describes_the_reports_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/reports"])
    assert "get" in paths["/api/v1/reports/{tracking_code}"]
    actions = paths["/api/v1/reports/{tracking_code}/actions"]["post"]
    assert "409" in actions["responses"] and "404" in actions["responses"]
