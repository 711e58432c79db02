"""Counts per region for the map, by layer, with the search's filters, cached per filter
combination until the catalogue changes.

A layer is one entry in ``LAYERS``: a name, a count function and a version function. The count
function takes the level, the parent province (regency level) and the search's filters, and
returns {region code: count} (a code left out is drawn as "no data"). The version function
returns something that changes whenever the counts might: the cache keys on it, so a change
made by any process is seen on the next request. Adding a layer (replications, reports) is
one ``register_layer`` call.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import and_, event, exists, func, or_, select
from sqlalchemy.orm import Session

from .. import taxonomy
from ..extensions import db
from ..models import Innovation, InnovationSector
from .discovery import ParamError, SearchParams, parse_params

PROVINCE = "province"
REGENCY = "regency"
LEVELS = (PROVINCE, REGENCY)
DEFAULT_LAYER = "innovations"
CACHE_SIZE = 512

Filters = Mapping[str, Sequence[str]]
CountFunction = Callable[[str, str | None, Filters], dict[str, int]]


class UnknownProvince(LookupError):
    def __init__(self, code: str):
        self.code = code
        super().__init__(f"no province with code {code!r}")


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
    search's filters (validated)."""

    layer: str = DEFAULT_LAYER
    level: str = PROVINCE
    province: str | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def filter_dict(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in self.filters}


def parse_query(args: Any, *, level: str | None = None, province: str | None = None) -> MapQuery:
    """Validate the map's parameters: ``layer``, ``level``, ``province`` and the search's filters
    (the search's own parser, so unknown values are refused alike). Raises ParamError; an
    unknown province in the path raises UnknownProvince (a 404, not a 400)."""
    layer = (args.get("layer") or DEFAULT_LAYER).strip().lower()
    if layer not in LAYERS:
        raise ParamError("layer", f"unknown layer {layer!r}; expected one of: {', '.join(LAYERS)}")
    if level is None:
        level = (args.get("level") or PROVINCE).strip().lower()
        if level not in LEVELS:
            raise ParamError("level", f"must be one of: {', '.join(LEVELS)}")
    if (args.get("q") or "").strip():
        raise ParamError("q", "the map counts by filters only; free text is not supported")
    params: SearchParams = parse_params(args)
    filters = dict(params.filters)
    parent: str | None = None
    if level == REGENCY:
        if province is not None:
            region = taxonomy.region_by_code(province)
            if region is None or region.level != 1:
                raise UnknownProvince(province)
            parent = region.code
            filters.pop("province", None)
        else:
            chosen = filters.pop("province", [])
            if len(chosen) != 1:
                raise ParamError("province", "the regency level needs exactly one province")
            parent = chosen[0]
    frozen = tuple(sorted((k, tuple(sorted(v))) for k, v in filters.items()))
    return MapQuery(layer=layer, level=level, province=parent, filters=frozen)


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


def _year_clause(years: Sequence[str]) -> Any:
    return or_(
        *(
            Innovation.started_on.between(dt.date(int(y), 1, 1), dt.date(int(y), 12, 31))
            for y in years
        )
    )


def innovation_filters(filters: Filters) -> list[Any]:
    """SQL conditions equal to the search index's filters (OR within one, AND across)."""
    conditions: list[Any] = [Innovation.status == "published"]
    columns = {
        "focus": Innovation.focus,
        "innovator_type": Innovation.innovator_type,
        "stage": Innovation.stage,
        "province": Innovation.province_code,
    }
    for name, values in filters.items():
        if not values:
            continue
        if name == "sector":
            conditions.append(
                exists().where(
                    and_(
                        InnovationSector.innovation_id == Innovation.id,
                        InnovationSector.sector.in_(list(values)),
                    )
                )
            )
        elif name == "year":
            conditions.append(_year_clause(values))
        elif name in columns:
            conditions.append(columns[name].in_(list(values)))
        else:
            raise ParamError(name, "not a filter of this layer")
    return conditions


def count_innovations(level: str, province: str | None, filters: Filters) -> dict[str, int]:
    column = Innovation.province_code if level == PROVINCE else Innovation.regency_code
    conditions = innovation_filters(filters)
    if level == REGENCY:
        conditions.append(Innovation.province_code == province)
    rows = db.session.execute(
        select(column, func.count()).where(*conditions, column.is_not(None)).group_by(column)
    ).all()
    return {str(code): int(n) for code, n in rows}


def _fingerprint() -> Hashable:
    row = db.session.execute(
        select(
            func.count(), func.max(Innovation.updated_at), func.max(Innovation.published_at)
        ).where(Innovation.status == "published")
    ).one()
    return tuple(row)


# Changes to the catalogue committed by this process bump the generation at once; changes by
# another process (a second web worker, a job, a bulk import) are seen when the fingerprint is
# read again, at most VERSION_TTL seconds later. Reading it on every request would cost a scan
# of the catalogue (~40 ms at 50,000 rows on SQLite), most of a warm page's time.
VERSION_TTL = 2.0
VERSION_KEY = "registry.map_version"
_generation = [0]
_DIRTY = "registry.map_dirty"


def _note_changes(session: Session, flush_context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Innovation | InnovationSector):
            session.info[_DIRTY] = True
            return


def _bump_after_commit(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        _generation[0] += 1


def _forget_after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_DIRTY, None)


def install() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "after_flush", _note_changes):
        event.listen(Session, "after_flush", _note_changes)
        event.listen(Session, "after_commit", _bump_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_after_rollback)


def catalogue_version() -> Hashable:
    """Changes whenever a published innovation is added, removed or edited (see VERSION_TTL)."""
    state = current_app.extensions.setdefault(VERSION_KEY, {})
    now = time.monotonic()
    generation = _generation[0]
    if state.get("generation") != generation or now - state.get("at", -VERSION_TTL) >= VERSION_TTL:
        state.update(value=_fingerprint(), at=now, generation=generation)
    return (generation, state["value"])


install()
register_layer(DEFAULT_LAYER, count_innovations, catalogue_version)


# --------------------------------------------------------------------------- listing


def innovation_ids_in(province: str, filters: Filters, limit: int = 50) -> list[int]:
    """Ids of the published innovations of one province passing the filters, newest first."""
    conditions = innovation_filters(filters)
    conditions.append(Innovation.province_code == province)
    return list(
        db.session.scalars(
            select(Innovation.id)
            .where(*conditions)
            .order_by(Innovation.published_at.desc(), Innovation.id.desc())
            .limit(limit)
        )
    )
