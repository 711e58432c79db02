"""Engine setup and schema state checks."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import current_app
from sqlalchemy import Engine, event, inspect

from .extensions import db


class NotInitialized(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "the database is not initialized: run `registry init` (or `make run`) first"
        )


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # let SQLAlchemy issue BEGIN itself so SAVEPOINTs work (pysqlite's own handling breaks them)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


def is_initialized() -> bool:
    """The schema exists (init has run at least once)."""
    cache = current_app.extensions.setdefault("registry.db_ready", {})
    if cache.get("ok"):
        return True
    ok = inspect(db.engine).has_table("alembic_version") and inspect(db.engine).has_table(
        "innovation"
    )
    if ok:
        cache["ok"] = True
    return ok


def require_initialized() -> None:
    if not is_initialized():
        raise NotInitialized()
