from __future__ import annotations

import csv
import io
import random

import pytest

from registry.extensions import db
from registry.services import catalogue

BODY_FIELDS = ("background", "innovation", "implementation", "results", "sustainability")


@pytest.fixture
def search_backend(both_search_backends):
    return both_search_backends  # the search contract: on both backends


@pytest.fixture
def catalogue_rows(app, innovation_data):
    with app.app_context():
        rows = [
            catalogue.create(innovation_data(), actor="t", status="published"),
            catalogue.create(
                innovation_data(
                    title="Pelayanan Izin Usaha Daring untuk UMKM",
                    summary="Izin usaha mikro diurus dari rumah lewat layanan daring selama PSBB.",
                    sectors=["ekonomi", "pelayanan-publik"],
                    focus="ketangguhan-massal",
                    innovator_type="pemprov",
                    province="35",
                    regency=None,
                    started_on="2021-02-01",
                ),
                actor="t",
                status="published",
            ),
            catalogue.create(
                innovation_data(title="Draf yang belum terbit"), actor="t", status="submitted"
            ),
        ]
        db.session.commit()
        return [r.id for r in rows]


def test_search_with_filters_and_facets(client, catalogue_rows):
    body = client.get("/api/v1/innovations?q=pelayanan").get_json()
    titles = [r["title"] for r in body["results"]]
    # "pelayanan" also finds "layanan" through the Indonesian stemmer
    assert set(titles) == {
        "Layanan Antar Obat untuk Warga Isolasi Mandiri",
        "Pelayanan Izin Usaha Daring untuk UMKM",
    }
    assert body["facets"]["province"] == {"32": 1, "35": 1}
    one = client.get("/api/v1/innovations?q=pelayanan&sector=kesehatan").get_json()
    assert one["total"] == 1 and one["results"][0]["province"] == {
        "code": "32",
        "name": "Jawa Barat",
    }
    assert one["facets"]["sector"] == {"kesehatan": 1}
    assert "<mark>" in one["results"][0]["highlight"]
    assert one["results"][0]["url"].endswith("/innovations/" + one["results"][0]["slug"])
    either = client.get("/api/v1/innovations?sector=kesehatan&sector=ekonomi").get_json()
    assert either["total"] == 2
    both = client.get("/api/v1/innovations?sector=kesehatan&province=35").get_json()
    assert both["total"] == 0
    year = client.get("/api/v1/innovations?year=2021").get_json()
    assert [r["title"] for r in year["results"]] == ["Pelayanan Izin Usaha Daring untuk UMKM"]
    assert client.get("/api/v1/innovations").get_json()["facets"]["year"] == {"2020": 1, "2021": 1}


def test_unpublished_never_listed(client, catalogue_rows):
    body = client.get("/api/v1/innovations?q=draf").get_json()
    assert body["total"] == 0
    assert client.get(f"/api/v1/innovations/{catalogue_rows[2]}").status_code == 404


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("sector=astrologi", "sector"),
        ("focus=semua", "focus"),
        ("province=Atlantis", "province"),
        ("year=duaribu", "year"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=101", "per_page"),
        ("sort=random", "sort"),
    ],
)
def test_bad_parameters_are_problems(client, catalogue_rows, query, param):
    response = client.get(f"/api/v1/innovations?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["param"] == param and body["status"] == 400 and body["detail"]


@pytest.mark.parametrize("q", ['"vaksin', "title:(", "AND OR", "*", "((", "obat)"])
def test_malformed_query_syntax_falls_back(client, catalogue_rows, q):
    response = client.get("/api/v1/innovations", query_string={"q": q})
    assert response.status_code == 200
    assert "results" in response.get_json()


def test_page_past_the_end_is_empty_200(client, catalogue_rows):
    body = client.get("/api/v1/innovations?page=50&per_page=1").get_json()
    assert body["results"] == [] and body["total"] == 2 and body["page"] == 50


def test_sort_newest(client, catalogue_rows):
    body = client.get("/api/v1/innovations?sort=newest").get_json()
    assert [r["id"] for r in body["results"]] == sorted(catalogue_rows[:2], reverse=True)


def test_detail_and_unknown_id(client, catalogue_rows):
    body = client.get(f"/api/v1/innovations/{catalogue_rows[0]}").get_json()
    assert body["regency"] == {"code": "32.73", "name": "Kota Bandung"}
    assert "contact_email" not in body
    missing = client.get("/api/v1/innovations/999999")
    assert missing.status_code == 404 and missing.get_json()["status"] == 404


def test_stats_csv_and_cors(client, catalogue_rows):
    stats = client.get("/api/v1/stats").get_json()
    assert stats["total"] == 2
    assert stats["by_sector"]["kesehatan"] == 1 and stats["by_focus"]["ketangguhan-massal"] == 1
    assert stats["by_month"] == {"2020-07": 1, "2021-02": 1}
    response = client.get("/api/v1/innovations.csv")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2 and "contact_email" not in rows[0]


def test_english_region_names(client, catalogue_rows):
    body = client.get("/api/v1/innovations?province=35&lang=en").get_json()
    assert body["results"][0]["province"] == {"code": "35", "name": "East Java"}


def test_uninitialized_database_says_run_init(bare_app):
    client = bare_app.test_client()
    response = client.get("/api/v1/innovations")
    assert response.status_code == 503
    assert "registry init" in response.get_json()["detail"]
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] is False


def test_missing_index_is_503_not_500(app, client, catalogue_rows, tmp_path):
    import shutil

    from sqlalchemy import text

    if app.config["SEARCH_BACKEND"] == "postgres":
        with app.app_context():
            db.session.execute(text("UPDATE search_state SET built = false"))
            db.session.commit()
    else:
        app.extensions["registry.search"].close()
        shutil.rmtree(app.config["INDEX_DIR"])
    response = client.get("/api/v1/innovations?q=obat")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "registry index rebuild" in response.get_json()["detail"]


def test_openapi_lists_paths(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/innovations", "/api/v1/innovations/{id}", "/api/v1/stats"} <= set(doc["paths"])


def test_an_odd_summary_and_a_huge_body_are_published_and_found(app, client, innovation_data):
    """150 comma-joined long "words" (26,000 characters) and 100,000 characters of body."""
    rng = random.Random(3)

    def words(count, length):
        return [
            "".join(rng.choice("bcdfghjklmnpqrstvwxyz") for _ in range(length))
            for _ in range(count)
        ]

    summary = words(150, 170)
    body = {name: " ".join(words(1800, 10)) for name in BODY_FIELDS}  # 19,799 characters each
    with app.app_context():
        row = catalogue.create(
            innovation_data(summary=",".join(summary), **body), actor="t", status="published"
        )
        db.session.commit()
        new_id = row.id
    for q in (summary[5], body["background"].split()[11], body["sustainability"].split()[-1]):
        found = client.get("/api/v1/innovations", query_string={"q": q}).get_json()
        assert [hit["id"] for hit in found["results"]] == [new_id]
