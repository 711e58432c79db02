"""Small text in the reader's words (issue 15, item 7): plurals, numbers and sizes without a
needless ".0", translated error pages, a failed merge naming the missing target, and months
without entries kept in the monthly chart."""

from __future__ import annotations

import pytest

from registry.extensions import db
from registry.services import catalogue
from registry.web import formatting
from tests.accounts_helpers import csrf_token, login, make_user
from tests.curation_helpers import make_candidate


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("id", ["4", "4,5", "322 kB", "1,2 MB", "1 hari", "3 hari", "4 jam", "1,5 jam"]),
        ("en", ["4", "4.5", "322 kB", "1.2 MB", "1 day", "3 days", "4 hours", "1.5 hours"]),
    ],
)
def test_numbers_sizes_and_plurals(app, lang, expected):
    with app.test_request_context(f"/?lang={lang}"):
        got = [
            formatting.number(4.0),
            formatting.number(4.5),
            formatting.filesize(322_000),
            formatting.filesize(1_234_567),
            formatting.days(1),
            formatting.days(3),
            formatting.hours(4.0),
            formatting.hours(1.5),
        ]
    assert got == expected


def test_the_promise_on_stats_reads_1_day(client):
    english = client.get("/stats?lang=en").get_data(as_text=True)
    assert "within 1 day and decided within 3 days" in english and "1 days" not in english
    assert "1 hari" in client.get("/stats?lang=id").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_404_page_has_no_werkzeug_english(client, lang):
    response = client.get(f"/tidak-ada-halaman-ini?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "requested URL was not found" not in html and "Not Found:" not in html
    # the API keeps its detail
    api = client.get("/api/v1/tidak-ada")
    assert api.status_code == 404


def test_the_monthly_chart_keeps_empty_months(app, client, innovation_data):
    with app.app_context():
        for title, started in (("Januari", "2020-01-15"), ("April", "2020-04-02")):
            catalogue.create(
                innovation_data(title=title, started_on=started), actor="t", status="published"
            )
        db.session.commit()
    assert formatting.month_series({"2020-11": 1, "2021-02": 2}) == [
        ("2020-11", 1),
        ("2020-12", 0),
        ("2021-01", 0),
        ("2021-02", 2),
    ]
    html = client.get("/stats").get_data(as_text=True)
    for month in ("Januari 2020", "Februari 2020", "Maret 2020", "April 2020"):
        assert month in html, month


def test_a_failed_merge_names_the_missing_target(ctx, client):
    make_user("kurator@example.org", "curator", org=None)
    login(client, "kurator@example.org")
    candidate = make_candidate()
    token = csrf_token(client, "/curate/inbox/")
    client.post(
        "/curate/inbox/decide",
        data={
            "csrf_token": token,
            "ids": str(candidate.id),
            "action": "merge",
            "into_candidate": "987654",
            "bulk": "1",
        },
    )
    html = client.get("/curate/inbox/").get_data(as_text=True)
    assert "kandidat tujuan #987654 tidak ditemukan" in html
