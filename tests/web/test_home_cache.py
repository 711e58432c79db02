"""The home page's statistics are computed once, not on every request, and computed again as
soon as the catalogue changes (issue 17: the home page served about 110 requests a second)."""

from __future__ import annotations

from registry.extensions import db
from registry.models import Innovation
from registry.services import catalogue, discovery


def count_stats(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = discovery.stats

    def counting(locale: str = "id"):
        calls.append(locale)
        return real(locale)

    monkeypatch.setattr(discovery, "stats", counting)
    return calls


def test_home_statistics_are_not_recomputed_per_request(app, client, monkeypatch):
    calls = count_stats(monkeypatch)
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert calls == ["id"]
    assert client.get("/?lang=en").status_code == 200
    assert calls == ["id", "en"]  # each language has its own figures


def test_a_change_of_the_catalogue_shows_on_the_home_page_at_once(
    app, client, monkeypatch, innovation_data
):
    calls = count_stats(monkeypatch)
    client.get("/")
    title = "Lumbung Pangan Desa Tangguh"
    with app.app_context():
        row = catalogue.create(innovation_data(title=title), actor="test", status="published")
        db.session.commit()
        row_id = row.id
    page = client.get("/").get_data(as_text=True)
    assert title in page
    assert len(calls) == 2
    with app.app_context():
        catalogue.transition(db.session.get_one(Innovation, row_id), "withdrawn", actor="test")
        db.session.commit()
    assert title not in client.get("/").get_data(as_text=True)


def test_the_cache_can_be_turned_off(app, client, monkeypatch):
    app.config["CATALOGUE_CACHE_SECONDS"] = 0
    calls = count_stats(monkeypatch)
    client.get("/")
    client.get("/")
    assert len(calls) == 2


def test_a_signed_in_user_never_gets_the_page_kept_for_visitors(app, client):
    from tests.accounts_helpers import login, make_user

    with app.app_context():
        make_user("kurator@example.org", "curator", org=None)
    anonymous = client.get("/").get_data(as_text=True)
    assert 'action="/logout"' not in anonymous
    assert login(client, "kurator@example.org").status_code == 302
    signed_in = client.get("/").get_data(as_text=True)
    assert 'action="/logout"' in signed_in
