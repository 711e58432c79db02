"""A small published catalogue spread over provinces and regencies, for the map's tests."""

from __future__ import annotations

from typing import Any

from registry.extensions import db
from registry.services import catalogue

# (title, sectors, focus, innovator_type, province, regency, started_on, status)
ROWS = [
    (
        "Antar Obat Isoman Bandung",
        ["kesehatan"],
        "cepat-tanggap",
        "pemkot",
        "32",
        "32.73",
        "2020-07-01",
        "published",
    ),
    (
        "Lumbung Pangan Bogor",
        ["bantuan-sosial"],
        "ketangguhan-massal",
        "pemkab",
        "32",
        "32.01",
        "2021-03-01",
        "published",
    ),
    (
        "Bansos Tepat Sasaran Bandung",
        ["bantuan-sosial", "kesehatan"],
        "cepat-tanggap",
        "pemkot",
        "32",
        "32.73",
        "2021-05-01",
        "published",
    ),
    (
        "Izin Usaha Daring Jatim",
        ["ekonomi"],
        "ketangguhan-massal",
        "pemprov",
        "35",
        None,
        "2021-02-01",
        "published",
    ),
    (
        "Posko Relawan Semarang",
        ["kesehatan"],
        "cepat-tanggap",
        "masyarakat-sipil",
        "33",
        "33.74",
        "2020-04-01",
        "published",
    ),
    (
        "Draf Belum Terbit",
        ["kesehatan"],
        "cepat-tanggap",
        "pemkot",
        "31",
        "31.71",
        "2020-04-01",
        "submitted",
    ),
]


def make_catalogue(innovation_data: Any) -> list[int]:
    ids = []
    for title, sectors, focus, kind, province, regency, started, status in ROWS:
        row = catalogue.create(
            innovation_data(
                title=title,
                sectors=sectors,
                focus=focus,
                innovator_type=kind,
                province=province,
                regency=regency,
                started_on=started,
            ),
            actor="t",
            status=status,
        )
        ids.append(row.id)
    db.session.commit()
    return ids
