"""SQLite's bulk writer: the page's rows through the driver's executemany and multi-row
INSERTs. A Core insert of a page spends more on turning each row into parameters than SQLite
spends storing it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.types import DateTime

from .bulk_core import BulkWriter
from .values import chunks

# parameters per statement
SQLITE_MAX_PARAMETERS = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999


def sqlite_datetime(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite DATETIME bind processor, in C for naive datetimes: the same text
    ("2020-03-15 00:00:00.000000")."""

    def convert(value: Any) -> Any:
        if type(value) is dt.datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return processor(value)

    return convert


class SQLiteWriter(BulkWriter):
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
