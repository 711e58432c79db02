"""The PostgreSQL search backend: :class:`PostgresSearchIndex`, SearchIndex's interface on SQL.

Documents live in the database (:mod:`registry.search.pg_schema`), so every web host reads the
same ones and a write is seen as soon as its transaction commits: nothing is kept on disk and
nothing is built after the commit. Matching uses our own analyzer's terms
(:mod:`registry.search.sql_text`), so it agrees with the Whoosh backend; ranking is
PostgreSQL's ``ts_rank`` with the section weights, so the order may differ. Every query runs
with a ``statement_timeout``: a database that cannot answer in time is SearchUnavailable.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, ProgrammingError, SQLAlchemyError

from .contract import (
    FACETS,
    MAX_QUERY_CHARS,
    REBUILD_CMD,
    SORTS,
    Hit,
    SearchResult,
    SearchUnavailable,
)
from .highlights import highlight, snippet_sources
from .pg_schema import FACET_COLUMNS
from .pg_suggestions import similar_ids, suggestion_for
from .pg_writing import PgBatch, lock_writers_out, rebuild
from .schema import SCHEMA_VERSION
from .sql_text import SqlText, queries_for

#: ts_rank's weights for D, C, B, A: the body 1, names 1.5, summary 2, title 4 (as Whoosh's)
RANK_WEIGHTS = "{0.25,0.375,0.5,1.0}"
_FACET_OF_COLUMN = dict(zip(FACETS, FACET_COLUMNS, strict=True))
_SINGLE_FACETS = FACETS[1:]
# GROUPING(...) of the single facets is a bit mask with a 0 for the one grouped on (the
# first facet is the highest bit)
_WIDTH = len(_SINGLE_FACETS)
_FACET_OF_GROUPING = {
    ((1 << _WIDTH) - 1) ^ (1 << (_WIDTH - 1 - i)): f for i, f in enumerate(_SINGLE_FACETS)
}


class PostgresSearchIndex:
    """Search over the search_document table, with the interface of ``SearchIndex``.

    ``engine`` is called for the engine to use (the app's, looked up per call, so one
    instance serves whichever app context is current). Writes made in the catalogue's own
    transaction go through :meth:`batch_on`.
    """

    #: writes happen in the catalogue's transaction (services/indexing.py), not after it
    in_transaction = True

    def __init__(self, engine: Any, statement_timeout_ms: int = 5000):
        self._engine = engine
        self.statement_timeout_ms = int(statement_timeout_ms)
        self._lock = threading.Lock()
        # what a search without words or filters answers: total and facets, per generation
        self._everything: tuple[int, tuple[int, dict[str, dict[str, int]]]] | None = None

    def __repr__(self) -> str:
        return "PostgresSearchIndex()"

    @property
    def engine(self) -> Engine:
        engine: Engine = self._engine() if callable(self._engine) else self._engine
        return engine

    # -- connections -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self) -> Iterator[tuple[Connection, tuple[int, int, bool]]]:
        """A read-only transaction with the statement timeout, and the documents' state
        (analysis version, generation, built), read in the same round trip; database errors
        become SearchUnavailable."""
        try:
            with self.engine.connect() as conn, conn.begin():
                try:
                    row = conn.execute(
                        text(
                            "SELECT set_config('statement_timeout', :ms, true), version, "
                            "generation, built FROM search_state WHERE id = 1"
                        ),
                        {"ms": str(self.statement_timeout_ms)},
                    ).one_or_none()
                except ProgrammingError as exc:
                    raise SearchUnavailable(
                        "the search tables are missing (run `registry init`) "
                        f"({type(exc.orig).__name__})"
                    ) from exc
                if row is None:
                    raise SearchUnavailable(f"the search tables are empty; {REBUILD_CMD}")
                yield conn, (int(row[1]), int(row[2]), bool(row[3]))
        except SearchUnavailable:
            raise
        except DBAPIError as exc:
            raise SearchUnavailable(
                f"the search database did not answer ({type(exc.orig).__name__}); try again"
            ) from exc

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                lock_writers_out(conn)
                yield conn
        except SQLAlchemyError as exc:
            raise SearchUnavailable(f"cannot write the search documents ({exc})") from exc

    # -- state -------------------------------------------------------------------------------

    @staticmethod
    def _ready(state: tuple[int, int, bool]) -> int:
        """The generation of documents a search may use; SearchUnavailable otherwise."""
        version, generation, built = state
        if not built:
            raise SearchUnavailable(f"the search documents were never built; {REBUILD_CMD}")
        if version != SCHEMA_VERSION:
            raise SearchUnavailable(
                f"the search documents were built by another version; {REBUILD_CMD}"
            )
        return generation

    def exists(self) -> bool:
        """True when the documents were built (by any version: see ``needs_rebuild``)."""
        try:
            with self._reading() as (_, state):
                return state[2]
        except SearchUnavailable:
            return False

    def needs_rebuild(self) -> bool:
        try:
            with self._reading() as (_, state):
                self._ready(state)
        except SearchUnavailable:
            return True
        return False

    def version(self) -> tuple[int, ...]:
        """Changes whenever what a search sees does (any committed write, a rebuild)."""
        with self._reading() as (_, state):
            return (self._ready(state),)

    def close(self) -> None:
        """Nothing is held open (the app's engine owns the connections)."""

    def warm(self) -> None:
        """Parse a query and count everything once (a server's start-up)."""
        queries_for("warm up")
        self.search("", per_page=1)

    # -- writing -----------------------------------------------------------------------------

    def batch_on(self, conn: Connection) -> PgBatch:
        """Changes written in the caller's transaction (the catalogue's, before its commit)."""
        return PgBatch(conn)

    @contextlib.contextmanager
    def batch(self) -> Iterator[PgBatch]:
        """Several changes in one transaction of their own, other writers held off first
        (so what the caller reads next is not overtaken by a concurrent write)."""
        with self._writing() as conn:
            yield PgBatch(conn)

    def upsert(self, records: Iterable[Mapping[str, Any]]) -> int:
        with self.batch() as batch:
            return batch.upsert(records)

    def remove(self, ids: Iterable[int]) -> int:
        with self.batch() as batch:
            return batch.remove(ids)

    def create(self) -> None:
        self.rebuild(())

    def rebuild(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Replace every document in one transaction (searches see the old ones until it
        commits; writers wait). Returns the number of documents."""
        with self._writing() as conn:
            return rebuild(conn, records)

    def stamps(self) -> dict[int, str]:
        with self._reading() as (conn, _):
            rows = conn.execute(text("SELECT id, updated_at FROM search_document"))
            return {int(i): str(u) for i, u in rows}

    # -- reading -----------------------------------------------------------------------------

    def search(
        self,
        q: str = "",
        filters: Mapping[str, Sequence[str]] | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResult:
        """As ``SearchIndex.search``: filter, count facets, one page of hits, a suggestion."""
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        if page < 1:
            raise ValueError("page must be 1 or more")
        if per_page < 1:
            raise ValueError("per_page must be 1 or more")
        q = (q or "")[:MAX_QUERY_CHARS]
        where, params = _filter_sql(filters)
        queries = queries_for(q) if q.strip() else []
        with self._reading() as (conn, state):
            generation = self._ready(state)
            chosen: SqlText | None = None
            total = 0
            facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
            if not queries:
                total, facets = self._counts(conn, where, params, generation)
            for query in queries:
                chosen = query
                if query.tsquery is None:
                    continue
                match_where, match_params = _match_sql(query, where, params)
                total, facets = self._counts(conn, match_where, match_params, None)
                if total:
                    break
            hits: list[Hit] = []
            offset = (page - 1) * per_page
            if offset < total:
                page_where, page_params = (
                    _match_sql(chosen, where, params) if chosen is not None else (where, params)
                )
                ranked = (
                    chosen is not None
                    and chosen.scored
                    and bool(chosen.tsquery)
                    and sort == "relevance"
                )
                terms = set(chosen.terms) if chosen is not None else set()
                hits = self._page(conn, page_where, page_params, ranked, offset, per_page, terms)
            suggestion = suggestion_for(conn, q) if q.strip() else None
        return SearchResult(total=total, hits=hits, facets=facets, suggestion=suggestion)

    def _counts(
        self, conn: Connection, where: str, params: dict[str, Any], generation: int | None
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """The total and the facet counts of the rows passing ``where`` (one statement)."""
        if generation is not None and where == "TRUE":
            with self._lock:
                cached = self._everything
            if cached is not None and cached[0] == generation:
                total, facets = cached[1]
                return total, {name: dict(counts) for name, counts in facets.items()}
        singles = ", ".join(_FACET_OF_COLUMN[f] for f in _SINGLE_FACETS)
        sets = ", ".join(f"({_FACET_OF_COLUMN[f]})" for f in _SINGLE_FACETS)
        grouping = ", ".join(_FACET_OF_COLUMN[f] for f in _SINGLE_FACETS)
        sql = (
            f"WITH matched AS MATERIALIZED (SELECT sectors, {singles} FROM search_document d "
            f"WHERE {where}) "
            "SELECT -1, '', count(*) FROM matched "
            "UNION ALL SELECT 0, s, count(*) FROM matched, unnest(sectors) AS s GROUP BY s "
            f"UNION ALL SELECT GROUPING({grouping}), COALESCE({singles}), count(*) "
            f"FROM matched GROUP BY GROUPING SETS ({sets})"
        )
        total = 0
        found: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for mask, value, count in conn.execute(text(sql), params):
            if mask == -1:
                total = int(count)
            elif mask == 0:
                found["sector"][str(value)] = int(count)
            elif value:
                found[_FACET_OF_GROUPING[int(mask)]][str(value)] = int(count)
        facets = {
            name: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            for name, counts in found.items()
        }
        if generation is not None and where == "TRUE":
            with self._lock:
                self._everything = (generation, (total, facets))
            facets = {name: dict(counts) for name, counts in facets.items()}
        return total, facets

    def _page(
        self,
        conn: Connection,
        where: str,
        params: dict[str, Any],
        ranked: bool,
        offset: int,
        limit: int,
        terms: set[str],
    ) -> list[Hit]:
        """One page of hits with their snippets (the stored texts of that page only)."""
        if ranked:
            score = "ts_rank(CAST(:weights AS real[]), terms, CAST(:tsq AS tsquery), 1)"
            params = {**params, "weights": RANK_WEIGHTS}
        else:
            score = "0.0"
        sql = (
            f"WITH page AS (SELECT id, {score} AS score, published FROM search_document d "
            f"WHERE {where} ORDER BY score DESC, published DESC, id DESC "
            "LIMIT :limit OFFSET :offset) "
            "SELECT p.id, p.score, d.texts FROM page p JOIN search_document d ON d.id = p.id "
            "ORDER BY p.score DESC, p.published DESC, p.id DESC"
        )
        rows = conn.execute(text(sql), {**params, "limit": limit, "offset": offset})
        return [
            Hit(id=int(i), score=float(s), highlight=highlight(snippet_sources(t or ()), terms))
            for i, s, t in rows
        ]

    def suggest(self, q: str) -> str | None:
        if not q or not q.strip():
            return None
        with self._reading() as (conn, state):
            self._ready(state)
            return suggestion_for(conn, q)

    def similar(self, id: int, limit: int = 5) -> list[int]:
        if limit < 1:
            return []
        with self._reading() as (conn, state):
            self._ready(state)
            return similar_ids(conn, int(id), limit, RANK_WEIGHTS)


def _filter_sql(filters: Mapping[str, Sequence[str] | str] | None) -> tuple[str, dict[str, Any]]:
    """The WHERE clause of the filters (OR within one filter, AND across), with parameters;
    ValueError for an unknown filter name."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for name, wanted in (filters or {}).items():
        if name not in _FACET_OF_COLUMN:
            raise ValueError(f"unknown filter {name!r}; known: {', '.join(FACETS)}")
        chosen = [wanted] if isinstance(wanted, str) else list(wanted or ())
        values = sorted({str(v) for v in chosen if v is not None and str(v) != ""})
        if not values:
            continue
        key = f"f_{name}"
        params[key] = values
        column = _FACET_OF_COLUMN[name]
        if column == "sectors":
            clauses.append(f"d.sectors && CAST(:{key} AS text[])")
        else:
            clauses.append(f"d.{column} = ANY(CAST(:{key} AS text[]))")
    return (" AND ".join(clauses) or "TRUE"), params


def _match_sql(query: SqlText, where: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if not query.tsquery:  # "" matches every document
        return where, params
    return f"d.terms @@ CAST(:tsq AS tsquery) AND {where}", {**params, "tsq": query.tsquery}
