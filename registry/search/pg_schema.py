"""The PostgreSQL backend's tables (issue 14), made by migration 0011_search_postgres.

Kept out of the models' metadata: they exist on PostgreSQL only (the migration does nothing on
SQLite), and only this package reads or writes them. ``search_document`` holds one row per
published innovation: our analyzer's terms as a tsvector (GIN index), the facet values and
the listing order. Its rows are kept narrow (:data:`NARROW`: the tsvector always goes out of
line), so that the rows a common word matches fit in few pages. ``search_text`` holds what
is read for the shown page or one document only: the stored texts (highlights, "similar
innovations") and the spelling words; ``search_head`` the title, summary and names terms,
for ranking a large result cheaply.
``search_vocabulary`` holds the spelling words of titles and summaries with the number of
documents that have each (trigram index: "did you mean"). ``search_state`` is one row: the
analysis version the documents were built with and a generation that every write raises.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

from .contract import FACETS

METADATA = MetaData()

#: The facet columns of search_document, in FACETS order (sectors is an array).
FACET_COLUMNS = ("sectors", *FACETS[1:])

DOCUMENT = Table(
    "search_document",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("terms", TSVECTOR, nullable=False),
    Column("published", Float, nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("sectors", ARRAY(Text), nullable=False),
    Column("focus", String(40), nullable=False),
    Column("innovator_type", String(40), nullable=False),
    Column("province", String(20), nullable=False),
    Column("stage", String(40), nullable=False),
    Column("year", String(4), nullable=False),
    Column("regency", String(20), nullable=False),
    Column("operating_status", String(40), nullable=False),
    Column("replicated", String(5), nullable=False),
    Index("ix_search_document_terms", "terms", postgresql_using="gin"),
    Index("ix_search_document_newest", text("published DESC"), text("id DESC")),
)

TEXT = Table(
    "search_text",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("texts", ARRAY(Text), nullable=False),
    Column("spell", ARRAY(Text), nullable=False),
)

HEAD = Table(
    "search_head",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("head", TSVECTOR, nullable=False),
    Index("ix_search_head_head", "head", postgresql_using="gin"),
)

#: Storage settings the migration applies (metadata cannot say them): the full terms are
#: stored out of line uncompressed (a row over 2 kB moves them out, and reading them needs
#: no decompression), the ranking terms in line (compressed when large; capped by
#: pg_writing.HEAD_BYTES, so a row never outgrows its page).
NARROW = (
    "ALTER TABLE search_document ALTER COLUMN terms SET STORAGE EXTERNAL",
    "ALTER TABLE search_head ALTER COLUMN head SET STORAGE MAIN",
)

VOCABULARY = Table(
    "search_vocabulary",
    METADATA,
    Column("word", Text, primary_key=True),
    Column("documents", Integer, nullable=False),
    Index(
        "ix_search_vocabulary_trgm",
        "word",
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    ),
)

#: the vocabulary's trigram index as migration 0011 makes it (when pg_trgm is there)
TRIGRAM_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_search_vocabulary_trgm ON search_vocabulary "
    "USING gin (word gin_trgm_ops)"
)

STATE = Table(
    "search_state",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("generation", Integer, nullable=False),
    Column("built", Boolean, nullable=False),
)
