"""The inbox at scale through HTTP: the API's cursor and count fields, the HTML page's
estimated count in words and its cursor link, bad cursors answered naming ``after``."""

from __future__ import annotations

import html
import re
from typing import Any

import flask_babel
from flask import Flask
from sqlalchemy import insert

from registry.extensions import db
from registry.models import Candidate
from tests.accounts_helpers import bearer, login, make_user, token_for
from tests.curation_helpers import make_candidate
from tests.services.test_inbox_scale import FORGED_CURSORS
from tests.services.test_inbox_scale import forged as forged_cursor


def spread_candidates(n: int) -> list[int]:
    """``n`` new candidates, a few with ids far apart: enough for the count to estimate."""
    made = [make_candidate(f"Posko relawan {i}", score=0.1 + i / 100).id for i in range(n)]
    for i in range(n):
        db.session.add(Candidate(id=50_000 + i * 3_000, text=f"Dapur umum {i}", score=0.05))
    db.session.commit()
    return made


def test_the_api_pages_by_cursor_and_marks_an_estimated_count(app: Flask, ctx: Any, client):
    token = token_for(make_user("kurator@example.org", "curator", org=None))
    spread_candidates(12)
    app.config["INBOX_COUNT_BOUND"] = 10

    def get(query: str) -> Any:
        return client.get(f"/api/v1/candidates{query}", headers=bearer(token))

    first = get("?per_page=5&sort=newest").get_json()
    assert first["total_estimated"] is True and first["count_bound"] == 10
    assert first["total"] > 10 and first["next_after"]
    seen = [r["id"] for r in first["results"]]
    after = first["next_after"]
    while after:
        body = get(f"?per_page=5&sort=newest&after={after}").get_json()
        seen.extend(r["id"] for r in body["results"])
        after = body["next_after"]
    by_number = [r["id"] for r in get("?per_page=100&sort=newest").get_json()["results"]]
    assert seen == by_number and len(seen) == 24
    app.config["INBOX_COUNT_BOUND"] = 100
    exact = get("?per_page=5").get_json()
    assert (exact["total"], exact["total_estimated"], exact["count_bound"]) == (24, False, 100)
    past = get("?page=9&per_page=5").get_json()
    assert past["results"] == [] and past["next_after"] is None and past["total"] == 24
    forged = [f"?after={forged_cursor(raw)}" for raw in FORGED_CURSORS]
    for query in ("?after=rusak", f"?after={first['next_after']}&sort=score", *forged):
        bad = get(query)
        assert bad.status_code == 400 and bad.get_json()["param"] == "after"
    assert get("?q=%22posko").status_code == 200  # broken syntax: answered, as search does


def test_the_page_says_an_estimated_count_in_words_and_links_on_by_cursor(
    app: Flask, ctx: Any, client
):
    make_user("kurator@example.org", "curator", org=None)
    login(client, "kurator@example.org")
    spread_candidates(12)
    app.config["INBOX_COUNT_BOUND"] = 10
    body = client.get("/curate/inbox/?per_page=5").get_data(as_text=True)
    assert "Sekitar" in body and "perkiraan" in body and "Halaman 1" in body
    link = re.search(r'href="([^"]*after=[^"]*)" rel="next"', body)
    assert link is not None
    second = client.get(html.unescape(link.group(1)))
    assert second.status_code == 200 and "Halaman 2" in second.get_data(as_text=True)
    flask_babel.refresh()
    english = client.get("/curate/inbox/?per_page=5&lang=en").get_data(as_text=True)
    assert "About" in english and "an estimate, not an exact count" in english
    app.config["INBOX_COUNT_BOUND"] = 100
    flask_babel.refresh()
    exact = client.get("/curate/inbox/?per_page=5&lang=id").get_data(as_text=True)
    assert "perkiraan" not in exact and "Halaman 1 dari 5" in exact


def test_a_stale_cursor_on_the_page_is_said_in_the_readers_language(ctx: Any, client):
    make_user("kurator@example.org", "curator", org=None)
    login(client, "kurator@example.org")
    make_candidate("Posko relawan", score=0.5)
    answer = client.get("/curate/inbox/?after=rusak")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Tautan halaman ini sudah tidak berlaku" in body
    assert "not a cursor" not in body
    for raw in FORGED_CURSORS:
        forged = client.get(f"/curate/inbox/?after={forged_cursor(raw)}")
        assert forged.status_code == 400, raw
        assert "Tautan halaman ini sudah tidak berlaku" in forged.get_data(as_text=True)
    flask_babel.refresh()
    english = client.get("/curate/inbox/?after=rusak&lang=en").get_data(as_text=True)
    assert "no longer applies" in english


def test_the_page_names_a_bad_parameter_by_its_label_and_writes_numbers_in_the_readers_way(
    app: Flask, ctx: Any, client
):
    make_user("kurator@example.org", "curator", org=None)
    login(client, "kurator@example.org")
    db.session.execute(
        insert(Candidate),
        [{"id": i, "text": "x", "status": "new", "score": 0.5} for i in range(1, 21_001)],
    )
    db.session.commit()
    app.config["INBOX_COUNT_BOUND"] = 1_000
    # more candidates than page numbers reach: a deep page number is refused naming the page
    deep = "?per_page=100&page=202"
    cases = {
        "id": (
            "Sekitar 21.000 kandidat",
            "Lebih dari 1.000 kandidat",
            "Saringan tidak valid (Halaman): Nomor halaman hanya menjangkau 20.000 kandidat",
            "Saringan tidak valid (Skor minimal (0–1))",
        ),
        "en": (
            "About 21,000 candidates",
            "More than 1,000 candidates",
            "Invalid filter (Page): Page numbers reach the first 20,000 candidates",
            "Invalid filter (Minimum score (0–1))",
        ),
    }
    for lang, (about, more, too_deep, bad_score) in cases.items():
        flask_babel.refresh()
        body = client.get(f"/curate/inbox/?per_page=5&lang={lang}").get_data(as_text=True)
        assert about in body and more in body
        answer = client.get(f"/curate/inbox/{deep}&lang={lang}")
        assert answer.status_code == 400 and too_deep in answer.get_data(as_text=True)
        score = client.get(f"/curate/inbox/?min_score=abc&lang={lang}").get_data(as_text=True)
        assert bad_score in score and "(min_score)" not in score
