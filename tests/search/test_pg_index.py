"""What only the PostgreSQL backend has: its state, its vocabulary, its statement timeout.

(The search contract itself runs on both backends in test_search.py.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from registry.search import PostgresSearchIndex, SearchUnavailable
from tests.search.conftest import search_tables_engine
from tests.search.test_search import CATALOGUE, record


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = search_tables_engine()
    yield engine
    engine.dispose()


def test_unbuilt_documents_need_a_rebuild(engine: Engine) -> None:
    index = PostgresSearchIndex(engine)
    assert not index.exists() and index.needs_rebuild()
    with pytest.raises(SearchUnavailable, match="registry index rebuild"):
        index.search("vaksin")
    index.create()
    assert index.exists() and not index.needs_rebuild()
    assert index.search("").total == 0


def test_documents_of_another_version_need_a_rebuild(engine: Engine) -> None:
    index = PostgresSearchIndex(engine)
    index.rebuild(CATALOGUE)
    with engine.begin() as conn:
        conn.execute(text("UPDATE search_state SET version = 0"))
    assert index.exists() and index.needs_rebuild()
    with pytest.raises(SearchUnavailable, match="another version"):
        index.search("")


def test_missing_tables_are_search_unavailable(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE search_state"))
    index = PostgresSearchIndex(engine)
    assert not index.exists() and index.needs_rebuild()
    with pytest.raises(SearchUnavailable, match="registry init"):
        index.search("")


def test_version_changes_with_every_write_only(engine: Engine) -> None:
    index = PostgresSearchIndex(engine)
    index.rebuild(CATALOGUE)
    first = index.version()
    index.search("obat")
    assert index.version() == first
    index.upsert([record(7, "Dapur umum", "Makanan warga.")])
    second = index.version()
    assert second != first
    index.remove([7])
    assert index.version() not in (first, second)
    assert index.remove([7]) == 0
    assert index.upsert([]) == 0


def test_the_vocabulary_follows_upserts_and_removals(engine: Engine) -> None:
    index = PostgresSearchIndex(engine)
    index.rebuild(CATALOGUE)
    assert index.search("lumbun pangan").suggestion is None
    index.upsert([record(7, "Lumbung pangan desa", "Cadangan beras warga.")])
    assert index.search("lumbun pangan").suggestion == "lumbung pangan"
    index.upsert([record(7, "Dapur umum desa", "Cadangan beras warga.")])  # words replaced
    assert index.suggest("lumbun pangan") is None
    assert index.suggest("dapuur") == "dapur"
    index.remove([7])
    assert index.suggest("dapuur") is None
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM search_vocabulary WHERE documents < 0"))
        assert left.scalar() == 0


def test_a_statement_timeout_is_search_unavailable(engine: Engine) -> None:
    index = PostgresSearchIndex(engine, statement_timeout_ms=100)
    index.rebuild(CATALOGUE)
    with engine.connect() as holder, holder.begin():
        # another session holds the table: the search waits, and the timeout ends the wait
        holder.execute(text("LOCK TABLE search_document IN ACCESS EXCLUSIVE MODE"))
        with pytest.raises(SearchUnavailable, match="QueryCanceled"):
            index.search("obat")
        with pytest.raises(SearchUnavailable):
            index.similar(1)
    assert index.search("obat").total == 1  # and the next search is answered


def test_a_rebuild_is_seen_only_once_committed(engine: Engine) -> None:
    index = PostgresSearchIndex(engine)
    index.rebuild(CATALOGUE)

    def records() -> Iterator[dict[str, object]]:
        yield record(9, "Baru", "Inovasi baru.")
        # halfway through the rebuild, searches still see the old documents
        assert PostgresSearchIndex(engine).search("").total == len(CATALOGUE)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="went away"):
        index.rebuild(records())
    assert index.search("").total == len(CATALOGUE)  # a failed rebuild keeps the old ones


def test_a_large_result_is_ranked_on_its_title_summary_and_names_first(engine: Engine) -> None:
    index = PostgresSearchIndex(engine)
    index.rank_exact = 1  # every result of two or more is "large" here
    filler = "Program ini berjalan di tingkat kelurahan bersama warga setempat."
    index.rebuild(
        [
            record(1, "Program warga kelurahan", f"{filler} Masker dibagikan."),
            record(2, "Masker kain untuk warga", filler),
            record(3, "Program warga kelurahan", filler, background="Masker dibagikan."),
            record(4, "Program warga", filler, background="Masker untuk lansia."),
        ]
    )
    # title before summary; the ones with the word in the body only follow, newest first
    found = index.search("masker")
    assert [hit.id for hit in found.hits] == [2, 1, 4, 3] and found.total == 4
    assert [hit.id for hit in index.search("masker", page=2, per_page=3).hits] == [3]
    assert "<mark>Masker</mark>" in found.hits[2].highlight  # from its body


def test_the_backend_names_what_the_database_lacks(engine: Engine) -> None:
    index = PostgresSearchIndex(engine)
    index.check_prerequisites()
    with engine.begin() as conn:
        conn.execute(text("DROP EXTENSION pg_trgm CASCADE"))  # and the vocabulary's index
    with pytest.raises(SearchUnavailable, match="CREATE EXTENSION pg_trgm"):
        index.check_prerequisites()
    assert index.rebuild(CATALOGUE) == len(CATALOGUE)  # a rebuild works without it
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION pg_trgm"))
    index.rebuild(CATALOGUE)  # makes the trigram index migration 0011 could not
    index.check_prerequisites()
    with engine.connect() as conn:
        made = conn.execute(text("SELECT to_regclass('ix_search_vocabulary_trgm')")).scalar()
        assert made is not None
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE search_state"))
    with pytest.raises(SearchUnavailable, match="registry init"):
        index.check_prerequisites()
