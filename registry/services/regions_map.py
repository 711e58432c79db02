"""Counts per region for the map, by layer, with the search's filters, cached per filter
combination until the catalogue changes.

A layer is one entry in ``LAYERS``: a name, a count function and a version function. The count
function takes the level, the parent province (regency level) and the search's filters, and
returns {region code: count}. The version function returns something that changes whenever the
counts might: the cache keys on it, so a change made by any process is seen on the next
request. Adding a layer (replications, reports) is one ``register_layer`` call.

The innovations layer counts with the search index (its facets, so the map and the search
always agree) and its version is the index's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

from flask import current_app

from .. import taxonomy
from .errors import NotFound
from .indexing import get_index

PROVINCE = "province"
REGENCY = "regency"
LEVELS = (PROVINCE, REGENCY)
DEFAULT_LAYER = "innovations"
CACHE_SIZE = 512

Filters = Mapping[str, Sequence[str]]
CountFunction = Callable[[str, str | None, Filters], dict[str, int]]


class UnknownProvince(NotFound):
    def __init__(self, code: str):
        self.code = code
        super().__init__(f"no province with code {code!r}")  # a path, no parameter


@dataclass(frozen=True)
class Layer:
    name: str
    counts: CountFunction
    version: Callable[[], Hashable]


LAYERS: dict[str, Layer] = {}


def register_layer(name: str, counts: CountFunction, version: Callable[[], Hashable]) -> None:
    LAYERS[name] = Layer(name, counts, version)


@dataclass(frozen=True)
class MapQuery:
    """What a map shows: the layer, the level, the province whose regencies are drawn, and the
    search's filters (validated: the web's ``params.map_query`` builds it from a query)."""

    layer: str = DEFAULT_LAYER
    level: str = PROVINCE
    province: str | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def filter_dict(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in self.filters}


def region_codes(level: str, province: str | None) -> list[str]:
    if level == PROVINCE:
        return [r.code for r in taxonomy.provinces()]
    return [r.code for r in taxonomy.regencies(province or "")]


# --------------------------------------------------------------------------- cache

_cache_lock = threading.Lock()
CACHE_KEY = "registry.map_counts"


def _cache() -> OrderedDict[Hashable, dict[str, int]]:
    """This app's cache (one per app: tests run several apps in one process)."""
    return current_app.extensions.setdefault(CACHE_KEY, OrderedDict())


def clear_cache() -> None:
    with _cache_lock:
        _cache().clear()


def counts(query: MapQuery) -> dict[str, int]:
    """{code: count} for every region of the level (0 when none), cached per query and layer
    version."""
    return counts_and_version(query)[0]


def counts_and_version(query: MapQuery) -> tuple[dict[str, int], Hashable]:
    """The counts and the layer version they were computed at (a key for what is drawn from
    them; the same dict object is returned while it is cached: do not change it)."""
    layer = LAYERS[query.layer]
    version = layer.version()
    key = (query, version)
    cache = _cache()
    with _cache_lock:
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit, version
    found = layer.counts(query.level, query.province, query.filter_dict())
    result = {code: int(found.get(code, 0)) for code in region_codes(query.level, query.province)}
    with _cache_lock:
        cache[key] = result
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return result, version


# --------------------------------------------------------------------------- innovations layer


def count_innovations(level: str, province: str | None, filters: Filters) -> dict[str, int]:
    """The search index's facet counts for the filters: the map and the search agree by
    construction, and the index counts by bit masks (a few ms at 50,000 innovations, where a
    GROUP BY reads every row of the catalogue table)."""
    chosen = {name: list(values) for name, values in filters.items()}
    if level == REGENCY:
        chosen["province"] = [province or ""]
    result = get_index().search("", filters=chosen, sort="newest", page=1, per_page=1)
    return dict(result.facets.get("province" if level == PROVINCE else "regency", {}))


def catalogue_version() -> Hashable:
    """Changes whenever the searchable catalogue does (a rebuild or an update of the index)."""
    return get_index().version()


register_layer(DEFAULT_LAYER, count_innovations, catalogue_version)
