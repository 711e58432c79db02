"""Every CSV we write neutralises formula cells (issue 17, item 9), and our import reads our own
export back unchanged."""

from __future__ import annotations

import csv
import io

import pytest

from registry.csvsafe import SafeDictWriter, neutralize, unquote
from registry.extensions import db
from registry.services import catalogue, transfer

RISKY = {
    '=HYPERLINK("http://evil.example","klik")': "'=HYPERLINK(",
    "+62 Layanan Antar Obat": "'+62",
    "-Layanan Tanpa Antre": "'-Layanan",
    "@Layanan Warga": "'@Layanan",
    "'=Sudah dikutip": "''=Sudah",
    "'Kutip' di depan judul": "'Kutip'",  # no formula: left as it is
}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("''a", "'''a"),
        ("'a", "'a"),
        ("aman", "aman"),
        ("", ""),
        (-3, -3),
    ],
)
def test_neutralize_and_unquote_are_inverse(value, cell):
    assert neutralize(value) == cell
    if isinstance(value, str):
        assert unquote(cell) == value


def test_safe_writer_neutralises_every_cell():
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=["a", "b"])
    writer.writeheader()
    writer.writerows([{"a": "=cmd|' /C calc'!A0", "b": 1}])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["a", "b"], ["'=cmd|' /C calc'!A0", "1"]]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_export_neutralises_and_import_reads_it_back(ctx, tmp_path, innovation_data):
    for title in RISKY:
        catalogue.create(
            innovation_data(title=title, innovator_name="=cmd|' /C calc'!A0", unit="-2+3"),
            actor="t",
            status="published",
        )
    db.session.commit()
    out = io.StringIO()
    transfer.write_csv(transfer.export_records(), out, include_private=False)
    cells = _cells(out.getvalue())
    for title, start in RISKY.items():
        assert any(c.startswith(start) and c.endswith(title[-8:]) for c in cells), title
    formulas = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert formulas == []
    path = tmp_path / "ekspor.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    rows = dict(
        (row["slug"], row) for _, row in transfer.read_rows(path)
    )  # what import reads: the values as stored
    stored = {r["slug"]: r for r in transfer.export_records()}
    for slug, row in rows.items():
        assert row["title"] == stored[slug]["title"] and row["unit"] == "-2+3"
    report = transfer.import_rows(transfer.read_rows(path), actor="t", publish=True)
    assert report.errors == [] and report.unchanged == len(RISKY)


def test_the_api_csv_is_neutralised(client, ctx, innovation_data):
    catalogue.create(innovation_data(title="=1+1 Layanan"), actor="t", status="published")
    db.session.commit()
    response = client.get("/api/v1/innovations.csv")
    assert response.status_code == 200
    cells = _cells(response.get_data(as_text=True))
    assert "'=1+1 Layanan" in cells and "=1+1 Layanan" not in cells
