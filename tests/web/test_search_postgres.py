"""The postgres search backend in the app (issue 14): written in the catalogue's own
transaction, shared by every web process on one database, and answering 503 (never 500) when
the database cannot search in time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from registry import config
from registry.app import create_app
from registry.extensions import db
from registry.services import catalogue


@pytest.fixture
def search_backend(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the postgres search backend needs a PostgreSQL database")
    return "postgres"


@pytest.fixture
def other_app(tmp_path: Path, app: Flask) -> Iterator[Callable[..., Flask]]:
    """Makes another app (another web process) on the same database, its own empty folders."""
    made: list[Flask] = []

    def make(name: str, **settings: Any) -> Flask:
        other = create_app(
            {
                "INSTANCE_DIR": str(tmp_path / name / "instance"),
                "INDEX_DIR": str(tmp_path / name / "index"),
                "DATABASE_URL": app.config["DATABASE_URL"],
                "SECRET_KEY": "test-secret",
                "TESTING": True,
                "SEARCH_BACKEND": "postgres",
                **settings,
            }
        )
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def _publish(app: Flask, data: dict[str, Any]) -> int:
    with app.app_context():
        row = catalogue.create(data, actor="t", status="published")
        db.session.commit()
        return row.id


def _found(app: Flask, q: str) -> dict[str, Any]:
    response = app.test_client().get("/api/v1/innovations", query_string={"q": q})
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def test_two_web_processes_answer_alike_and_see_a_third_ones_publication_at_once(
    app: Flask, other_app: Callable[..., Flask], innovation_data: Any, tmp_path: Path
) -> None:
    _publish(app, innovation_data())
    first, second, publisher = other_app("one"), other_app("two"), other_app("three")
    for q in ("obat", "isoman bandung", '"antar obat"', "-obat", "vaksin"):
        assert _found(first, q) == _found(second, q)
    assert _found(first, "lumbung")["total"] == 0
    new_id = _publish(
        publisher,
        innovation_data(title="Lumbung pangan desa", summary="Cadangan beras warga desa."),
    )
    for web in (first, second):
        body = _found(web, "lumbung pangan")
        assert [r["id"] for r in body["results"]] == [new_id]
    assert _found(first, "") == _found(second, "")
    for name in ("one", "two", "three"):
        assert not (tmp_path / name / "index").exists()  # no local index anywhere


def test_documents_are_written_in_the_innovations_transaction(
    app: Flask, innovation_data: Any
) -> None:
    with app.app_context():
        row = catalogue.create(innovation_data(), actor="t", status="published")
        db.session.flush()
        db.session.rollback()  # never committed: never searchable
        assert _found(app, "obat")["total"] == 0
        # a document that cannot be written fails the commit: the innovation is not saved
        # either (the Whoosh backend would commit it and retry the index later)
        db.session.execute(text("ALTER TABLE search_vocabulary RENAME TO vocabulary_gone"))
        db.session.commit()
        catalogue.create(innovation_data(title="Tidak tersimpan"), actor="t", status="published")
        with pytest.raises(Exception, match="search_vocabulary"):
            db.session.commit()
        db.session.rollback()
        db.session.execute(text("ALTER TABLE vocabulary_gone RENAME TO search_vocabulary"))
        db.session.commit()
        assert db.session.execute(text("SELECT count(*) FROM innovation")).scalar() == 0
        row = catalogue.create(innovation_data(), actor="t", status="published")
        db.session.commit()
        # the document is there as soon as the commit returns, with no job run after it
        assert (
            db.session.execute(
                text("SELECT count(*) FROM search_document WHERE id = :id"), {"id": row.id}
            ).scalar()
            == 1
        )
        catalogue.transition(row, "withdrawn", actor="t", note="")
        db.session.commit()
    assert _found(app, "obat")["total"] == 0


def test_index_commands_rebuild_and_sync_the_documents(app: Flask, innovation_data: Any) -> None:
    first = _publish(app, innovation_data())
    _publish(app, innovation_data(title="Sekolah daring lewat radio", summary="Siaran radio."))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0 and "indexed 2" in result.output
    with app.app_context():
        db.session.execute(text("DELETE FROM search_document WHERE id = :id"), {"id": first})
        db.session.execute(text("UPDATE search_document SET updated_at = 'old'"))
        db.session.execute(
            text(
                "INSERT INTO search_document SELECT 999, terms, published, updated_at, "
                "sectors, focus, innovator_type, province, stage, year, regency, "
                "operating_status, replicated FROM search_document LIMIT 1"
            )
        )
        db.session.commit()
    assert _found(app, '"antar obat"')["total"] == 0  # only the first's title says it
    assert _found(app, "")["total"] == 2  # the second, and 999, which is no innovation
    result = runner.invoke(args=["index", "sync"])
    assert result.exit_code == 0 and "2 updated, 1 removed" in result.output
    assert [r["id"] for r in _found(app, '"antar obat"')["results"]] == [first]
    assert _found(app, "")["total"] == 2


def test_a_statement_timeout_is_503_with_retry_after(
    app: Flask, other_app: Callable[..., Flask], innovation_data: Any
) -> None:
    _publish(app, innovation_data())
    impatient = other_app("impatient", SEARCH_STATEMENT_TIMEOUT_MS=100)
    holder = create_engine(app.config["DATABASE_URL"])
    try:
        with holder.connect() as conn, conn.begin():
            conn.execute(text("LOCK TABLE search_document IN ACCESS EXCLUSIVE MODE"))
            client = impatient.test_client()
            api = client.get("/api/v1/innovations", query_string={"q": "obat"})
            assert api.status_code == 503 and api.headers["Retry-After"]
            assert api.mimetype == "application/problem+json"
            page = client.get("/search", query_string={"q": "obat"})
            assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    finally:
        holder.dispose()
    assert _found(impatient, "obat")["total"] == 1


@pytest.mark.parametrize(
    "q", ['"vaksin', "title:(", "AND OR", "*", "((", "obat)", "a:b:c", "-", "NOT", "\\", "'"]
)
def test_malformed_queries_are_answered(app: Flask, innovation_data: Any, q: str) -> None:
    _publish(app, innovation_data())
    assert "results" in _found(app, q)


def test_the_postgres_backend_is_refused_on_sqlite(tmp_path: Path) -> None:
    settings = {"INSTANCE_DIR": str(tmp_path), "SEARCH_BACKEND": "postgres"}
    with pytest.raises(config.ConfigError, match="REGISTRY_SEARCH_BACKEND=postgres"):
        config.load(settings)
    with pytest.raises(config.ConfigError, match="REGISTRY_SEARCH_BACKEND"):
        config.load({**settings, "SEARCH_BACKEND": "solr"})
    # `registry init` says so in one line, without a traceback, and fails
    from click.testing import CliRunner

    from registry.cli.main import make_main

    result = CliRunner().invoke(
        make_main(create_app),
        ["init"],
        env={
            "REGISTRY_INSTANCE_DIR": str(tmp_path),
            "REGISTRY_SEARCH_BACKEND": "postgres",
            "REGISTRY_DATABASE_URL": "",
        },
    )
    assert result.exit_code == 1
    assert "REGISTRY_SEARCH_BACKEND=postgres" in result.output
    assert "Traceback" not in result.output


DEMO_QUERIES = [
    "",
    "vaksin",
    "vaccination elderly",
    "obat isoman",
    "nakes",
    "bansos tunai",
    "sekolah daring",
    "pasar umkm online",
    '"isolasi mandiri"',
    '"bantuan sosial" -tunai',
    "relawan OR posko",
    "(masker OR hand sanitizer) AND NOT desa",
    "-covid",
    "+kesehatan +jawa",
    "pelayanan publik digital",
    "radio siaran pasien obat",  # nothing has all: the OR fallback
    "jakarta",
    "kabupaten banyumas",
    "xqzvwk",
    '"vaksin',
]


def test_hit_counts_and_facets_agree_with_whoosh_on_the_demo_catalogue(
    app: Flask, tmp_path: Path
) -> None:
    """Matching agrees exactly (tolerance 0): the same totals and facet counts for the same
    queries, with and without filters; only the order of equally matching hits may differ."""
    from registry.search import SearchIndex
    from registry.services import demo, indexing, transfer

    with app.app_context():
        for path in demo.demo_files():
            rows = transfer.read_rows(path)
            transfer.import_rows(rows, actor="demo", publish=True, checkpoint=db.session.commit)
            db.session.commit()
        # the postgres documents were written by the imports' own transactions
        whoosh = SearchIndex(tmp_path / "whoosh")
        whoosh.rebuild(indexing.published_records())
        postgres = indexing.get_index()
        titles = [r["title"] for r in indexing.published_records()]
        assert len(titles) > 50
        queries = DEMO_QUERIES + [" ".join(t.split()[:2]) for t in titles[::5]]
        for q in queries:
            for filters in ({}, {"province": ["32", "31"]}, {"sector": ["kesehatan"]}):
                a, b = whoosh.search(q, filters), postgres.search(q, filters)
                assert (a.total, a.facets) == (b.total, b.facets), (q, filters)
                if a.total <= 20:
                    assert {h.id for h in a.hits} == {h.id for h in b.hits}, (q, filters)
        assert whoosh.search("vaksinsi").suggestion == postgres.search("vaksinsi").suggestion
        whoosh.close()
