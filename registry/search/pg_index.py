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
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, ProgrammingError, SQLAlchemyError

from .contract import (
    MAX_QUERY_CHARS,
    REBUILD_CMD,
    Hit,
    SearchResult,
    SearchUnavailable,
    WritesInBatches,
    check_search_arguments,
)
from .highlights import highlight, snippet_sources
from .pg_facets import FacetTable
from .pg_suggestions import similar_ids, suggestion_for
from .pg_writing import PgBatch, lock_writers_out, rebuild
from .schema import SCHEMA_VERSION
from .sql_text import SqlText, queries_for

log = logging.getLogger(__name__)

#: ts_rank's weights for D, C, B, A: the body 1, names 1.5, summary 2, title 4 (as Whoosh's)
RANK_WEIGHTS = "{0.25,0.375,0.5,1.0}"
#: a result this large is ranked on its title, summary and names terms (search_head, in
#: the row) instead of every term (out of line: reading 27,000 of them took ~300 ms)
RANK_EXACT = 1000


class PostgresSearchIndex(WritesInBatches):
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
        self._facets: FacetTable | None = None  # of the latest generation read
        self.rank_exact = RANK_EXACT

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
                            # a sequential scan would read every out-of-line tsvector: the
                            # planner does not know that cost, so the indexes are preferred
                            "SELECT set_config('statement_timeout', :ms, true), "
                            "set_config('enable_seqscan', 'off', true), version, "
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
                yield conn, (int(row[2]), int(row[3]), bool(row[4]))
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

    def check_prerequisites(self) -> None:
        """SearchUnavailable, in one line, when the database lacks what this backend needs
        (the tables of migration 0011, the pg_trgm extension): `registry serve` refuses to
        start then."""
        try:
            with self.engine.connect() as conn:
                tables, trigrams = conn.execute(
                    text(
                        "SELECT to_regclass('search_state') IS NOT NULL, "
                        "EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')"
                    )
                ).one()
        except DBAPIError as exc:
            raise SearchUnavailable(
                f"the search database did not answer ({type(exc.orig).__name__})"
            ) from exc
        if not tables:
            raise SearchUnavailable(
                "the postgres search backend's tables are missing: run `registry init`"
            )
        if not trigrams:
            raise SearchUnavailable(
                "the postgres search backend needs PostgreSQL's pg_trgm extension: run "
                "`CREATE EXTENSION pg_trgm` on this database as a superuser (Debian/Ubuntu: "
                "package postgresql-contrib), then `registry index rebuild`"
            )

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

    def rebuild(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Replace every document in one transaction (searches see the old ones until it
        commits; writers wait). Returns the number of documents."""
        with self._writing() as conn:
            count = rebuild(conn, records)
        # a rebuild leaves every old row dead: reclaim them now, or searches read twice the
        # pages until autovacuum comes round (and the planner's statistics are fresh)
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE) search_document, search_head, search_text"))
        except DBAPIError as exc:  # pragma: no cover - the rebuild itself is committed
            log.warning("search tables not vacuumed after the rebuild: %s", exc)
        return count

    def stamps(self) -> dict[int, str]:
        with self._reading() as (conn, _):
            rows = conn.execute(text("SELECT id, updated_at FROM search_document"))
            return {int(i): str(u) for i, u in rows}

    # -- reading -----------------------------------------------------------------------------

    def _facet_table(self, conn: Connection, generation: int) -> FacetTable:
        with self._lock:
            table = self._facets
        if table is None or table.generation != generation:
            table = FacetTable.load(conn, generation)
            with self._lock:
                self._facets = table
        return table

    def search(
        self,
        q: str = "",
        filters: Mapping[str, Sequence[str]] | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResult:
        """As ``SearchIndex.search``: filter, count facets, one page of hits, a suggestion.

        PostgreSQL finds the ids a text query matches (GIN index); filters, totals, facet
        counts and the newest-first order come from the per-generation :class:`FacetTable`;
        relevance is ``ts_rank`` over the matched page candidates.
        """
        check_search_arguments(sort, page, per_page)
        q = (q or "")[:MAX_QUERY_CHARS]
        queries = queries_for(q) if q.strip() else []
        with self._reading() as (conn, state):
            table = self._facet_table(conn, self._ready(state))
            allowed = table.filter_mask(filters)
            everything = table.everything() if allowed is None else allowed
            chosen: SqlText | None = None
            matched = everything
            for query in queries:
                chosen = query
                if query.tsquery is None:
                    matched = np.zeros_like(everything)
                    continue
                if query.tsquery:
                    found = conn.execute(
                        text(
                            "SELECT array_agg(id) FROM search_document "
                            "WHERE terms @@ CAST(:q AS tsquery)"
                        ),
                        {"q": query.tsquery},
                    ).scalar()
                    matched = table.mask_of(found or []) & everything
                if matched.any():
                    break
            total = int(matched.sum())
            facets = table.counts(matched)
            start, stop = (page - 1) * per_page, page * per_page
            hits: list[Hit] = []
            if start < total:
                ranked = chosen is not None and chosen.scored and bool(chosen.tsquery)
                if ranked and sort == "relevance" and chosen is not None:
                    scored = self._ranked(conn, table, matched, chosen, total, stop)[start:stop]
                else:
                    scored = [(i, 0.0) for i in table.newest(matched, start, stop)]
                terms = set(chosen.terms) if chosen is not None else set()
                hits = self._highlighted(conn, scored, terms)
            suggestion = suggestion_for(conn, q) if q.strip() else None
        return SearchResult(total=total, hits=hits, facets=facets, suggestion=suggestion)

    def _ranked(
        self,
        conn: Connection,
        table: FacetTable,
        matched: np.ndarray,
        query: SqlText,
        total: int,
        stop: int,
    ) -> list[tuple[int, float]]:
        """The first ``stop`` matched ids by ``ts_rank`` (then newest), with their scores.

        Up to RANK_EXACT matches are ranked on all their terms; a larger result on the terms
        of their title, summary and names, the others following newest first.
        """
        params = {"q": query.tsquery, "weights": RANK_WEIGHTS}
        if total <= self.rank_exact:
            rows = conn.execute(
                text(
                    "SELECT id, ts_rank(CAST(:weights AS real[]), terms, CAST(:q AS tsquery), 1) "
                    "FROM search_document WHERE id = ANY(CAST(:ids AS integer[]))"
                ),
                {**params, "ids": table.ids_of(matched)},
            ).all()
        else:
            rows = conn.execute(
                text(
                    "SELECT id, ts_rank(CAST(:weights AS real[]), head, CAST(:q AS tsquery), 1) "
                    "FROM search_head WHERE head @@ CAST(:q AS tsquery)"
                ),
                params,
            ).all()
        scores = {int(i): float(score) for i, score in rows}
        in_result = table.mask_of(list(scores))
        in_result &= matched
        scored_ids = table.ids_of(in_result)
        published = table.published_of(scored_ids)
        best = sorted(scored_ids, key=lambda i: (-scores[i], -published[i], -i))[:stop]
        out = [(i, scores[i]) for i in best]
        if len(out) < stop:  # the rest, newest first
            rest = matched & ~in_result
            out += [(i, 0.0) for i in table.newest(rest, 0, stop - len(out))]
        return out

    def _highlighted(
        self, conn: Connection, scored: list[tuple[int, float]], terms: set[str]
    ) -> list[Hit]:
        """The hits with their snippets (the stored texts of the shown page only)."""
        if not scored:
            return []
        rows = conn.execute(
            text("SELECT id, texts FROM search_text WHERE id = ANY(CAST(:ids AS integer[]))"),
            {"ids": [i for i, _ in scored]},
        )
        texts = {int(i): t for i, t in rows}
        return [
            Hit(id=i, score=score, highlight=highlight(snippet_sources(texts.get(i) or ()), terms))
            for i, score in scored
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
