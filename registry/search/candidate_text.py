"""The inbox's text filter: what a curator typed as conditions on candidates, through the
database's own full-text index of ``candidate.search_terms`` (migration 0012: SQLite's FTS5
table ``candidate_fts``, PostgreSQL's GIN index over ``to_tsvector('simple', search_terms)``).

The query language is the catalogue search's (:func:`.sql_text.queries_for`: phrases, groups,
AND/OR/NOT, +/-, broken syntax read as words, synonyms), over the same analyzer's terms.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, column, false, func, literal_column, select, table, true
from sqlalchemy.sql.elements import ColumnElement

from ..models import Candidate
from .sql_text import SqlText, queries_for

FTS_TABLE = "candidate_fts"
_SIMPLE = "'simple'::regconfig"  # spelled as in the GIN index, so that the planner uses it


def text_conditions(q: str, dialect: str) -> list[ColumnElement[bool]]:
    """The conditions to try in order for ``q`` (the words with AND, then with OR: the first
    that finds a candidate wins); empty when ``q`` constrains nothing (no words)."""
    return [_condition(sql, dialect) for sql in queries_for(q)]


def _condition(sql: SqlText, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        if sql.tsquery is None:
            return false()
        if sql.tsquery == "":
            return true()
        vector = func.to_tsvector(literal_column(_SIMPLE), Candidate.search_terms)
        return vector.op("@@")(func.to_tsquery(literal_column(_SIMPLE), sql.tsquery))
    if sql.fts5 is None:
        return false()
    # the matches as a set (SQLite reads them once per statement, in rowid order); asking the
    # FTS5 table about one candidate at a time costs a full-text query per row
    parts: list[ColumnElement[bool]] = []
    if sql.fts5.match is not None:
        parts.append(Candidate.id.in_(_fts_rows(sql.fts5.match)))
    if sql.fts5.exclude is not None:
        parts.append(Candidate.id.not_in(_fts_rows(sql.fts5.exclude)))
    if not parts:
        return true()
    return parts[0] if len(parts) == 1 else parts[0] & parts[1]


def _fts_rows(match: str) -> Select[Any]:
    """The candidate ids whose terms match an FTS5 expression."""
    fts = table(FTS_TABLE, column("rowid"))
    return select(fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(match))
