"""The bulk writer of a session's database dialect."""

from __future__ import annotations

from typing import Any

from .bulk_core import BulkWriter
from .bulk_postgres import PostgresWriter
from .bulk_sqlite import SQLiteWriter


def bulk_writer(session: Any) -> BulkWriter:
    """SQLite's or PostgreSQL's writer; SQLAlchemy Core statements on any other dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLiteWriter(session)
    if dialect == "postgresql":
        return PostgresWriter(session)
    return BulkWriter(session)
