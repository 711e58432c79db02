"""GET /api/v1/candidates and POST /api/v1/candidates/decisions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import CandidateDecision, Innovation
from registry.services import catalogue
from tests.accounts_helpers import bearer, make_user, token_for
from tests.curation_helpers import make_candidate

RESULT_KEYS = {
    "id",
    "status",
    "score",
    "text",
    "platforms",
    "post_count",
    "first_seen",
    "last_seen",
    "predicted",
    "matches_innovation",
    "explain",
}


@pytest.fixture
def tokens(ctx):
    curator = make_user("kurator@example.org", "curator", org=None)
    institution = make_user("instansi@example.org")
    return {"curator": token_for(curator), "institution": token_for(institution)}


def get(client, token, query=""):
    return client.get(f"/api/v1/candidates{query}", headers=bearer(token))


def decide(client, token, body):
    return client.post("/api/v1/candidates/decisions", json=body, headers=bearer(token))


def test_shape(client, tokens, innovation_data):
    existing = catalogue.create(innovation_data(), actor="test", status="published")
    db.session.commit()
    top = make_candidate(
        "Posko relawan", score=0.9, platforms=["twitter", "rss"], matches_innovation_id=existing.id
    )
    make_candidate("Kasus naik", score=0.2, predicted={}, province_code=None, explain=[])
    response = get(client, tokens["curator"])
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {
        "total",
        "total_estimated",
        "count_bound",
        "page",
        "per_page",
        "next_after",
        "results",
    }
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 20)
    first, second = body["results"]
    assert set(first) >= RESULT_KEYS
    assert first["id"] == top.id and first["status"] == "new" and first["score"] == 0.9
    assert first["platforms"] == ["rss", "twitter"] and first["post_count"] == 2
    assert first["first_seen"] == "2020-05-04T08:00:00Z"
    assert first["last_seen"] == "2020-05-04T09:00:00Z"
    assert first["predicted"] == {
        "sectors": ["kesehatan"],
        "focus": "cepat-tanggap",
        "innovator_type": "pemkot",
        "province": {"code": "32", "name": "Jawa Barat"},
    }
    assert first["matches_innovation"]["id"] == existing.id
    assert first["matches_innovation"]["url"].endswith(f"/innovations/{existing.slug}")
    assert first["explain"] == [["antar obat", 0.9], ["kasus", -0.4]]
    assert second["predicted"]["province"] is None and second["matches_innovation"] is None
    assert second["explain"] == []


def test_filters_and_paging(client, tokens):
    a = make_candidate("Posko relawan Bandung", score=0.9, platforms=["mastodon"])
    b = make_candidate("Aplikasi bansos", score=0.5)
    make_candidate("Sudah ditolak", score=0.95, status="rejected")

    def ids(query):
        response = get(client, tokens["curator"], query)
        assert response.status_code == 200, response.get_json()
        return [r["id"] for r in response.get_json()["results"]]

    assert ids("") == [a.id, b.id]
    assert ids("?q=POSKO") == [a.id]
    assert ids("?min_score=0.6") == [a.id]
    assert ids("?platform=twitter") == [b.id]
    assert len(ids("?status=all")) == 3 and len(ids("?status=rejected")) == 1
    assert ids("?per_page=1&page=2") == [b.id]
    assert ids("?page=9") == []


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("?status=kinda", "status"),
        ("?min_score=abc", "min_score"),
        ("?min_score=2", "min_score"),
        ("?platform=friendster", "platform"),
        ("?page=0", "page"),
        ("?per_page=101", "per_page"),
        ("?sort=best", "sort"),
        ("?date_from=yesterday", "date_from"),
        ("?source=no-such-source", "source"),
    ],
)
def test_bad_parameters(client, tokens, query, param):
    response = get(client, tokens["curator"], query)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.get_json()["param"] == param


def test_auth(client, tokens):
    candidate = make_candidate()
    assert client.get("/api/v1/candidates").status_code == 401
    assert get(client, "not-a-token").status_code == 401
    assert get(client, tokens["institution"]).status_code == 403
    body = [{"id": candidate.id, "decision": "approve"}]
    assert client.post("/api/v1/candidates/decisions", json=body).status_code == 401
    assert decide(client, tokens["institution"], body).status_code == 403
    db.session.refresh(candidate)
    assert candidate.status == "new"


def test_decisions(client, tokens):
    a, b, c, d = (make_candidate(t) for t in ("satu", "dua", "tiga", "empat"))
    response = decide(
        client,
        tokens["curator"],
        [
            {"id": a.id, "decision": "approve", "note": "bagus"},
            {"id": b.id, "decision": "reject", "reason": "spam"},
            {"id": c.id, "decision": "merge", "into": {"candidate": d.id}},
            {"id": b.id, "decision": "approve"},
            {"id": 987654, "decision": "approve"},
            {"id": d.id, "decision": "reject", "reason": "nope"},
            {"id": d.id, "decision": "launch"},
            "not an object",
        ],
    )
    assert response.status_code == 200
    results = response.get_json()
    assert [r["status"] for r in results] == [200, 200, 200, 409, 404, 400, 400, 400]
    assert [r["id"] for r in results[:6]] == [a.id, b.id, c.id, b.id, 987654, d.id]
    assert all(isinstance(r["detail"], str) and r["detail"] for r in results)
    draft = db.session.get_one(Innovation, results[0]["innovation_id"])
    assert draft.status == "draft" and draft.title.startswith("[draf otomatis]")
    assert "innovation_id" not in results[1]
    db.session.expire_all()
    assert db.session.get_one(type(a), d.id).post_count == 2
    assert db.session.scalar(select(func.count(CandidateDecision.id))) == 3


@pytest.mark.parametrize("body", [{"id": 1, "decision": "approve"}, [], "x", None])
def test_body_must_be_a_list(client, tokens, body):
    response = decide(client, tokens["curator"], body)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_openapi_describes_both(client):
    document = client.get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/api/v1/candidates"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"status", "q", "min_score", "platform", "page", "per_page"} <= names
    post = document["paths"]["/api/v1/candidates/decisions"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["type"] == "array"
    assert {"401", "403", "400"} <= set(post["responses"])


def test_filter_by_harvest_source(client, tokens):
    from registry.models import Post
    from registry.services import harvesting

    kept = make_candidate("Posko relawan Bandung")
    make_candidate("Dapur umum Sleman")
    source = harvesting.add_source(
        name="uji", platform="rss", query="https://u.example/f", actor="t"
    )
    db.session.execute(
        Post.__table__.update().where(Post.candidate_id == kept.id).values(source_id=source.id)
    )
    db.session.commit()
    body = get(client, tokens["curator"], "?source=uji").get_json()
    assert body["total"] == 1 and [c["id"] for c in body["results"]] == [kept.id]
    spec = client.get("/api/v1/openapi.json").get_json()
    listed = spec["paths"]["/api/v1/candidates"]["get"]["parameters"]
    assert "source" in {p.get("name") for p in listed}
