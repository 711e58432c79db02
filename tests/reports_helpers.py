"""Helpers for the reports tests: a report's data, users, and a JPEG carrying EXIF."""

from __future__ import annotations

import datetime as dt
import struct
from typing import Any

from registry.extensions import db
from registry.models import User
from registry.services import reports
from tests.accounts_helpers import make_user

REPORTER = {"name": "Siti Rahayu", "email": "siti.rahayu@example.net", "phone": "+62 812 5555 0101"}


def report_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "pengaduan",
        "category": "bantuan-sosial",
        "title": "Bantuan sembako belum diterima",
        "body": "Keluarga kami terdaftar sebagai penerima bantuan sembako tetapi sudah dua bulan "
        "belum menerima apa pun dari kelurahan.",
        "province": "32",
        "regency": "32.73",
        "innovation": None,
        "occurred_on": "2020-05-02",
        "anonymous": False,
        "confidential": False,
        "reporter": dict(REPORTER),
    }
    data.update(overrides)
    return data


def people() -> tuple[User, User, User]:
    """A curator, the Bandung social office and another institution."""
    curator = make_user("kurator@example.org", "curator", org=None)
    dinsos = make_user("dinsos@example.org", "institution", org="Dinas Sosial Kota Bandung")
    other = make_user("lain@example.org", "institution", org="Dinas Lain")
    return curator, dinsos, other


def walk_to(report: Any, status: str, curator: User, institution: User, **kw: Any) -> None:
    """Take a report from received to ``status`` through the ordinary steps."""
    steps = {
        "verified": ["verify"],
        "disposed": ["verify", "dispose"],
        "responded": ["verify", "dispose", "respond"],
        "closed": ["verify", "dispose", "respond", "close"],
        "rejected": ["reject"],
    }[status]
    for step in steps:
        if step in ("verify", "dispose", "reject"):
            actor = reports.Actor.of(curator)
        elif step == "respond":
            actor = reports.Actor.of(institution)
        else:
            actor = reports.Actor.reporter()
        reports.act(
            report,
            step,
            actor=actor,
            to=institution if step == "dispose" else None,
            reason="spam" if step == "reject" else "",
            text="Sudah kami salurkan minggu ini." if step == "respond" else "",
            rating=4 if step == "close" else None,
            **kw,
        )
    db.session.flush()


def exif_jpeg() -> bytes:
    """A tiny JPEG-shaped file with an EXIF block holding a GPS tag and a camera comment."""
    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08GPSLatitude-6.9175"
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    app0 = b"\xff\xe0" + struct.pack(">H", len(jfif) + 2) + jfif
    comment = b"Kamera Budi"
    com = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    sos = b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + app0 + app1 + com + sos + b"\x12\x34\x56" + b"\xff\xd9"


def days_ago(days: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
