"""Issue 15 item 11: the dates an innovation's page leads with, the operator on About, the
open-data page's dictionary and figures, and the exports and feed that follow a search."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from registry import config
from registry.extensions import db
from registry.services import catalogue, transfer
from registry.web import data_dictionary

ATOM = "{http://www.w3.org/2005/Atom}"


def _facts(html: str) -> str:
    found = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S)
    assert found, "the innovation page has its facts"
    return found.group(1)


def _publish(app: Any, data: dict[str, Any], **stamps: Any) -> str:
    with app.app_context():
        row = catalogue.create(data, actor="test", status="published")
        for name, value in stamps.items():
            setattr(row, name, value)
        db.session.commit()
        return row.slug


def test_imported_innovation_leads_with_its_start_and_last_check(app, client, innovation_data):
    imported = dt.datetime(2026, 12, 7, 9, 0)
    slug = _publish(
        app,
        innovation_data(started_on="2020-04-15"),
        published_at=imported,
        updated_at=imported,
        verified_at=dt.datetime(2027, 1, 20, 8, 0),
    )
    facts = _facts(client.get(f"/innovations/{slug}").get_data(as_text=True))
    assert "Dimulai" in facts and 'datetime="2020-04-15"' in facts
    assert "Catatan terakhir diperbarui" in facts and 'datetime="2027-01-20T08:00:00Z"' in facts
    # the import's date is no headline: not among the facts
    assert "Diterbitkan" not in facts and "2026-12-07" not in facts
    english = _facts(client.get(f"/innovations/{slug}?lang=en").get_data(as_text=True))
    assert "Started" in english and "Record last updated" in english


def test_unknown_start_is_said_and_update_stands_in_for_check(app, client, innovation_data):
    slug = _publish(
        app,
        innovation_data(started_on=None),
        updated_at=dt.datetime(2027, 2, 1, 10, 0),
        verified_at=None,
    )
    facts = _facts(client.get(f"/innovations/{slug}").get_data(as_text=True))
    assert "tidak tercatat" in facts
    assert 'datetime="2027-02-01T10:00:00Z"' in facts


def test_about_names_the_operator_and_a_contact(app, client):
    page = client.get("/about").get_data(as_text=True)
    assert "Tim Lumbung Inovasi" in page  # the defaults
    assert 'href="mailto:pengelola@lumbung-inovasi.example"' in page
    app.config.update(
        OPERATOR_NAME="Dinas Kominfo Kota Contoh", OPERATOR_CONTACT="https://kominfo.example/kontak"
    )
    page = client.get("/about?lang=en").get_data(as_text=True)
    assert "This site is run by Dinas Kominfo Kota Contoh." in page
    assert '<a href="https://kominfo.example/kontak">' in page
    app.config["OPERATOR_CONTACT"] = "Jl. Contoh 1, telepon 021-555"
    page = client.get("/about").get_data(as_text=True)
    assert "Jl. Contoh 1, telepon 021-555" in page and 'href="Jl.' not in page


def test_operator_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("REGISTRY_OPERATOR_NAME", "Bappeda Contoh")
    monkeypatch.setenv("REGISTRY_OPERATOR_CONTACT", "data@bappeda.example")
    settings = config.load()
    assert settings["OPERATOR_NAME"] == "Bappeda Contoh"
    assert settings["OPERATOR_CONTACT"] == "data@bappeda.example"


def test_data_dictionary_describes_every_exported_column(app):
    described = [column.name for column in data_dictionary.COLUMNS]
    with app.test_request_context("/data"):
        header = transfer.csv_columns()
        assert [column.name for column in data_dictionary.columns()] == header
    assert sorted(described) == sorted(header)
    with app.test_request_context("/data"):
        indonesian = [str(column.description) for column in data_dictionary.COLUMNS]
    with app.test_request_context("/data?lang=en"):
        english = [str(column.description) for column in data_dictionary.COLUMNS]
    untranslated = [
        text for text, theirs in zip(indonesian, english, strict=True) if text == theirs
    ]
    assert all(indonesian) and not untranslated


def test_data_page_has_dictionary_counts_and_last_change(app, client, innovation_data):
    _publish(app, innovation_data(), updated_at=dt.datetime(2027, 3, 4, 5, 6))
    _publish(app, innovation_data(title="Izin UMKM Daring", started_on=None))
    page = client.get("/data").get_data(as_text=True)
    assert "Kamus data" in page
    with app.test_request_context():
        for name in transfer.csv_columns():
            assert f'id="kolom-{name}"' in page
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    assert counts["Inovasi terbit (baris ekspor)"] == "2"
    assert counts["Dengan tanggal mulai"] == "1"
    assert 'datetime="2027-03-04T05:06:00Z"' in page  # the latest change of any record
    assert "Masih berjalan" in page  # a coded column lists its codes with their labels
    english = client.get("/data?lang=en").get_data(as_text=True)
    assert "Data dictionary" in english and "Date the innovation started" in english


@pytest.fixture
def two_sectors(app: Any, innovation_data: Any) -> None:
    _publish(app, innovation_data())  # kesehatan, province 32
    _publish(
        app,
        innovation_data(title="Izin UMKM Daring", sectors=["ekonomi"], province="31", regency=None),
    )


def _csv_titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [row["title"] for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))]


def test_csv_export_follows_the_search(app, client, two_sectors):
    everything = _csv_titles(client.get("/api/v1/innovations.csv"))
    assert sorted(everything) == [
        "Izin UMKM Daring",
        "Layanan Antar Obat untuk Warga Isolasi Mandiri",
    ]
    assert _csv_titles(client.get("/api/v1/innovations.csv?sector=ekonomi")) == ["Izin UMKM Daring"]
    assert _csv_titles(client.get("/api/v1/innovations.csv?province=32")) == [
        "Layanan Antar Obat untuk Warga Isolasi Mandiri"
    ]
    assert _csv_titles(client.get("/api/v1/innovations.csv?q=umkm&sector=kesehatan")) == []
    exported = client.get("/api/v1/innovations.json?sector=kesehatan").get_json()
    assert [row["title"] for row in exported] == ["Layanan Antar Obat untuk Warga Isolasi Mandiri"]


def test_bad_export_filter_is_the_searchs_problem(app, client, two_sectors):
    for path in ("/api/v1/innovations.csv", "/api/v1/innovations"):
        response = client.get(f"{path}?sector=bukan-sektor")
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["param"] == "sector"
    assert client.get("/api/v1/innovations.json?year=dua").status_code == 400


def test_feed_follows_the_search_and_refuses_bad_filters(app, client, two_sectors):
    feed = ET.fromstring(client.get("/feed.atom?province=31&q=izin").data)
    assert [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")] == ["Izin UMKM Daring"]
    bad = client.get("/feed.atom?province=99")
    assert bad.status_code == 400
    assert "province" in bad.get_data(as_text=True)


def test_search_page_links_its_filtered_exports(app, client, two_sectors):
    page = client.get("/search?sector=ekonomi&province=").get_data(as_text=True)
    assert 'href="/api/v1/innovations.csv?sector=ekonomi"' in page
    assert 'href="/api/v1/innovations.json?sector=ekonomi"' in page
    # the linked export is the search's
    assert _csv_titles(client.get("/api/v1/innovations.csv?sector=ekonomi")) == ["Izin UMKM Daring"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_data_page_shows_the_filtered_export_example_as_code(app, client, lang):
    html = client.get(f"/data?lang={lang}").get_data(as_text=True)
    assert "<code>/api/v1/innovations.csv?sector=kesehatan</code>" in html
    assert "&lt;code&gt;" not in html
