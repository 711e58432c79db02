"""The public site: pages, escaping, languages, and the machine files (feed, sitemap)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from registry.extensions import db
from registry.search import SearchIndex, SearchUnavailable
from registry.services import catalogue

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
EVIL_TITLE = '<script>alert("x")</script> Posko Relawan Desa'


def _create(app: Any, data: dict[str, Any], status: str = "published") -> dict[str, Any]:
    with app.app_context():
        row = catalogue.create(data, actor="test", status=status)
        db.session.commit()
        return {"id": row.id, "slug": row.slug, "title": row.title}


@pytest.fixture
def published(app: Any, innovation_data: Any) -> list[dict[str, Any]]:
    first = _create(app, innovation_data())
    second = _create(
        app,
        innovation_data(
            title="Pelayanan Izin Usaha Daring untuk UMKM",
            summary="Izin usaha mikro diurus dari rumah lewat layanan daring selama PSBB.",
            background="Pelaku usaha tidak bisa datang ke kantor pelayanan.",
            innovation="Permohonan izin lewat portal daring dengan tanda tangan elektronik.",
            implementation="Berlaku di seluruh kabupaten dan kota.",
            results="4.000 izin terbit dalam tiga bulan.",
            adaptability="Perlu portal dan tanda tangan elektronik.",
            resources="Anggaran dinas.",
            sustainability="Menjadi layanan tetap.",
            innovator_name="Dinas Penanaman Modal Provinsi Jawa Timur",
            unit="Mal Pelayanan Publik",
            sectors=["ekonomi", "pelayanan-publik"],
            focus="ketangguhan-massal",
            innovator_type="pemprov",
            province="35",
            regency=None,
            started_on="2021-02-01",
            contact_email="umkm@example.org",
        ),
    )
    return [first, second]


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


def _assert_csp_clean(html: str) -> None:
    """Nothing the Content-Security-Policy would block: no inline script or style."""
    assert " style=" not in html
    assert "<style" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag


def test_home_shows_counts_and_newest(client: Any, published: Any) -> None:
    response = client.get("/")
    html = _html(response)
    assert response.status_code == 200
    assert '<html lang="id">' in html
    # the newest first: the second one was published last
    assert html.index(published[1]["title"]) < html.index(published[0]["title"])
    assert f'href="/innovations/{published[0]["slug"]}"' in html
    counts = dict(re.findall(r"<dt>(?:<a [^>]*>)?([^<]+)(?:</a>)?</dt>\s*<dd>(\d+)</dd>", html))
    assert counts["Inovasi terbit"] == "2"
    assert counts["Jumlah provinsi"] == "2"
    assert counts["Cepat Tanggap"] == "1"
    assert counts["Pengetahuan Publik"] == "0"
    assert 'property="og:title"' in html and 'property="og:url"' in html
    assert "Katalog: CC BY 4.0" in html
    assert 'href="#konten"' in html and 'id="konten"' in html
    assert "Content-Security-Policy" in response.headers
    _assert_csp_clean(html)


def test_home_without_innovations(client: Any) -> None:
    html = _html(client.get("/"))
    assert "Belum ada inovasi yang terbit." in html


def test_search_finds_with_facets_and_highlight(client: Any, published: Any) -> None:
    response = client.get("/search?q=obat")
    html = _html(response)
    assert response.status_code == 200
    assert published[0]["title"] in html
    assert published[1]["title"] not in html
    assert "<mark>" in html
    assert "1 inovasi untuk “obat”" in html
    # facet checkboxes with counts: kesehatan matched once, ekonomi not at all
    assert re.search(r'name="sector" value="kesehatan"\s*>\s*<label[^>]*>Kesehatan', html)
    assert re.search(r"Kesehatan <span class=\"facet-count\">\(1\)</span>", html)
    assert re.search(r"Ekonomi dan UMKM <span class=\"facet-count\">\(0\)</span>", html)
    assert "Jawa Barat <span" in html
    _assert_csp_clean(html)


def test_search_filters_are_checked_and_combine(client: Any, published: Any) -> None:
    html = _html(client.get("/search?sector=ekonomi&sector=kesehatan&province=35"))
    assert "1 inovasi" in html
    assert published[1]["title"] in html and published[0]["title"] not in html
    assert re.search(r'name="sector" value="ekonomi" checked', html)
    assert re.search(r'name="sector" value="kesehatan" checked', html)
    assert re.search(r'name="province" value="35" checked', html)
    assert not re.search(r'name="focus" value="[^"]+" checked', html)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("sector=bukan-sektor", "sector"),
        ("province=Atlantis", "province"),
        ("page=abc", "page"),
        ("sort=random", "sort"),
        ("per_page=1000", "per_page"),
    ],
)
def test_search_bad_parameter_is_a_friendly_400(
    client: Any, published: Any, query: str, param: str
) -> None:
    response = client.get(f"/search?q=obat&{query}")
    html = _html(response)
    assert response.status_code == 400
    assert "Pencarian tidak dapat dijalankan" in html
    assert f"{param}:" in html
    assert published[0]["title"] not in html  # a message instead of results
    assert 'value="obat"' in html  # the form keeps the query


def test_search_bad_value_is_escaped(client: Any, published: Any) -> None:
    html = _html(client.get("/search?sector=<b>x</b>"))
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_search_pagination_and_sort(client: Any, published: Any) -> None:
    html = _html(client.get("/search?per_page=1&sort=newest"))
    assert "2 inovasi" in html
    assert published[1]["title"] in html and published[0]["title"] not in html
    assert 'rel="next"' in html and 'rel="prev"' not in html
    assert "page=2" in html
    second = _html(client.get("/search?per_page=1&sort=newest&page=2"))
    assert published[0]["title"] in second and published[1]["title"] not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    past = client.get("/search?per_page=1&page=9")
    assert past.status_code == 200
    assert "Halaman ini sudah melewati hasil terakhir." in _html(past)


def test_search_suggestion_links_to_corrected_query(
    client: Any, published: Any, monkeypatch: Any
) -> None:
    original = SearchIndex.search

    def with_suggestion(self: SearchIndex, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        result.suggestion = "isolasi <mandiri>"
        return result

    monkeypatch.setattr(SearchIndex, "search", with_suggestion)
    html = _html(client.get("/search?q=isolazi&sector=kesehatan"))
    # nothing found: the suggestion's results are shown, under a link to it
    assert "Mungkin maksud Anda:" in html or "Menampilkan hasil untuk" in html
    match = re.search(r'<a href="([^"]+)">isolasi &lt;mandiri&gt;</a>', html)
    assert match, html
    assert "q=isolasi+%3Cmandiri%3E" in match.group(1)
    assert "sector=kesehatan" in match.group(1)


def test_search_unavailable_is_a_friendly_503(client: Any, published: Any, monkeypatch: Any):
    def broken(self: SearchIndex, *args: Any, **kwargs: Any) -> Any:
        raise SearchUnavailable("index locked")

    monkeypatch.setattr(SearchIndex, "search", broken)
    response = client.get("/search?q=obat")
    assert response.status_code == 503
    assert "Pencarian sedang tidak tersedia" in _html(response)


def test_innovation_page_shows_sections_but_never_the_email(
    client: Any, published: Any, innovation_data: Any
) -> None:
    response = client.get(f"/innovations/{published[0]['slug']}")
    html = _html(response)
    assert response.status_code == 200
    for heading in (
        "Latar belakang",
        "Inovasi",
        "Implementasi",
        "Hasil",
        "Kemampuan direplikasi",
        "Sumber daya",
        "Keberlanjutan",
    ):
        assert re.search(rf"<h2 id=\"s-\w+\">{heading}</h2>", html), heading
    data = innovation_data()
    for field in ("background", "results", "sustainability", "innovator_name", "unit"):
        assert data[field] in html
    assert "Kota Bandung" in html and "Jawa Barat" in html
    assert "Kesehatan" in html and "Cepat Tanggap" in html and "Implementasi" in html
    assert "1 Juli 2020" in html  # started_on, in Indonesian
    assert (
        '<a href="https://demo.lumbung-inovasi.example/antar-obat" rel="nofollow noopener"' in html
    )
    assert 'property="og:type" content="article"' in html
    assert "puskesmas@example.org" not in html
    assert "@example.org" not in html
    _assert_csp_clean(html)


def test_innovation_page_lists_similar_and_hides_them_without_search(
    app: Any, client: Any, published: Any, innovation_data: Any, monkeypatch: Any
) -> None:
    twin = _create(
        app,
        innovation_data(
            title="Antar Obat Gratis bagi Warga Isolasi Mandiri di Cimahi",
            regency="32.77",
        ),
    )
    # unrelated innovations, so that the words the twins share are distinctive
    for n, topic in enumerate(("Sekolah Radio", "Lumbung Pangan", "Pasar Daring", "Kelas Petani")):
        _create(
            app,
            innovation_data(
                title=f"{topic} Kampung {n}",
                summary=f"{topic} untuk keluarga petani di lereng gunung.",
                background="Musim kemarau panjang.",
                innovation=f"{topic} dikelola karang taruna.",
                implementation="Setiap pekan.",
                results="Ratusan keluarga ikut serta.",
                adaptability="Mudah ditiru desa lain.",
                resources="Swadaya warga.",
                sustainability="Kas desa.",
                sectors=["pangan"],
                innovator_name="Karang Taruna",
                unit="Dusun Krajan",
                links=[],
            ),
        )
    html = _html(client.get(f"/innovations/{published[0]['slug']}"))
    assert "Inovasi serupa" in html
    assert twin["title"] in html

    def broken(self: SearchIndex, *args: Any, **kwargs: Any) -> Any:
        raise SearchUnavailable("index locked")

    monkeypatch.setattr(SearchIndex, "similar", broken)
    response = client.get(f"/innovations/{published[0]['slug']}")
    assert response.status_code == 200
    assert "Inovasi serupa" not in _html(response)
    assert twin["title"] not in _html(response)


def test_old_slug_redirects_after_title_change(
    app: Any, client: Any, published: Any, innovation_data: Any
) -> None:
    old_slug = published[0]["slug"]
    with app.app_context():
        row, _ = catalogue.get_by_slug(old_slug)
        assert row is not None
        catalogue.update(row, innovation_data(title="Antar Obat Isoman Kota Bandung"), actor="t")
        db.session.commit()
        new_slug = row.slug
    assert new_slug != old_slug
    response = client.get(f"/innovations/{old_slug}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/innovations/{new_slug}")
    page = client.get(f"/innovations/{new_slug}")
    assert page.status_code == 200
    assert "Antar Obat Isoman Kota Bandung" in _html(page)


def test_unpublished_and_unknown_innovations_are_404(
    app: Any, client: Any, innovation_data: Any
) -> None:
    pending = _create(app, innovation_data(title="Masih Ditinjau"), status="submitted")
    response = client.get(f"/innovations/{pending['slug']}")
    html = _html(response)
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in html
    assert "Masih Ditinjau" not in html
    assert client.get("/innovations/tidak-ada").status_code == 404
    assert "Masih Ditinjau" not in _html(client.get("/search?q=ditinjau"))


def test_english_switches_labels_and_remembers_the_choice(client: Any, published: Any) -> None:
    response = client.get(f"/innovations/{published[0]['slug']}?lang=en")
    html = _html(response)
    assert '<html lang="en">' in html
    assert '<a href="/search?sector=kesehatan">Health</a>' in html
    assert ">Kesehatan<" not in html
    assert "Rapid response" in html
    assert "West Java" in html and "Bandung City" in html
    assert '<h2 id="s-background">Background</h2>' in html
    assert '<h2 id="s-adaptability">Adaptability</h2>' in html
    assert "July 1, 2020" in html
    assert "lang=en" in response.headers.get("Set-Cookie", "")
    # the cookie keeps English on the next page
    search = _html(client.get("/search?q=obat"))
    assert "Health <span" in search and ">Search<" in search
    assert "1 innovation for “obat”" in search
    back = _html(client.get("/?lang=id"))
    assert '<html lang="id">' in back and ">Cari<" in back


def test_language_links_keep_the_query(client: Any, published: Any) -> None:
    html = _html(client.get("/search?q=obat&sector=kesehatan"))
    assert 'href="/search?q=obat&amp;sector=kesehatan&amp;lang=en"' in html


def test_script_in_a_title_is_escaped_on_every_page(
    app: Any, client: Any, innovation_data: Any
) -> None:
    evil = _create(
        app,
        innovation_data(
            title=EVIL_TITLE,
            summary='Posko relawan <img src=x onerror="alert(1)"> membagikan masker.',
            innovator_name="<b>Karang Taruna</b>",
        ),
    )
    pages = {
        "/": 200,
        "/search?q=posko": 200,
        f"/innovations/{evil['slug']}": 200,
        "/stats": 200,
    }
    for url, status in pages.items():
        response = client.get(url)
        html = _html(response)
        assert response.status_code == status, url
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "<b>Karang" not in html, url
    for url in ("/", "/search?q=posko", f"/innovations/{evil['slug']}"):
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Posko" in _html(client.get(url))
    feed = client.get("/feed.atom")
    assert b"<script>" not in feed.data
    titles = [e.text for e in ET.fromstring(feed.data).iter(f"{ATOM}title")]
    assert EVIL_TITLE in titles


def test_feed_is_valid_atom_with_the_entries(
    app: Any, client: Any, published: Any, innovation_data: Any
) -> None:
    _create(app, innovation_data(title="Belum Terbit"), status="submitted")
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "link", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        published[1]["title"],
        published[0]["title"],
    ]
    entry = entries[1]
    for tag in ("id", "title", "updated", "summary"):
        assert entry.findtext(f"{ATOM}{tag}"), tag
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert link.get("href", "").endswith(f"/innovations/{published[0]['slug']}")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.findtext(f"{ATOM}updated", ""))
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 2
    assert b"@example.org" not in response.data


def test_stats_page_shows_the_counts(client: Any, published: Any) -> None:
    response = client.get("/stats")
    html = _html(response)
    assert response.status_code == 200
    assert "2 inovasi terbit di katalog." in html

    def count(label: str) -> str:
        match = re.search(
            rf"<th scope=\"row\">(?:<a [^>]*>)?{re.escape(label)}(?:</a>)?</th>\s*"
            r"<td class=\"num\">(\d+) ",
            html,
        )
        assert match, label
        return match.group(1)

    assert count("Kesehatan") == "1"
    assert count("Ekonomi dan UMKM") == "1"
    assert count("Pendidikan") == "0"
    assert count("Ketangguhan Massal") == "1"
    assert count("Pemerintah Kota") == "1"
    assert count("Jawa Barat") == "1" and count("Jawa Timur") == "1"
    assert count("Juli 2020") == "1" and count("Februari 2021") == "1"
    assert 'class="bar w-100"' in html and 'class="bar w-0"' in html
    _assert_csp_clean(html)


def test_sitemap_and_robots(client: Any, published: Any, app: Any, innovation_data: Any) -> None:
    hidden = _create(app, innovation_data(title="Belum Terbit Juga"), status="submitted")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    locs = [loc.text or "" for loc in root.iter(f"{SITEMAP}loc")]
    assert any(loc.endswith(f"/innovations/{published[0]['slug']}") for loc in locs)
    assert any(loc.endswith(f"/innovations/{published[1]['slug']}") for loc in locs)
    assert not any(hidden["slug"] in loc for loc in locs)
    assert all(loc.startswith("http") for loc in locs)
    robots = client.get("/robots.txt")
    assert robots.mimetype == "text/plain"
    assert re.search(r"^Sitemap: http\S+/sitemap\.xml$", robots.get_data(as_text=True), re.M)


def test_open_data_and_about_pages(client: Any) -> None:
    data = _html(client.get("/data"))
    for href in (
        "/api/v1/innovations.csv",
        "/api/v1/innovations.json",
        "/api/v1/openapi.json",
        "/feed.atom",
    ):
        assert f'href="{href}"' in data, href
    assert "CC BY 4.0" in data
    assert "tidak pernah diterbitkan ulang secara massal" in data
    about = _html(client.get("/about"))
    assert 'id="privasi"' in about
    assert "Nomor 27 Tahun 2022" in about
    assert "Alamat surel kontak tidak pernah ditampilkan" in about
    english = _html(client.get("/about?lang=en"))
    assert "Law No. 27 of 2022" in english and "Privacy" in english


def test_error_pages_are_html_and_localized(client: Any) -> None:
    response = client.get("/tidak-ada-halaman-ini?lang=en")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in _html(response)


def test_static_assets_are_served(client: Any) -> None:
    with client.get("/static/css/site.css") as css:
        assert css.status_code == 200
        assert css.mimetype == "text/css"
        assert b".w-55 { width: 55%; }" in css.data
        assert b":focus-visible" in css.data
    with client.get("/static/img/og.png") as image:
        assert image.mimetype == "image/png"
        assert image.data.startswith(b"\x89PNG")


def test_a_query_that_finds_nothing_shows_the_suggestions_results(
    client: Any, published: Any, monkeypatch: Any
) -> None:
    original = SearchIndex.search

    def misspelled(self: SearchIndex, q: str = "", *args: Any, **kwargs: Any) -> Any:
        result = original(self, q, *args, **kwargs)
        if q == "pelayanaan":
            result.suggestion = "pelayanan"
        return result

    monkeypatch.setattr(SearchIndex, "search", misspelled)
    html = _html(client.get("/search?q=pelayanaan"))
    assert "Tidak ada hasil untuk “pelayanaan”. Menampilkan hasil untuk" in html
    assert "Pelayanan Izin Usaha Daring untuk UMKM" in html
    assert "inovasi untuk “pelayanan”" in html


def test_everyday_abbreviations_find_results(client: Any, published: Any) -> None:
    # "usaha mikro kecil dan menengah" is only written as UMKM in the catalogue
    html = _html(client.get("/search?q=usaha+mikro+kecil+dan+menengah"))
    assert "Pelayanan Izin Usaha Daring untuk UMKM" in html
