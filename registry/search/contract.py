"""What every search backend promises its callers: facets, sorts, results and the one error.

Backend-neutral (no Whoosh here): the web layer, the services and a second backend
(issue 14) all speak these names.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

# regency after the first six: added for the map (a regency links to its search)
FACETS = (
    "sector",
    "focus",
    "innovator_type",
    "province",
    "stage",
    "year",
    "regency",
    "operating_status",
    "replicated",
)
SORTS = ("relevance", "newest")
MAX_QUERY_CHARS = 1000  # longer queries are cut (parsing cost grows with length)
REBUILD_CMD = "run `registry index rebuild`"


class SearchUnavailable(RuntimeError):
    """The index is missing, unreadable, stale, or locked by another writer past the timeout."""


@dataclass
class Hit:
    id: int
    score: float
    #: HTML: the escaped text of a snippet with ``<mark>`` around matched words.
    highlight: str


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None


def check_search_arguments(sort: str, page: int, per_page: int) -> None:
    """ValueError for a sort, page or per_page no backend accepts."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if page < 1:
        raise ValueError("page must be 1 or more")
    if per_page < 1:
        raise ValueError("per_page must be 1 or more")


class WritesInBatches(abc.ABC):
    """A backend's single writes, each one batch (``batch``) of its own; ``create`` is an
    empty ``rebuild``."""

    @abc.abstractmethod
    def batch(self) -> AbstractContextManager[Any]:
        """Several changes written together when the block ends."""

    @abc.abstractmethod
    def rebuild(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Replace every document by those of ``records``; returns how many."""

    def upsert(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add or replace documents by id; returns how many were written."""
        with self.batch() as batch:
            written: int = batch.upsert(records)
            return written

    def remove(self, ids: Iterable[int]) -> int:
        """Delete documents by id; returns how many were removed."""
        with self.batch() as batch:
            removed: int = batch.remove(ids)
            return removed

    def create(self) -> None:
        """An empty index, replacing what was there."""
        self.rebuild(())
