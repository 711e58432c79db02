"""SQLite's bulk writer: the page's rows through the driver's executemany and multi-row
INSERTs. A Core insert of a page spends more on turning each row into parameters than SQLite
spends storing it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.types import DateTime

from .bulk_core import BulkWriter
from .values import chunks

# parameters per statement
SQLITE_MAX_PARAMETERS = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
# ANALYZE reads about this many rows of each index (statistics good enough to plan by, in
# milliseconds at any size); refreshed as PostgreSQL's writer does (bulk_postgres)
ANALYSIS_LIMIT = 1000
ANALYZE_MIN_ROWS = 5000
ANALYZE_GROWTH = 3


def sqlite_datetime(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite DATETIME bind processor, in C for naive datetimes: the same text
    ("2020-03-15 00:00:00.000000")."""

    def convert(value: Any) -> Any:
        if type(value) is dt.datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return processor(value)

    return convert


class SQLiteWriter(BulkWriter):
    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self._analyzed_rows: int | None = None  # post rows when statistics were last taken
        self._stored_since_analyze = 0

    def keep_statistics(self, stored: int) -> None:
        """Without statistics SQLite's planner takes every index for as selective as the next,
        and reads a rare province's candidates through the status index (every new
        candidate). Take them when this run has grown the tables a few times over."""
        if self._analyzed_rows is None:
            has_stats = self.session.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar_one()
            self._analyzed_rows = (
                int(self.session.execute(text("SELECT max(id) FROM post")).scalar_one() or 0)
                if has_stats
                else 0
            )
        self._stored_since_analyze += stored
        grown = self._stored_since_analyze
        if grown >= ANALYZE_MIN_ROWS and grown > ANALYZE_GROWTH * self._analyzed_rows:
            self.session.execute(text(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}"))
            self.session.execute(text("ANALYZE candidate"))
            self.session.execute(text("ANALYZE post"))
            self._analyzed_rows += grown
            self._stored_since_analyze = 0

    def insert(self, table: Any, rows: list[dict[str, Any]], encoded: Sequence[str]) -> None:
        """One executemany through the driver."""
        if not rows:
            return
        names, values = self._driver_values(table, rows, encoded)
        self.session.connection().exec_driver_sql(
            f"{self._insert_into(table, names)} VALUES ({', '.join('?' for _ in names)})", values
        )

    def insert_returning_ids(
        self, table: Any, rows: list[dict[str, Any]], encoded: Sequence[str]
    ) -> list[int]:
        """New rows in multi-row INSERTs; their ids in order. A multi-row insert numbers its
        rows in order (max(id) + 1 each, under the database's write lock), so the sorted ids
        are in the rows' order."""
        names, values = self._driver_values(table, rows, encoded)
        connection = self.session.connection()
        one = f"({', '.join('?' for _ in names)})"
        per_statement = max(1, SQLITE_MAX_PARAMETERS // len(names))
        ids: list[int] = []
        for chunk in chunks(values, per_statement):
            statement = (
                f"{self._insert_into(table, names)} VALUES {', '.join([one] * len(chunk))} "
                "RETURNING id"
            )
            flat = [v for row in chunk for v in row]
            ids.extend(connection.exec_driver_sql(statement, tuple(flat)).scalars())
        return sorted(ids)

    def _insert_into(self, table: Any, names: Sequence[str]) -> str:
        quote = self.session.get_bind().dialect.identifier_preparer.quote
        return f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)})"

    def _driver_values(
        self, table: Any, rows: list[dict[str, Any]], encoded: Sequence[str] = ()
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The rows as the driver's parameters, converted with the columns' own bind
        processors (dates as SQLAlchemy writes them); ``encoded`` columns hold JSON text
        already."""
        names = list(rows[0])
        dialect = self.session.get_bind().dialect
        converting = []
        for i, n in enumerate(names):
            convert = None if n in encoded else table.c[n].type._cached_bind_processor(dialect)
            if convert is not None:
                if isinstance(table.c[n].type, DateTime):
                    convert = sqlite_datetime(convert)
                converting.append((i, convert))
        values = []
        for row in rows:
            value = [row[n] for n in names]
            for i, convert in converting:
                if value[i] is not None:
                    value[i] = convert(value[i])
            values.append(tuple(value))
        return names, values
