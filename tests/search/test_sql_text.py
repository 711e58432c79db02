"""registry.search.sql_text: our terms and queries as SQL text search, matching as Whoosh does.

Each query runs on the Whoosh index, on an SQLite FTS5 table of ``fts5_sections`` and (when
REGISTRY_TEST_DATABASE_URL is set) on a PostgreSQL table of ``record_tsvector``: the ids found
must be the same.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from registry.search import SearchIndex
from registry.search.analysis import terms_of
from registry.search.documents import document_for, section_texts
from registry.search.parsing import parse_query
from registry.search.sql_text import (
    Fts5Query,
    SqlText,
    fts5_query,
    queries_for,
    tsquery_text,
    tsvector_literal,
)
from tests import parallel
from tests.search.test_search import CATALOGUE, record

PG_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL", "")
#: The tokenizer of an FTS5 table of plain_terms text (our terms, nothing folded again).
FTS5_TOKENIZE = "unicode61 remove_diacritics 0"


def record_sections(rec: dict[str, Any]) -> list[str]:
    """A catalogue record's section texts (title, summary, names, body), as indexed."""
    return section_texts(document_for(rec)["text"])


def record_tsvector(rec: dict[str, Any]) -> str:
    return tsvector_literal(record_sections(rec))


def plain_terms(text: str) -> str:
    """The analyzed terms of a text, space-joined (for an FTS5 column)."""
    return " ".join(terms_of(text))


def fts5_sections(rec: dict[str, Any]) -> list[str]:
    """plain_terms of each section (one FTS5 column each, so a phrase never spans two)."""
    return [plain_terms(text) for text in record_sections(rec)]


QUERIES = [
    "vaksinasi lansia",
    "vaksin",  # synonyms: also "vaccination"
    "obat",
    "pelayanan",  # stemmed: layan
    "radio siaran pasien obat",  # nothing has all: the OR fallback
    '"bantuan sosial"',
    '"sosial bantuan"',
    '"antar obat"',
    '"obat pasien"',  # across a stopword
    '"antar pasien"',
    '"antar pasien"~2',
    '"mandiri puskesmas"',  # a phrase never spans two sections
    "mandiri puskesmas",
    '"dinas sosial"',
    '"antar obat" -isolasi',
    "covid-19 obat",
    "radio OR lansia",
    "daring -radio",
    "daring NOT radio",
    "-daring",
    "NOT daring NOT radio",
    "(obat OR radio) AND NOT pasien",
    "+daring +radio",
    "nakes bandung",
    '"vaksin',
    "obat)",
    "a:b:c",
    "elderly vaccination",
]


def _whoosh_ids(ix: SearchIndex, q: str) -> set[int]:
    return {hit.id for hit in ix.search(q, per_page=100).hits}


def _first_found(queries: list[SqlText], run: Any) -> set[int]:
    """As a backend does: the first query that finds something wins."""
    found: set[int] = set()
    for query in queries:
        found = run(query)
        if found:
            break
    return found


@pytest.fixture(scope="module")
def whoosh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    index = SearchIndex(Path(tmp_path_factory.mktemp("sql-text")) / "index")
    index.rebuild(CATALOGUE)
    yield index
    index.close()


@pytest.fixture(scope="module")
def fts5() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        f"CREATE VIRTUAL TABLE docs USING fts5(title, summary, names, body, "
        f"tokenize='{FTS5_TOKENIZE}')"
    )
    for rec in CATALOGUE:
        conn.execute("INSERT INTO docs(rowid, title, summary, names, body) VALUES (?, ?, ?, ?, ?)",
                     (rec["id"], *fts5_sections(rec)))  # fmt: skip
    yield conn
    conn.close()


def _fts5_ids(conn: sqlite3.Connection, query: SqlText) -> set[int]:
    if query.fts5 is None:
        return set()
    sql, args = "SELECT rowid FROM docs WHERE 1", []
    if query.fts5.match is not None:
        sql += " AND docs MATCH ?"
        args.append(query.fts5.match)
    if query.fts5.exclude is not None:
        sql += " AND rowid NOT IN (SELECT rowid FROM docs WHERE docs MATCH ?)"
        args.append(query.fts5.exclude)
    return {row[0] for row in conn.execute(sql, args)}


@pytest.mark.parametrize("q", QUERIES)
def test_fts5_matches_as_whoosh_does(whoosh: SearchIndex, fts5: sqlite3.Connection, q: str) -> None:
    expected = _whoosh_ids(whoosh, q)
    found = _first_found(queries_for(q), lambda query: _fts5_ids(fts5, query))
    assert found == expected


@pytest.fixture(scope="module")
def postgres() -> Iterator[Any]:
    if not PG_URL:
        pytest.skip("PostgreSQL tests need REGISTRY_TEST_DATABASE_URL (set by .ci/run)")
    engine = create_engine(parallel.postgres_url(PG_URL))
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE sql_text_docs (id int, terms tsvector)"))
        for rec in CATALOGUE:
            conn.execute(
                text("INSERT INTO sql_text_docs VALUES (:id, CAST(:terms AS tsvector))"),
                {"id": rec["id"], "terms": record_tsvector(rec)},
            )
        yield conn
    engine.dispose()


def _pg_ids(conn: Any, query: SqlText, cast: bool = True) -> set[int]:
    if query.tsquery is None:
        return set()
    if query.tsquery == "":
        return {row[0] for row in conn.execute(text("SELECT id FROM sql_text_docs"))}
    ts = "CAST(:q AS tsquery)" if cast else "to_tsquery('simple', :q)"
    rows = conn.execute(text(f"SELECT id FROM sql_text_docs WHERE terms @@ {ts}"),
                        {"q": query.tsquery})  # fmt: skip
    return {row[0] for row in rows}


@pytest.mark.parametrize("q", QUERIES)
def test_tsquery_matches_as_whoosh_does(whoosh: SearchIndex, postgres: Any, q: str) -> None:
    expected = _whoosh_ids(whoosh, q)
    assert _first_found(queries_for(q), lambda query: _pg_ids(postgres, query)) == expected
    # to_tsquery('simple', ...) reads our terms as they are
    assert _first_found(queries_for(q), lambda query: _pg_ids(postgres, query, False)) == expected


def test_pg_reads_the_tsvector_literal_as_written(postgres: Any) -> None:
    literal = tsvector_literal(["Antar obat", "obat pasien", "Dinas", "isi"])
    stored = postgres.execute(text("SELECT CAST(CAST(:v AS tsvector) AS text)"), {"v": literal})
    assert stored.scalar() == literal.replace("D", "")  # D is the default weight, not printed


def test_tsvector_literal_positions_and_weights() -> None:
    # stopwords ("untuk") close up; sections are SECTION_GAP (100) apart, weighted A B C D
    literal = tsvector_literal(["Antar obat untuk pasien", "Obat isolasi", "Dinas", "Relawan"])
    assert literal == (
        "'antar':1A 'dina':206C 'isolasi':105B 'obat':2A,104B 'pasien':3A 'relawan':307D"
    )
    assert tsvector_literal(["yang dan the", "", "", ""]) == ""  # only stopwords: no terms


def test_tsvector_literal_quotes_and_caps_positions() -> None:
    assert tsvector_literal(["O'Brien"]) == "'brien':2A 'o':1A"  # TOKEN_RE splits on quotes
    many = tsvector_literal(["", "", "", "warga " * 300])
    assert many.count(",") == 255  # a lexeme keeps 256 positions, as PostgreSQL does


def test_plain_terms_are_the_analyzer_terms() -> None:
    assert plain_terms("Pelayanan antar obat untuk pasien COVID-19") == (
        "layan antar obat pasien covid 19"
    )
    sections = fts5_sections(record(9, "Mobile vaccination", "Vaksinasi keliling"))
    assert sections[:2] == ["mobil vaccin", "vaksin kelil"]


def test_query_translations() -> None:
    def parsed(q: str) -> Any:
        found = parse_query(q)
        assert found is not None
        return found.query

    assert tsquery_text(parsed('"antar obat" pasien')) == "(('antar' <-> 'obat') & 'pasien')"
    assert tsquery_text(parsed("obat OR radio")) == "('obat' | 'radio')"
    assert tsquery_text(parsed("-radio")) == "(!'radio')"
    assert tsquery_text(parsed('"antar pasien"~2')) == (
        "('antar' <1> 'pasien' | 'antar' <2> 'pasien')"
    )
    assert fts5_query(parsed('"antar obat" pasien')) == Fts5Query('("antar obat" AND "pasien")')
    assert fts5_query(parsed("obat -radio")) == Fts5Query('("obat") NOT ("radio")')
    assert fts5_query(parsed("-radio -obat")) == Fts5Query(None, '("radio" OR "obat")')


def test_queries_for_gives_the_or_fallback_and_nothing_for_no_words() -> None:
    first, fallback = queries_for("radio siaran")
    assert first.tsquery == "('radio' & 'siar')" and not first.coord
    assert fallback.tsquery == "('radio' | 'siar')" and fallback.coord
    assert first.terms == {"radio", "siar"}
    assert [q.tsquery for q in queries_for("obat")] == ["'obat'"]  # one word: no fallback
    assert queries_for("") == [] and queries_for("dan yang") == []  # stopwords only
    (exclusion,) = queries_for("-obat")
    assert not exclusion.scored and exclusion.terms == frozenset()
