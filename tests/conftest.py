"""Shared fixtures: an app on a temporary directory, on SQLite and (when configured) PostgreSQL.

PostgreSQL runs when REGISTRY_TEST_DATABASE_URL names a database the tests may wipe
(.ci/run sets it); otherwise those parameters skip with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from registry.app import create_app
from registry.cli.main import register_commands
from registry.extensions import db
from tests import parallel

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PG_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL", "")
_pg_worker_url: list[str] = []


def _wipe_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'instance' / 'registry.db'}"
    if not PG_URL:
        pytest.skip("PostgreSQL tests need REGISTRY_TEST_DATABASE_URL (set by .ci/run)")
    try:
        if not _pg_worker_url:
            _pg_worker_url.append(parallel.postgres_url(PG_URL))
        _wipe_postgres(_pg_worker_url[0])
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"PostgreSQL at REGISTRY_TEST_DATABASE_URL is not reachable: {exc}")
    return _pg_worker_url[0]


@pytest.fixture
def search_backend() -> str:
    """The apps' search backend; a module overrides this with ``both_search_backends``."""
    return "whoosh"


@pytest.fixture(params=["whoosh", "postgres"])
def both_search_backends(request: pytest.FixtureRequest, database_url: str) -> str:
    """Each search backend: the postgres one with the PostgreSQL database only."""
    if request.param == "postgres" and not database_url.startswith("postgresql"):
        pytest.skip("the postgres search backend needs a PostgreSQL database")
    return str(request.param)


@pytest.fixture
def bare_app(tmp_path: Path, database_url: str, search_backend: str) -> Iterator[Flask]:
    """An app whose database has not been initialized."""
    app = create_app(
        {
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "INDEX_DIR": str(tmp_path / "index"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "SEARCH_WRITER_TIMEOUT": 2.0,
            "SEARCH_BACKEND": search_backend,
        }
    )
    register_commands(app)  # as the `registry` command does (registry/__main__.py)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    search = app.extensions.get("registry.search")
    if search is not None:
        search.close()


@pytest.fixture
def app(bare_app: Flask) -> Iterator[Flask]:
    """An initialized app: schema, regions, campaigns and an empty index."""
    from registry.services.setup import initialize

    with bare_app.app_context():
        initialize(train_model=False)  # tests that need a model train their own
    yield bare_app


@pytest.fixture
def ctx(app: Flask) -> Iterator[Any]:
    with app.app_context() as context:
        yield context


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


def make_innovation_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Layanan Antar Obat untuk Warga Isolasi Mandiri",
        "summary": "Puskesmas mengantar obat dan paket vitamin ke rumah warga yang menjalani "
        "isolasi mandiri, dipesan lewat WhatsApp dan diantar relawan desa.",
        "background": "Warga isoman kesulitan mengambil obat.",
        "innovation": "Pemesanan obat lewat WhatsApp, diantar relawan.",
        "implementation": "Dimulai di tiga kecamatan.",
        "results": "1.200 paket obat terkirim dalam dua bulan.",
        "adaptability": "Cukup nomor WhatsApp dan relawan.",
        "resources": "Rp 15 juta untuk bensin relawan.",
        "sustainability": "Dibiayai dana desa.",
        "sectors": ["kesehatan"],
        "focus": "cepat-tanggap",
        "stage": "implementasi",
        "started_on": "2020-07-01",
        "innovator_name": "Dinas Kesehatan Kota Bandung",
        "innovator_type": "pemkot",
        "unit": "Puskesmas Garuda",
        "province": "32",
        "regency": "32.73",
        "links": ["https://demo.lumbung-inovasi.example/antar-obat"],
        "contact_email": "puskesmas@example.org",
        "campaign": None,
    }
    data.update(overrides)
    return data


@pytest.fixture
def innovation_data() -> Any:
    return make_innovation_data
