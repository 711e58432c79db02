"""Per-worker services when the suite runs in parallel (pytest-xdist, `make test`).

Each xdist worker (gw0, gw1, ...) wipes the PostgreSQL database and the Redis database it tests on,
so two workers must never share one: worker N gets the database named by the variable with
``_gwN`` appended (created on first use) and the Redis database number counted down from the one
named (15, 14, ...). Run without xdist, the variables are used as they are.
"""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def worker_number() -> int | None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else None


def postgres_url(url: str) -> str:
    """The worker's own database on the server ``url`` names (created if missing)."""
    number = worker_number()
    if not url or number is None:
        return url
    base = make_url(url)
    name = f"{base.database}_gw{number}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if exists.scalar() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def redis_url(url: str) -> str:
    """The worker's own Redis database: the named one (0 if none) less the worker's number."""
    number = worker_number()
    if not url or number is None:
        return url
    head, _, db = url.rstrip("/").rpartition("/")
    if not db.isdigit():
        head, db = url.rstrip("/"), "0"
    return f"{head}/{(int(db) - number) % 16}"
