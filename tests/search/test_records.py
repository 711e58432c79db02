"""The lean database reads of search: they must equal the ORM-based shapes they replace."""

from __future__ import annotations

from typing import Any

from registry.extensions import db
from registry.models import Innovation
from registry.search import document_for
from registry.services import catalogue, discovery, indexing


def _catalogue(innovation_data: Any) -> list[int]:
    rows = [
        catalogue.create(innovation_data(), actor="t", status="published"),
        catalogue.create(
            innovation_data(
                title="Pelayanan Izin Usaha Daring",
                summary="Izin usaha diurus dari rumah.",
                sectors=["pelayanan-publik", "ekonomi"],
                province="35",
                regency=None,
                started_on=None,
                unit="",
            ),
            actor="t",
            status="published",
        ),
        catalogue.create(innovation_data(title="Masih draf"), actor="t", status="submitted"),
    ]
    db.session.commit()
    return [row.id for row in rows]


def test_published_records_index_like_search_record(ctx: Any, innovation_data: Any) -> None:
    ids = _catalogue(innovation_data)
    indexing.REBUILD_BATCH = 1  # several batches
    try:
        records = list(indexing.published_records())
    finally:
        indexing.REBUILD_BATCH = 2000
    assert [r["id"] for r in records] == ids[:2]
    for record in records:
        full = catalogue.search_record(db.session.get_one(Innovation, record["id"]))
        assert document_for(record) == document_for(full)
        assert record["updated_at"] == full["updated_at"]  # what `index sync` compares
    assert records[1]["sectors"] == ["ekonomi", "pelayanan-publik"]
    assert records[1]["regency_name"] == "" and records[1]["province_name"] == "Jawa Timur"


def test_result_items_equal_result_item(ctx: Any, innovation_data: Any) -> None:
    ids = _catalogue(innovation_data)
    for locale in ("id", "en"):
        items = discovery.load_result_items([*ids, 999_999], locale)
        assert sorted(items) == ids[:2]  # published only, unknown ids left out
        for id_, item in items.items():
            row = db.session.get_one(Innovation, id_)
            expected = discovery.result_item(row, "", "", locale)
            del expected["url"], expected["highlight"]
            assert list(item) == list(expected) and item == expected
