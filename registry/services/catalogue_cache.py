"""Figures of the published catalogue that pages show often (the home page), computed once and
kept until the catalogue changes.

A commit that touches an innovation in this process drops every entry at once (the indexing
hook calls ``changed``); a change made by another process shows within CATALOGUE_CACHE_SECONDS
(60 by default; 0 turns the cache off). Entries hold plain data only (no ORM rows).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
_KEY = "registry.catalogue_cache"
MAX_ENTRIES = 64
_lock = threading.Lock()
_generation = 0  # bumped by every change of the catalogue seen in this process


def changed() -> None:
    """The catalogue changed: every cached figure is stale."""
    global _generation
    with _lock:
        _generation += 1


def cached(key: Hashable, build: Callable[[], T]) -> T:
    """build()'s value for key, computed again when the catalogue changed or the entry aged."""
    ttl = float(current_app.config.get("CATALOGUE_CACHE_SECONDS", 60))
    if ttl <= 0:
        return build()
    entries: dict[Hashable, tuple[int, float, Any]] = current_app.extensions.setdefault(_KEY, {})
    generation, now = _generation, time.monotonic()
    entry = entries.get(key)
    if entry is not None and entry[0] == generation and now - entry[1] < ttl:
        return entry[2]
    value = build()
    if len(entries) >= MAX_ENTRIES:
        entries.clear()  # keys come from requests: never let them pile up
    entries[key] = (generation, now, value)
    return value
