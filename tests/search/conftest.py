"""The search contract's fixtures: each runs on the Whoosh backend and, when
REGISTRY_TEST_DATABASE_URL is set, on the PostgreSQL backend (issue 14)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from registry.search import AnyIndex, PostgresSearchIndex, SearchIndex
from registry.search.pg_schema import METADATA, NARROW
from tests import parallel

PG_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL", "")


def search_tables_engine() -> Engine:
    """An engine on the test PostgreSQL database, wiped, with only the search tables (as
    migration 0011 makes them: tests/test_migrations.py checks that the two agree)."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need REGISTRY_TEST_DATABASE_URL (set by .ci/run)")
    engine = create_engine(parallel.postgres_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        METADATA.create_all(conn)
        for statement in NARROW:
            conn.execute(text(statement))
        conn.execute(
            text(
                "INSERT INTO search_state (id, version, generation, built) VALUES (1, 0, 0, false)"
            )
        )
    return engine


@pytest.fixture(params=["whoosh", "postgres"])
def new_index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], AnyIndex]]:
    """Makes an index instance of the backend; every instance sees the same documents."""
    made: list[AnyIndex] = []
    engine: Engine | None = None
    if request.param == "postgres":
        engine = search_tables_engine()

    def make() -> AnyIndex:
        index: AnyIndex = (
            SearchIndex(tmp_path / "index") if engine is None else PostgresSearchIndex(engine)
        )
        made.append(index)
        return index

    yield make
    for index in made:
        index.close()
    if engine is not None:
        engine.dispose()


@pytest.fixture
def ix(new_index: Callable[[], AnyIndex]) -> AnyIndex:
    from tests.search.test_search import CATALOGUE

    index = new_index()
    assert index.rebuild(CATALOGUE) == len(CATALOGUE)
    return index


@pytest.fixture
def whoosh_ix(tmp_path: Path) -> Iterator[SearchIndex]:
    """The Whoosh backend only (its files, locks, segments and worker processes)."""
    from tests.search.test_search import CATALOGUE

    index = SearchIndex(tmp_path / "index")
    assert index.rebuild(CATALOGUE) == len(CATALOGUE)
    yield index
    index.close()
