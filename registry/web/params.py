"""Query parameters into the services' plain inputs: one parser for the search, the inbox, the
reports' lists and the map, on shared helpers (several values, whole numbers, dates, choices).

Services never read a request: they take the dataclasses built here (``SearchParams``,
``InboxParams``, ``reports.Filters``, ``MapQuery``). A bad value raises
:class:`registry.services.errors.Invalid` naming the parameter (the reports' lists raise
``reports.Invalid``, its subclass, which their pages and API already answer); the first bad
parameter, in the order each parser reads them, is the one named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .. import taxonomy
from ..services import curation, discovery, regions_map, reports
from ..services.curation import InboxParams
from ..services.discovery import SearchParams
from ..services.errors import Invalid
from ..services.regions_map import MapQuery, UnknownProvince

# --------------------------------------------------------------------------- helpers


def _items(args: Any, name: str) -> list[Any]:
    """Every value given for ``name`` (a MultiDict's list, or a plain mapping's one value)."""
    return args.getlist(name) if hasattr(args, "getlist") else [args.get(name)]


def values(args: Any, name: str, *, allow_empty: bool = True) -> list[str]:
    """The values of a list parameter: repeated and/or comma-separated, trimmed, deduplicated."""
    return discovery.split_values(_items(args, name), param=name, allow_empty=allow_empty)


def text(args: Any, name: str, default: str = "") -> str:
    return (args.get(name) or default).strip()


def whole_number(
    args: Any, name: str, default: int, low: int, high: int | None, *, named: bool = False
) -> int:
    """An integer within [low, high] (no upper bound when ``high`` is None); blank: ``default``.
    ``named`` words the error as a sentence that names the parameter (the reports' lists)."""
    raw = args.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        detail = f"must be a whole number, got {raw!r}"
        raise Invalid(f"{name} must be a whole number" if named else detail, param=name) from None
    if named and (value < low or (high is not None and value > high)):
        raise Invalid(f"{name} must be between {low} and {high}", param=name)
    if value < low:
        raise Invalid(f"must be at least {low}", param=name)
    if high is not None and value > high:
        raise Invalid(f"must be at most {high}", param=name)
    return value


def date(args: Any, name: str) -> dt.date | None:
    raw = text(args, name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"expected a date as YYYY-MM-DD, got {raw!r}", param=name) from None


def one_of(args: Any, name: str, default: str, allowed: Sequence[str]) -> str:
    """One value among ``allowed`` (case-insensitive); absent: ``default``."""
    value = text(args, name, default).lower()
    if value not in allowed:
        raise Invalid(f"must be one of: {', '.join(allowed)}", param=name)
    return value


# --------------------------------------------------------------------------- the search


def search(
    args: Any, *, per_page_default: int = 20, per_page_max: int = 100, allow_empty: bool = True
) -> SearchParams:
    """Search parameters from a query; allow_empty=False (the API) refuses an empty filter."""
    params = discovery.checked_search(
        args.get("q"),
        {param: _items(args, param) for param in discovery.FILTER_PARAMS},
        args.get("sort"),
        allow_empty=allow_empty,
    )
    params.page = whole_number(args, "page", 1, 1, None)
    params.per_page = whole_number(args, "per_page", per_page_default, 1, per_page_max)
    return params


# --------------------------------------------------------------------------- the inbox


MAX_CURSOR_CHARS = 200


def inbox(
    args: Any,
    *,
    per_page_default: int = 20,
    per_page_max: int = 100,
    count_bound: int = curation.COUNT_BOUND,
) -> InboxParams:
    """Inbox filters from query arguments."""
    status = one_of(args, "status", "new", (*curation.STATUSES, "all"))
    q = text(args, "q")
    if len(q) > curation.MAX_QUERY_CHARS:
        raise Invalid(f"at most {curation.MAX_QUERY_CHARS} characters", param="q")
    if "\x00" in q:
        raise Invalid("must not contain NUL characters", param="q")
    min_score: float | None = None
    raw_score = text(args, "min_score")
    if raw_score:
        try:
            min_score = float(raw_score)
        except ValueError:
            raise Invalid(f"must be a number, got {raw_score!r}", param="min_score") from None
        if not 0.0 <= min_score <= 1.0:  # also refuses nan
            raise Invalid("must be between 0 and 1", param="min_score")
    platforms = [p.lower() for p in values(args, "platform")]
    for value in platforms:
        if value not in curation.PLATFORMS:
            raise Invalid(
                f"unknown platform {value!r}; expected one of: {', '.join(curation.PLATFORMS)}",
                param="platform",
            )
    date_from, date_to = date(args, "date_from"), date(args, "date_to")
    if date_from and date_to and date_from > date_to:
        raise Invalid("must not be before date_from", param="date_to")
    province = None
    raw_province = text(args, "province")
    if raw_province:
        region = taxonomy.resolve_region(raw_province, level=1)
        if region is None:
            raise Invalid(
                f"unknown province {raw_province!r}; use a code such as 32", param="province"
            )
        province = region.code
    source = text(args, "source") or None
    if source is not None and curation.source_id(source) is None:
        raise Invalid(f"unknown harvest source {source!r}", param="source")
    sort = one_of(args, "sort", "score", curation.SORTS)
    after = text(args, "after") or None
    if after is not None:
        if len(after) > MAX_CURSOR_CHARS:
            raise Invalid("not a cursor this list gave", param="after")
        curation.decode_cursor(after, sort)
    return InboxParams(
        status=status,
        q=q,
        min_score=min_score,
        platform=platforms,
        date_from=date_from,
        date_to=date_to,
        province=province,
        source=source,
        sort=sort,
        page=whole_number(args, "page", 1, 1, 1_000_000),
        per_page=whole_number(args, "per_page", per_page_default, 1, per_page_max),
        after=after,
        count_bound=count_bound,
    )


# --------------------------------------------------------------------------- the reports' lists


def report_filters(
    args: Any, *, per_page_default: int = 20, per_page_max: int = 100
) -> reports.Filters:
    """status, category, province (several values mean OR), page, per_page."""
    try:
        statuses = values(args, "status")
        for value in statuses:
            if value not in reports.STATUSES:
                raise Invalid(
                    f"status must be among: {', '.join(reports.STATUSES)}", param="status"
                )
        categories = values(args, "category")
        for value in categories:
            if value not in reports.CATEGORIES:
                raise Invalid(
                    f"category must be among: {', '.join(reports.CATEGORIES)}", param="category"
                )
        provinces = []
        for value in values(args, "province"):
            found = taxonomy.resolve_region(value, level=1)
            if found is None:
                raise Invalid(f"unknown province {value[:40]!r}", param="province")
            provinces.append(found.code)
        return reports.Filters(
            status=tuple(statuses),
            category=tuple(categories),
            province=tuple(provinces),
            page=whole_number(args, "page", 1, 1, 100_000, named=True),
            per_page=whole_number(args, "per_page", per_page_default, 1, per_page_max, named=True),
        )
    except Invalid as exc:
        # the reports' pages and API answer their own error (its title, its status)
        raise reports.Invalid(exc.param or "", exc.message) from None


# --------------------------------------------------------------------------- the map


def map_query(args: Any, *, level: str | None = None, province: str | None = None) -> MapQuery:
    """The map's parameters: ``layer``, ``level``, ``province`` and the search's filters (the
    search's own parser, so unknown values are refused alike). An unknown province in the
    path raises UnknownProvince (a 404, not a 400)."""
    layer = text(args, "layer", regions_map.DEFAULT_LAYER).lower()
    if layer not in regions_map.LAYERS:
        raise Invalid(
            f"unknown layer {layer!r}; expected one of: {', '.join(regions_map.LAYERS)}",
            param="layer",
        )
    if level is None:
        level = one_of(args, "level", regions_map.PROVINCE, regions_map.LEVELS)
    if text(args, "q"):
        raise Invalid("the map counts by filters only; free text is not supported", param="q")
    filters = dict(search(args).filters)
    parent: str | None = None
    if level == regions_map.REGENCY:
        if province is not None:
            region = taxonomy.region_by_code(province)
            if region is None or region.level != 1:
                raise UnknownProvince(province)
            parent = region.code
            filters.pop("province", None)
        else:
            chosen = filters.pop("province", [])
            if len(chosen) != 1:
                raise Invalid("the regency level needs exactly one province", param="province")
            parent = chosen[0]
    frozen = tuple(sorted((k, tuple(sorted(v))) for k, v in filters.items()))
    return MapQuery(layer=layer, level=level, province=parent, filters=frozen)
