"""The map pages, pictures and counts API (DESIGN.md: Map; GET /api/v1/regions/counts)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from registry import taxonomy
from tests.map_helpers import make_catalogue

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def published(app, innovation_data):
    with app.app_context():
        return make_catalogue(innovation_data)


def test_national_map_draws_every_province_as_a_search_link(client, published):
    page = client.get("/peta")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    codes = re.findall(r'<a href="[^"]*" data-code="(\d\d)"', html)
    assert sorted(codes) == sorted(r.code for r in taxonomy.provinces())
    assert '<a href="/search?province=32" data-code="32"' in html
    assert "<title>Jawa Barat: 3 inovasi</title>" in html
    assert "<title>Aceh: 0 inovasi</title>" in html  # no innovations: drawn, labelled 0
    # the plain table holds the same numbers
    assert re.search(
        r'<a href="/search\?province=32">Jawa Barat</a>.*?data-code="32">3<', html, re.S
    )
    assert re.search(r'>Aceh</a>.*?data-code="11">0<', html, re.S)
    assert 'href="/peta/32"' in html  # drill down to the province


def test_filters_carry_into_links_and_counts(client, published):
    html = client.get("/peta?sector=bantuan-sosial&lang=en").get_data(as_text=True)
    assert "<title>West Java: 2 innovations</title>" in html
    assert 'href="/search?sector=bantuan-sosial&amp;province=32"' in html
    assert 'href="/peta/32?sector=bantuan-sosial"' in html


def test_province_map_draws_its_regencies_and_lists_its_innovations(client, published):
    page = client.get("/peta/32")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    codes = set(re.findall(r'<path d="[^"]+" fill="[^"]+" data-code="([\d.]+)"', html))
    assert codes == {r.code for r in taxonomy.regencies("32")}
    assert 'href="/search?province=32&amp;regency=32.73" data-code="32.73"' in html
    assert "<title>Kota Bandung: 2 inovasi</title>" in html
    assert "Antar Obat Isoman Bandung" in html and "Lumbung Pangan Bogor" in html
    assert "Izin Usaha Daring Jatim" not in html  # another province
    assert 'href="/peta"' in html


def test_regency_link_gives_the_search_its_innovations(client, published):
    body = client.get("/api/v1/innovations?province=32&regency=32.73").get_json()
    assert body["total"] == 2
    assert body["facets"]["regency"] == {"32.73": 2}


def test_unknown_province_is_a_404_page_linking_the_national_map(client, published):
    for code in ("99", "32.73", "jawa-barat"):
        page = client.get(f"/peta/{code}")
        assert page.status_code == 404
        html = page.get_data(as_text=True)
        assert 'href="/peta"' in html and "Provinsi tidak ditemukan" in html


@pytest.mark.parametrize(
    "query", ["sector=astrologi", "year=1066", "layer=nothing", "q=bansos", "focus=x"]
)
def test_unknown_filter_values_are_400(client, published, query):
    page = client.get(f"/peta?{query}")
    assert page.status_code == 400
    assert "Peta tidak dapat digambar" in page.get_data(as_text=True)
    assert client.get(f"/peta/32?{query}").status_code == 400
    assert client.get(f"/peta.svg?{query}").status_code == 400
    problem = client.get(f"/api/v1/regions/counts?{query}")
    assert problem.status_code == 400
    assert problem.get_json()["param"] == query.split("=")[0]


def test_bare_pictures_are_svg_documents(client, published):
    national = client.get("/peta.svg?focus=cepat-tanggap")
    assert national.status_code == 200 and national.mimetype == "image/svg+xml"
    root = ET.fromstring(national.data)
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f"{SVG}g/{SVG}a")) == 38
    assert any(t.text == "0" for t in root.iter(f"{SVG}text"))  # its legend
    province = client.get("/peta/33.svg")
    assert province.status_code == 200
    assert len(ET.fromstring(province.data).findall(f"{SVG}g/{SVG}a")) == 35
    assert client.get("/peta/99.svg").status_code == 404
    locator = client.get("/peta/lokasi/32.73.svg")
    assert locator.status_code == 200 and b'data-code="32"' in locator.data
    assert client.get("/peta/lokasi/99.svg").status_code == 404


def test_counts_api_has_every_region(client, published):
    body = client.get("/api/v1/regions/counts").get_json()
    assert body["level"] == "province" and body["layer"] == "innovations"
    assert len(body["counts"]) == 38 and body["counts"]["32"] == 3 and body["counts"]["11"] == 0
    regency = client.get("/api/v1/regions/counts?level=regency&province=32&year=2021")
    body = regency.get_json()
    assert body["level"] == "regency" and len(body["counts"]) == 27
    assert body["counts"]["32.73"] == 1 and body["counts"]["32.01"] == 1
    assert regency.headers["Access-Control-Allow-Origin"] == "*"
    missing = client.get("/api/v1/regions/counts?level=regency")
    assert missing.status_code == 400 and missing.get_json()["param"] == "province"


@pytest.mark.parametrize(
    "query", ["", "sector=kesehatan", "focus=cepat-tanggap&year=2020", "innovator_type=pemkot"]
)
def test_counts_api_equals_the_search_facets(client, published, query):
    counts = client.get(f"/api/v1/regions/counts?{query}").get_json()["counts"]
    facets = client.get(f"/api/v1/innovations?{query}").get_json()["facets"]
    assert {k: v for k, v in counts.items() if v} == facets["province"]
    counts = client.get(f"/api/v1/regions/counts?level=regency&province=32&{query}").get_json()
    facets = client.get(f"/api/v1/innovations?province=32&{query}").get_json()["facets"]
    assert {k: v for k, v in counts["counts"].items() if v} == facets["regency"]


def test_counts_api_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/regions/counts"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"level", "province", "layer", "sector", "year"} <= names
    assert "400" in operation["responses"]


def test_small_maps_on_home_stats_and_the_innovation_page(client, published):
    for url in ("/", "/stats"):
        html = client.get(url).get_data(as_text=True)
        assert 'src="/peta.svg"' in html and 'href="/peta"' in html
    html = client.get("/innovations/antar-obat-isoman-bandung").get_data(as_text=True)
    assert 'src="/peta/lokasi/32.73.svg"' in html
    assert 'href="/peta/32"' in html
