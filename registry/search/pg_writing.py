"""Writing the PostgreSQL backend's documents: rows of records, batches, the rebuild.

Every write here runs on a connection the caller gives, inside the caller's transaction: the
catalogue's own transaction (``registry.services.indexing`` writes the innovations it
touched just before the commit), or one of the index's own for a rebuild or a sync.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, text

from .analysis import spelling_of
from .documents import decode_meta, document_for, section_texts
from .pg_schema import FACET_COLUMNS, TRIGRAM_INDEX
from .schema import SCHEMA_VERSION
from .sql_text import tsvector_literal

#: the columns of search_document and search_text as written (tsvectors as literals)
COLUMNS = ("id", "terms", "published", "updated_at", *FACET_COLUMNS)
TEXT_COLUMNS = ("id", "texts", "spell")
HEAD_COLUMNS = ("id", "head")
_TSVECTORS = ("terms", "head")
_COPY_BATCH = 2000
#: the most a document's ranking terms hold (search_head, kept in the row): ample for a
#: title, summary and names (a 400-word summary has ~4 kB), and a row always fits a page
HEAD_BYTES = 6000


def _upsert_sql(table: str, columns: tuple[str, ...]) -> Any:
    return text(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ("
        + ", ".join(f"CAST(:{c} AS tsvector)" if c in _TSVECTORS else f":{c}" for c in columns)
        + ") ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "id")
    )


_UPSERT = _upsert_sql("search_document", COLUMNS)
_UPSERT_TEXT = _upsert_sql("search_text", TEXT_COLUMNS)
_UPSERT_HEAD = _upsert_sql("search_head", HEAD_COLUMNS)
_TABLES = (
    ("search_document", COLUMNS),
    ("search_text", TEXT_COLUMNS),
    ("search_head", HEAD_COLUMNS),
)
_VOCABULARY_ADD = text(
    "INSERT INTO search_vocabulary (word, documents) VALUES (:word, :n) "
    "ON CONFLICT (word) DO UPDATE SET documents = search_vocabulary.documents + EXCLUDED.documents"
)
_BUMP = text("UPDATE search_state SET generation = generation + 1 WHERE id = 1")


def row_for(record: Mapping[str, Any]) -> dict[str, Any]:
    """The search_document and search_text values of a published record, in one dict (the
    same values as Whoosh's document)."""
    doc = document_for(record)
    meta = decode_meta(doc["meta"])
    if meta is None:  # pragma: no cover - document_for always writes a readable row
        raise ValueError(f"record {record.get('id')!r} has no readable facet values")
    sections = section_texts(doc["text"])
    row: dict[str, Any] = {
        "id": meta.id,
        "terms": tsvector_literal(sections),
        "head": tsvector_literal(sections[:3], HEAD_BYTES),  # title, summary, names
        "texts": list(doc["texts"]),
        "spell": sorted(spelling_of(doc["spell"])),
        "published": meta.published,
        "updated_at": meta.updated_at,
        "sectors": list(meta.values[0]),
    }
    for name, values in zip(FACET_COLUMNS[1:], meta.values[1:], strict=True):
        row[name] = values[0] if values else ""
    return row


def lock_writers_out(conn: Connection) -> None:
    """Hold off other writers (not readers) until this transaction ends; waits for theirs."""
    conn.execute(text("LOCK TABLE search_document IN SHARE ROW EXCLUSIVE MODE"))


class PgBatch:
    """Changes written on one connection, in its transaction (see ``SearchIndex.batch``)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.upserted = 0
        self.removed = 0

    def upsert(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add or replace documents by id; returns how many were written."""
        rows: dict[int, dict[str, Any]] = {}
        for record in records:
            row = row_for(record)
            rows[row["id"]] = row  # the last version of a record wins
        if not rows:
            return 0
        ids = sorted(rows)
        old = self.conn.execute(
            text(
                "SELECT spell FROM search_text WHERE id IN :ids ORDER BY id FOR UPDATE"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        )
        delta: Counter[str] = Counter()
        for (spell,) in old:
            delta.subtract(spell or ())
        for row in rows.values():
            delta.update(row["spell"])
        self.conn.execute(_UPSERT, [{c: rows[i][c] for c in COLUMNS} for i in ids])
        self.conn.execute(_UPSERT_TEXT, [{c: rows[i][c] for c in TEXT_COLUMNS} for i in ids])
        self.conn.execute(_UPSERT_HEAD, [{c: rows[i][c] for c in HEAD_COLUMNS} for i in ids])
        self._vocabulary(delta)
        self.upserted += len(rows)
        self.conn.execute(_BUMP)
        return len(rows)

    def remove(self, ids: Iterable[int]) -> int:
        """Delete documents by id; returns how many were removed."""
        keys = sorted({int(i) for i in ids})
        if not keys:
            return 0
        gone = self.conn.execute(
            text("DELETE FROM search_document WHERE id IN :ids RETURNING id").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": keys},
        ).all()
        self.conn.execute(
            text("DELETE FROM search_head WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": keys},
        )
        spelled = self.conn.execute(
            text("DELETE FROM search_text WHERE id IN :ids RETURNING spell").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": keys},
        ).all()
        delta: Counter[str] = Counter()
        for (spell,) in spelled:
            delta.subtract(spell or ())
        self._vocabulary(delta)
        if gone:
            self.removed += len(gone)
            self.conn.execute(_BUMP)
        return len(gone)

    def _vocabulary(self, delta: Counter[str]) -> None:
        changes = [{"word": w, "n": n} for w, n in sorted(delta.items()) if n]
        if changes:  # in word order, so two writers never wait on each other's words
            self.conn.execute(_VOCABULARY_ADD, changes)


def rebuild(conn: Connection, records: Iterable[Mapping[str, Any]]) -> int:
    """Replace every document by those of ``records`` (the first of an id wins), in the
    caller's transaction: readers see the old documents until it commits."""
    for table in ("search_document", "search_text", "search_head", "search_vocabulary"):
        conn.execute(text(f"DELETE FROM {table}"))
    seen: set[int] = set()
    raw = conn.connection.driver_connection
    count = 0
    source = iter(records)
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        while batch := list(itertools.islice(source, _COPY_BATCH)):
            rows = []
            for record in batch:
                row = row_for(record)
                if row["id"] not in seen:
                    seen.add(row["id"])
                    rows.append(row)
            for table, columns in _TABLES:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
            count += len(rows)
    has_trigrams = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    if has_trigrams.scalar():  # migration 0011 skipped it when pg_trgm came later
        conn.execute(text(TRIGRAM_INDEX))
    conn.execute(
        text(
            "INSERT INTO search_vocabulary (word, documents) "
            "SELECT w, count(*) FROM search_text, unnest(spell) AS w GROUP BY w"
        )
    )
    conn.execute(
        text(
            "UPDATE search_state SET version = :v, built = true, "
            "generation = generation + 1 WHERE id = 1"
        ),
        {"v": SCHEMA_VERSION},
    )
    return count
