"""Engine setup and schema state checks."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import random
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Engine, event, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

#: PostgreSQL's answers that say "run the transaction again": deadlock detected,
#: serialization failure, lock not available
RETRY_SQLSTATES = frozenset({"40P01", "40001", "55P03"})
#: set while a unit of work is retried: SQLite then begins with BEGIN IMMEDIATE (see below)
_write_first: ContextVar[bool] = ContextVar("registry_write_first", default=False)
#: commits (and mails) so far in this context: a unit of work that did one is not run again
_commits: ContextVar[int] = ContextVar("registry_commits", default=0)


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
        # a retried unit of work takes the write lock first (waiting busy_timeout for it),
        # so its reads cannot go stale before it writes; the first try stays optimistic
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_first.get() else "BEGIN")


@event.listens_for(Session, "after_commit")
def _count_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        done_once()


def done_once() -> None:
    """Something that cannot be undone happened (a commit, a mail sent): the unit of work
    running now is not run again on a lock conflict (see ``run_with_retry``)."""
    _commits.set(_commits.get() + 1)


def is_conflict(exc: BaseException) -> bool:
    """A lock conflict the database resolved by failing this transaction: SQLite's "database
    is locked" (another writer, or this transaction's snapshot went stale), PostgreSQL's
    deadlock or serialization failure. Running the whole transaction again is the cure."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return "database is locked" in str(orig) or "database table is locked" in str(orig)
    return getattr(orig, "sqlstate", None) in RETRY_SQLSTATES


def run_with_retry(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call fn; when it fails on a lock conflict before committing anything, roll back and call
    it again (DB_RETRY_ATTEMPTS times in all, with a short random pause, while less than
    DB_RETRY_SECONDS have passed: a lock held longer than that is not worth waiting for again).
    fn must do nothing outside the database before its commit (mails and index updates come
    after the commit)."""
    attempts = max(1, int(current_app.config.get("DB_RETRY_ATTEMPTS", 5)))
    deadline = time.monotonic() + float(current_app.config.get("DB_RETRY_SECONDS", 5.0))
    for attempt in range(attempts):
        committed = _commits.get()
        flag = _write_first.set(attempt > 0)
        try:
            return fn(*args, **kwargs)
        except DBAPIError as exc:
            if (
                not is_conflict(exc)
                or _commits.get() != committed
                or attempt + 1 == attempts
                or time.monotonic() > deadline
            ):
                raise
            db.session.rollback()
            log.info("lock conflict (%s); running again (%d)", exc.orig, attempt + 1)
            time.sleep(random.uniform(0.005, 0.03) * (attempt + 1))  # noqa: S311 - jitter
        finally:
            _write_first.reset(flag)
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.contextmanager
def writing_first() -> Iterator[None]:
    """SQLite transactions begun inside take the write lock first (BEGIN IMMEDIATE, waiting
    busy_timeout for it), so a retried unit of work cannot fail again on a stale snapshot."""
    token = _write_first.set(True)
    try:
        yield
    finally:
        _write_first.reset(token)


def retrying(fn: F) -> F:
    """fn run through ``run_with_retry`` (a view, a command's unit of work)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return run_with_retry(fn, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def lock_rows(model: Any, ids: Iterable[int]) -> list[Any]:
    """Take the write lock on these rows of model, in id order, and reload them.

    PostgreSQL: SELECT ... FOR UPDATE in ascending id order, so two transactions that lock
    overlapping rows queue instead of deadlocking, and the loser reads the winner's values.
    SQLite locks the whole database: this transaction becomes the writer now, which fails at
    once when another writer committed since it began (the retry then starts afresh)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return []
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text(f"UPDATE {model.__tablename__} SET id = id WHERE 0"))  # noqa: S608
    return list(
        db.session.scalars(
            select(model)
            .where(model.id.in_(wanted))
            .order_by(model.id)
            .with_for_update(of=model)  # only its rows, not those of its eager joins
            .execution_options(populate_existing=True)
        )
    )


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


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Held by one process (or thread) at a time per database until the block ends; the others
    wait. PostgreSQL: an advisory lock on a connection of its own. SQLite: a file lock beside
    the database file (every user of an SQLite database is on its machine). Either is released
    by itself when the holder dies, so a killed run never leaves it taken."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        key = zlib.crc32(f"registry:{name}".encode())
        with engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                log.info("waiting for %s (held by another process)", name)
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()  # the lock is the session's: no transaction stays open meanwhile
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield  # one process owns an in-memory database
        return
    with open(f"{database}.{name}.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for %s (held by another process)", name)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
