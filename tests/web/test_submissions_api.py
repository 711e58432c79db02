"""POST/GET /api/v1/submissions and the curator's decision endpoint."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.extensions import db
from registry.models import Innovation
from tests.accounts_helpers import bearer, make_user, token_for


@pytest.fixture
def tokens(ctx):
    owner = make_user("instansi@example.org")
    other = make_user("lain@example.org", org="Pemerintah Kota Lain")
    curator = make_user("kurator@example.org", "curator", org=None)
    return {
        "owner": token_for(owner),
        "other": token_for(other),
        "curator": token_for(curator),
        "expired": token_for(owner, days=-1),
    }


def post(client, token, body, path="/api/v1/submissions"):
    return client.post(path, json=body, headers=bearer(token))


def test_submit_read_decide(client, tokens, innovation_data):
    created = post(client, tokens["owner"], innovation_data())
    assert created.status_code == 201, created.json
    assert created.json["status"] == "submitted"
    sid = created.json["id"]
    got = client.get(f"/api/v1/submissions/{sid}", headers=bearer(tokens["owner"]))
    assert got.status_code == 200
    assert got.json["contact_email"] == "puskesmas@example.org"
    assert got.json["sla"]["ack_due"] and got.json["history"][-1]["to_status"] == "submitted"

    path = f"/api/v1/submissions/{sid}/decision"
    ack = post(client, tokens["curator"], {"decision": "acknowledge"}, path)
    assert ack.status_code == 200 and ack.json["status"] == "in_review"
    pub = post(client, tokens["curator"], {"decision": "publish", "note": "Bagus."}, path)
    assert pub.status_code == 200 and pub.json["status"] == "published"
    assert client.get(f"/api/v1/innovations/{sid}").status_code == 200

    again = post(client, tokens["curator"], {"decision": "reject", "note": "x"}, path)
    assert again.status_code == 409  # already decided: nothing changed
    assert db.session.get_one(Innovation, sid).status == "published"

    stats = client.get("/api/v1/stats").json
    assert stats["review"]["decided"] == 1 and stats["review"]["decided_on_time"] == 1
    assert "by_sector" in stats  # the old keys stay


def test_draft_via_api_and_validation_like_the_form(client, tokens, innovation_data):
    draft = post(client, tokens["owner"], {"title": "Baru judul", "status": "draft"})
    assert draft.status_code == 201 and draft.json["status"] == "draft"
    bad = post(client, tokens["owner"], {"title": "Tanpa isi"})
    assert bad.status_code == 422
    assert {"summary", "sectors", "focus"} <= set(bad.json["errors"])
    assert bad.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("override", "param"),
    [
        ({"summary": "kata " * 10_000}, "summary"),
        ({"started_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()}, "started_on"),
        ({"province": "99", "regency": None}, "province"),
        ({"regency": "32.99"}, "regency"),
        ({"sectors": ["kesehatan", "astrologi"]}, "sectors"),
        ({"links": ["javascript:alert(1)"]}, "links"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_is_refused(client, tokens, innovation_data, override, param):
    response = post(client, tokens["owner"], innovation_data(**override))
    assert response.status_code == 422, response.json
    assert param in response.json["errors"]
    assert db.session.query(Innovation).count() == 0


def test_duplicate_sent_twice_in_a_row(client, tokens, innovation_data):
    first = post(client, tokens["owner"], innovation_data())
    second = post(client, tokens["owner"], innovation_data())
    assert first.status_code == 201 and second.status_code == 409
    assert second.json["existing_id"] == first.json["id"]
    assert db.session.query(Innovation).count() == 1


def test_closed_campaign_refused_with_clear_message(client, tokens, innovation_data):
    response = post(client, tokens["owner"], innovation_data(campaign="COVID-19 2020"))
    assert response.status_code == 409
    assert response.json["param"] == "campaign" and "closed" in response.json["detail"]


def test_decision_api_refuses_institution_token(client, tokens, innovation_data):
    sid = post(client, tokens["owner"], innovation_data()).json["id"]
    path = f"/api/v1/submissions/{sid}/decision"
    response = post(client, tokens["owner"], {"decision": "publish"}, path)
    assert response.status_code == 403
    assert db.session.get_one(Innovation, sid).status == "submitted"


@pytest.mark.parametrize("which", ["missing", "wrong", "expired"])
def test_wrong_or_expired_token_gets_401(client, tokens, innovation_data, which):
    headers = {
        "missing": {},
        "wrong": bearer("li_not-a-real-token"),
        "expired": bearer(tokens["expired"]),
    }[which]
    response = client.post("/api/v1/submissions", json=innovation_data(), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/submissions/1", headers=headers).status_code == 401


def test_institution_cannot_read_anothers_submission(client, tokens, innovation_data):
    sid = post(client, tokens["owner"], innovation_data(status="draft")).json["id"]
    path = f"/api/v1/submissions/{sid}"
    assert client.get(path, headers=bearer(tokens["other"])).status_code == 404
    # a draft is its owner's alone, for curators too, as on the web (issue 17.16)
    assert client.get(path, headers=bearer(tokens["curator"])).status_code == 404


def test_bad_bodies(client, tokens):
    response = client.post("/api/v1/submissions", data="not json", headers=bearer(tokens["owner"]))
    assert response.status_code == 400
    response = post(client, tokens["owner"], ["a", "list"])
    assert response.status_code == 400
    response = post(
        client, tokens["curator"], {"decision": "maybe"}, "/api/v1/submissions/1/decision"
    )
    assert response.status_code == 422 and response.json["param"] == "decision"


def test_session_cookie_does_not_authenticate_api_writes(client, tokens, innovation_data):
    from tests.accounts_helpers import login

    assert login(client, "instansi@example.org").status_code == 302
    response = client.post("/api/v1/submissions", json=innovation_data())
    assert response.status_code == 401


def test_a_nul_character_anywhere_is_a_clear_400(client, tokens, innovation_data):
    # PostgreSQL refuses NUL in text: found by schemathesis as a 500 on the duplicate check
    body = innovation_data(title="Layanan\x00 Antar Obat")
    response = post(client, tokens["owner"], body)
    assert response.status_code == 400
    assert "NUL" in response.get_json()["detail"]
    assert client.get("/api/v1/innovations?province=3\x002").status_code == 400
    page = client.get("/search?q=vaksin\x00")
    assert page.status_code == 400 and "text/html" in page.content_type
    assert client.get("/api/v1/innovations?q=vaksin").status_code == 200
