"""The one place that chooses the search backend from the configuration.

Only the Whoosh index exists for now; a second backend (issue 14: PostgreSQL) is added
here, behind the same :class:`registry.search.index.SearchIndex` interface.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .index import SearchIndex


def open_index(config: Mapping[str, Any]) -> SearchIndex:
    """The search index the configuration asks for (``INDEX_DIR``, ``SEARCH_WRITER_TIMEOUT``)."""
    return SearchIndex(config["INDEX_DIR"], writer_timeout=float(config["SEARCH_WRITER_TIMEOUT"]))
