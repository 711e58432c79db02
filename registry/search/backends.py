"""The one place that chooses the search backend from the configuration.

``SEARCH_BACKEND=whoosh`` (default): the index on disk, :class:`registry.search.index.SearchIndex`.
``SEARCH_BACKEND=postgres``: :class:`registry.search.pg_index.PostgresSearchIndex`, inside the
app's PostgreSQL database (config.py refuses it on SQLite). Both have the same interface.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry.extensions import db

from .index import SearchIndex
from .pg_index import PostgresSearchIndex

#: What ``open_index`` gives: either backend (the same methods).
AnyIndex = SearchIndex | PostgresSearchIndex


def open_index(config: Mapping[str, Any]) -> AnyIndex:
    """The search index the configuration asks for (``SEARCH_BACKEND``; ``INDEX_DIR`` and
    ``SEARCH_WRITER_TIMEOUT`` for Whoosh, ``SEARCH_STATEMENT_TIMEOUT_MS`` for PostgreSQL)."""
    if config.get("SEARCH_BACKEND", "whoosh") == "postgres":
        return PostgresSearchIndex(
            lambda: db.engine, int(config.get("SEARCH_STATEMENT_TIMEOUT_MS", 5000))
        )
    return SearchIndex(config["INDEX_DIR"], writer_timeout=float(config["SEARCH_WRITER_TIMEOUT"]))
