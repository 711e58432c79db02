from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Innovation
from registry.services import catalogue, transfer


def _export(fmt: str, include_private: bool = False) -> str:
    out = io.StringIO()
    records = transfer.export_records(include_private=include_private)
    if fmt == "csv":
        transfer.write_csv(records, out, include_private=include_private)
    else:
        transfer.write_json(records, out)
    return out.getvalue()


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Innovation)) or 0


def _import(path: Path, publish: bool = True) -> transfer.ImportReport:
    report = transfer.import_rows(transfer.read_rows(path), actor="t", publish=publish)
    db.session.commit()
    return report


def test_export_leaves_out_contact_unless_private(ctx, innovation_data):
    catalogue.create(innovation_data(), actor="t", status="published")
    db.session.commit()
    public = json.loads(_export("json"))
    private = json.loads(_export("json", include_private=True))
    assert "contact_email" not in public[0]
    assert private[0]["contact_email"] == "puskesmas@example.org"
    csv_text = _export("csv")
    assert '"32.73"' in csv_text and "contact_email" not in csv_text.splitlines()[0]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_round_trip_into_empty_database(app, tmp_path, innovation_data, fmt):
    from registry.app import create_app
    from registry.services.setup import initialize

    with app.app_context():
        catalogue.create(
            innovation_data(sectors=["kesehatan", "informasi"]), actor="t", status="published"
        )
        catalogue.create(
            innovation_data(
                title="Sekolah Lewat Radio",
                regency=None,
                innovator_type="pemprov",
                sectors=["pendidikan"],
            ),
            actor="t",
            status="published",
        )
        db.session.commit()
        dumped = _export(fmt, include_private=True)
        original = json.loads(_export("json", include_private=True))
    path = tmp_path / f"dump.{fmt}"
    path.write_text(dumped, encoding="utf-8")

    other = create_app(
        {
            "INSTANCE_DIR": str(tmp_path / "other"),
            "INDEX_DIR": str(tmp_path / "other-index"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'other' / 'r.db'}",
            "SECRET_KEY": "x",
        }
    )
    with other.app_context():
        initialize(train_model=False)
        report = _import(path)
        assert report.errors == [] and report.created == 2
        again = json.loads(_export("json", include_private=True))
        ignore = {"id", "updated_at", "origin"}

        def comparable(records):
            rows = [{k: v for k, v in r.items() if k not in ignore} for r in records]
            return sorted(rows, key=lambda r: r["slug"])

        assert comparable(again) == comparable(original)
        assert _import(path).unchanged == 2  # idempotent by slug
        db.session.remove()
        db.engine.dispose()


def test_broken_rows_are_reported_and_valid_rows_kept(ctx, tmp_path, innovation_data):
    good = innovation_data()
    rows = [
        good,
        {**innovation_data(title="Kedua"), "sectors": ["bukan-sektor"]},
        {**innovation_data(title="Ketiga"), "province": "Atlantis"},
        "not an object",
    ]
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    report = _import(path)
    assert report.created == 1
    assert [str(e) for e in report.errors] == [
        "row 2, sectors: unknown sector 'bukan-sektor'; expected one of: "
        "kesehatan, bantuan-sosial, ekonomi, pendidikan, pelayanan-publik, pangan, informasi, "
        "karantina",
        "row 3, province: unknown province 'Atlantis'",
        "row 4: expected an object with field names",
    ]
    assert _count() == 1


def test_csv_with_wrong_encoding_is_refused_clearly(ctx, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("title,summary\nPelayanan Kesehatan Daerah,Layanan \xe9\n".encode("latin-1"))
    with pytest.raises(transfer.ImportFileError, match="not UTF-8.*save it as UTF-8"):
        transfer.read_rows(path)


def test_csv_missing_title_column_is_refused(ctx, tmp_path):
    path = tmp_path / "nocol.csv"
    path.write_text("name,summary\nA,B\n", encoding="utf-8")
    with pytest.raises(transfer.ImportFileError, match="missing column.*title"):
        transfer.read_rows(path)


def test_broken_json_is_refused_with_position(ctx, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"title": "A",', encoding="utf-8")
    with pytest.raises(transfer.ImportFileError, match="not valid JSON.*line 1"):
        transfer.read_rows(path)


def test_csv_row_numbers_count_the_header(ctx, tmp_path, innovation_data):
    out = io.StringIO()
    good = innovation_data()
    bad = innovation_data(title="Baris Rusak", started_on="kemarin")
    transfer.write_csv([good, bad], out, include_private=True)
    path = tmp_path / "rows.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    report = _import(path, publish=False)
    assert report.created == 1
    assert [(e.row, e.field) for e in report.errors] == [(3, "started_on")]
    assert db.session.scalar(select(Innovation.status)) == "submitted"


def test_external_id_makes_import_idempotent(ctx, tmp_path, innovation_data):
    path = tmp_path / "ext.json"
    path.write_text(json.dumps([{**innovation_data(), "external_id": "jippnas-77"}]))
    assert _import(path).created == 1
    path.write_text(
        json.dumps([{**innovation_data(results="2.000 paket"), "external_id": "jippnas-77"}])
    )
    assert _import(path).updated == 1
    assert _count() == 1
