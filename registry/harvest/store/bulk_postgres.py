"""PostgreSQL's bulk writer: COPY. An INSERT of a page costs psycopg more than the data: it
parses the statement's thousands of placeholders, or adapts row by row. COPY streams the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ARRAY, any_, bindparam, text
from sqlalchemy.exc import IntegrityError

from .bulk_core import TEXT_COLUMNS, BulkWriter

# refresh the planner's statistics of post and candidate once this run has stored this many
# posts and more than ANALYZE_GROWTH times what the table held at the last refresh
ANALYZE_MIN_ROWS = 5000
ANALYZE_GROWTH = 3


class PostgresWriter(BulkWriter):
    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self._analyzed_rows: int | None = None  # post rows at the last ANALYZE
        self._stored_since_analyze = 0

    def in_(self, column: Any, values: Iterable[Any]) -> Any:
        """``column = ANY(array)``: one parameter, where psycopg would parse a statement of 500
        placeholders again at each call."""
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))

    def insert(self, table: Any, rows: list[dict[str, Any]], encoded: Sequence[str]) -> None:
        if rows:
            names = list(rows[0])
            self.copy_values(table.name, names, [[row[n] for n in names] for row in rows])

    def insert_returning_ids(
        self, table: Any, rows: list[dict[str, Any]], encoded: Sequence[str]
    ) -> list[int]:
        """COPY new rows into ``table`` with ids taken from its sequence; the ids in order."""
        ids = sorted(
            self.session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"table": table.name, "n": len(rows)},
            ).scalars()
        )
        self.insert(table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)], encoded)
        return ids

    def update_candidate_texts(self, texts: list[dict[str, Any]]) -> None:
        """The values COPYed into a temporary table, then one UPDATE from it (an executemany
        costs a statement per row; arrays as parameters are encoded in Python)."""
        # per transaction: the next one may run on another connection of the pool
        self.session.execute(
            text(
                "CREATE TEMPORARY TABLE IF NOT EXISTS harvest_candidate_text "
                "(id integer, text text, search_terms text, lang text, score float8, "
                "predicted text, explain text, model_version text, province_code text) "
                "ON COMMIT DELETE ROWS"
            )
        )
        columns = ("id", *TEXT_COLUMNS)
        self.copy_values(
            "harvest_candidate_text", columns, [[t[f"b_{n}"] for n in columns] for t in texts]
        )
        self.session.execute(
            text(
                "UPDATE candidate AS c SET text = v.text, search_terms = v.search_terms, "
                "lang = v.lang, score = v.score, "
                "predicted = CAST(v.predicted AS json), explain = CAST(v.explain AS json), "
                "model_version = v.model_version, province_code = v.province_code "
                "FROM harvest_candidate_text AS v WHERE c.id = v.id"
            )
        )
        self.session.execute(text("DELETE FROM harvest_candidate_text"))

    def copy_values(self, table: str, names: Sequence[str], rows: Iterable[Any]) -> None:
        quote = self.session.get_bind().dialect.identifier_preparer.quote
        statement = f"COPY {quote(table)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
        connection = self.session.connection().connection.driver_connection
        try:
            with connection.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except Exception as exc:
            # COPY goes round SQLAlchemy: a constraint violation (another import stored one of
            # these rows meanwhile) is raised as SQLAlchemy's, which the runner retries
            if str(getattr(exc, "sqlstate", "") or "").startswith("23"):
                raise IntegrityError(statement, None, exc) from exc
            raise

    def keep_statistics(self, stored: int) -> None:
        """PostgreSQL plans the page's lookups (posts by id, by text hash) from table statistics
        that a bulk import outruns: autovacuum analyzes a table long after it grew from nothing
        to 100,000 rows, and meanwhile an IN list of 500 ids is checked against every stored
        post. Analyze when this run has grown the tables a few times over."""
        if self._analyzed_rows is None:
            self._analyzed_rows = max(
                0,
                int(
                    self.session.execute(
                        text("SELECT reltuples FROM pg_class WHERE oid = 'post'::regclass")
                    ).scalar_one()
                ),
            )
        self._stored_since_analyze += stored
        grown = self._stored_since_analyze
        if grown >= ANALYZE_MIN_ROWS and grown > ANALYZE_GROWTH * self._analyzed_rows:
            self.session.execute(text("ANALYZE post, candidate"))
            self._analyzed_rows += grown
            self._stored_since_analyze = 0
