"""Public discovery: check search parameters, query the index, and shape results and stats."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, select

from .. import taxonomy
from ..extensions import db
from ..models import Innovation, InnovationSector, Region
from ..search import FACETS, SearchResult
from .catalogue import _iso, region_ref, to_record
from .errors import Invalid
from .indexing import get_index

MAX_QUERY_CHARS = 500
FILTER_PARAMS = {
    "sector": "sector",
    "focus": "focus",
    "innovator_type": "innovator_type",
    "province": "province",
    "stage": "stage",
    "year": "year",
    "regency": "regency",
    "operating_status": "operating_status",
    "replicated": "replicated",
}
SORTS = ("relevance", "newest")


@dataclass
class SearchParams:
    """A search, checked (the web's ``params.search`` builds it from a query)."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


def split_values(items: Iterable[Any], *, param: str, allow_empty: bool = True) -> list[str]:
    """A filter's values as given: each item may hold several, comma-separated; trimmed and
    deduplicated. ``allow_empty=False`` refuses an item with no value at all."""
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        values = [v.strip() for v in str(item).split(",")]
        if not allow_empty and not any(values):
            # `focus=` says neither "no filter" nor a value: the API refuses it (a form's
            # empty "all" choice is the page's business, which passes allow_empty)
            raise Invalid("empty value: leave the parameter out to not filter by it", param=param)
        out.extend(v for v in values if v)
    return list(dict.fromkeys(out))


def _check_vocab(vocab: Mapping[str, Any]) -> Callable[[str], str]:
    def check(value: str) -> str:
        slug = value.lower()
        if slug not in vocab:
            raise ValueError(f"unknown value {value!r}; expected one of: {', '.join(vocab)}")
        return slug

    return check


def _check_province(value: str) -> str:
    region = taxonomy.resolve_region(value, level=1)
    if region is None:
        raise ValueError(f"unknown province {value!r}; use a Kemendagri code such as 32")
    return region.code


def _check_regency(value: str) -> str:
    region = taxonomy.resolve_region(value, level=2)
    if region is None:
        raise ValueError(f"unknown regency or city {value!r}; use a Kemendagri code such as 32.73")
    return region.code


def _check_year(value: str) -> str:
    if not value.isdigit() or not 1945 <= int(value) <= 2100:
        raise ValueError(f"not a year: {value!r}")
    return str(int(value))


CHECKS: dict[str, Callable[[str], str]] = {
    "sector": _check_vocab(taxonomy.SECTORS),
    "focus": _check_vocab(taxonomy.FOCUSES),
    "innovator_type": _check_vocab(taxonomy.INNOVATOR_TYPES),
    "stage": _check_vocab(taxonomy.STAGES),
    "province": _check_province,
    "year": _check_year,
    "regency": _check_regency,
    "operating_status": _check_vocab(taxonomy.OPERATING_STATUSES),
    "replicated": _check_vocab(taxonomy.REPLICATED),
}


def checked_search(
    q: str | None,
    raw_filters: Mapping[str, Iterable[Any]],
    sort: str | None,
    *,
    allow_empty: bool = True,
) -> SearchParams:
    """Search parameters checked against the vocabularies, from the values as given (a query
    string's, a saved search's): Invalid names the first bad one, in the order q, the filters
    (FILTER_PARAMS), sort. Page and size are the caller's."""
    q = (q or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise Invalid(f"at most {MAX_QUERY_CHARS} characters", param="q")
    filters: dict[str, list[str]] = {}
    for param, facet in FILTER_PARAMS.items():
        values = split_values(raw_filters.get(param) or (), param=param, allow_empty=allow_empty)
        if not values:
            continue
        try:
            filters[facet] = list(dict.fromkeys(CHECKS[param](v) for v in values))
        except ValueError as exc:
            raise Invalid(str(exc), param=param) from None
    sort = (sort or "relevance").strip().lower()
    if sort not in SORTS:
        raise Invalid(f"must be one of: {', '.join(SORTS)}", param="sort")
    return SearchParams(q=q, filters=filters, sort=sort)


def result_item(innovation: Innovation, highlight: str, url: str, locale: str) -> dict[str, Any]:
    return {
        "id": innovation.id,
        "slug": innovation.slug,
        "title": innovation.title,
        "summary": innovation.summary,
        "sectors": innovation.sectors,
        "focus": innovation.focus,
        "stage": innovation.stage,
        "innovator_name": innovation.innovator_name,
        "innovator_type": innovation.innovator_type,
        "province": region_ref(innovation.province, locale),
        "regency": region_ref(innovation.regency, locale),
        "started_on": innovation.started_on.isoformat() if innovation.started_on else None,
        "published_at": to_record(innovation)["published_at"],
        "url": url,
        "highlight": highlight,
    }


def run_search(params: SearchParams) -> SearchResult:
    return get_index().search(
        params.q,
        filters=params.filters,
        sort=params.sort,
        page=params.page,
        per_page=params.per_page,
    )


def load_published(ids: Sequence[int]) -> dict[int, Innovation]:
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Innovation).where(Innovation.id.in_(ids), Innovation.status == "published")
    ).all()
    return {row.id: row for row in rows}


def _region(code: str | None, name: str | None) -> dict[str, str | None] | None:
    return None if code is None else {"code": code, "name": name}


@lru_cache(maxsize=4)
def _result_query(locale: str) -> Any:
    """The columns of a result, for ``ids``: built once (building costs more than running)."""
    innovation = Innovation.__table__
    province = Region.__table__.alias("province")
    regency = Region.__table__.alias("regency")
    name = "name" if locale == "id" else "name_en"
    c = innovation.c
    return (
        select(
            c.id,
            c.slug,
            c.title,
            c.summary,
            c.focus,
            c.stage,
            c.innovator_name,
            c.innovator_type,
            c.started_on,
            c.published_at,
            province.c.code,
            province.c[name],
            regency.c.code,
            regency.c[name],
        )
        .select_from(
            innovation.outerjoin(province, province.c.code == c.province_code).outerjoin(
                regency, regency.c.code == c.regency_code
            )
        )
        .where(c.id.in_(bindparam("ids", expanding=True)), c.status == "published")
    )


@lru_cache(maxsize=1)
def _sectors_query() -> Any:
    sector = InnovationSector.__table__.c
    return (
        select(sector.innovation_id, sector.sector)
        .where(sector.innovation_id.in_(bindparam("ids", expanding=True)))
        .order_by(sector.sector)
    )


def load_result_items(ids: Sequence[int], locale: str = "id") -> dict[int, dict[str, Any]]:
    """``result_item`` of each published innovation among ``ids``, without url and highlight.

    Selects only the columns a result shows (two prepared Core queries, no ORM objects):
    a third of the cost of loading the rows and calling ``result_item``.
    """
    if not ids:
        return {}
    connection = db.session.connection()
    rows = connection.execute(_result_query(locale), {"ids": list(ids)}).all()
    sectors: dict[int, list[str]] = {}
    found = [row[0] for row in rows]
    for innovation_id, sector in connection.execute(_sectors_query(), {"ids": found}):
        sectors.setdefault(innovation_id, []).append(sector)
    items = {}
    for (
        id_,
        slug,
        title,
        summary,
        focus,
        stage,
        innovator_name,
        innovator_type,
        started_on,
        published_at,
        province_code,
        province_name,
        regency_code,
        regency_name,
    ) in rows:
        items[id_] = {
            "id": id_,
            "slug": slug,
            "title": title,
            "summary": summary,
            "sectors": sectors.get(id_, []),
            "focus": focus,
            "stage": stage,
            "innovator_name": innovator_name,
            "innovator_type": innovator_type,
            "province": _region(province_code, province_name),
            "regency": _region(regency_code, regency_name),
            "started_on": started_on.isoformat() if started_on else None,
            "published_at": _iso(published_at),
        }
    return items


def search_page(
    params: SearchParams, *, url_for_slug: Callable[[str], str], locale: str = "id"
) -> dict[str, Any]:
    """The API's result object (DESIGN.md: GET /api/v1/innovations)."""
    result = run_search(params)
    rows = load_result_items([hit.id for hit in result.hits], locale)
    items = [
        rows[hit.id] | {"url": url_for_slug(rows[hit.id]["slug"]), "highlight": hit.highlight}
        for hit in result.hits
        if hit.id in rows
    ]
    facets = {name: result.facets.get(name, {}) for name in FACETS}
    return {
        "total": result.total,
        "page": params.page,
        "per_page": params.per_page,
        "results": items,
        "facets": facets,
        "suggestion": result.suggestion,
    }


def matching_ids(params: SearchParams) -> list[int]:
    """Every published innovation the search finds, in its order (the filtered exports and
    feed): one page as large as the catalogue; page and size as given are ignored."""
    total = published_count()
    if not total:
        return []
    whole = replace(params, page=1, per_page=total)
    return [hit.id for hit in run_search(whole).hits]


def published_count() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Innovation).where(Innovation.status == "published")
        )
        or 0
    )


def newest(limit: int = 6) -> list[Innovation]:
    return list(
        db.session.scalars(
            select(Innovation)
            .where(Innovation.status == "published")
            .order_by(Innovation.published_at.desc(), Innovation.id.desc())
            .limit(limit)
        )
    )


def stats(locale: str = "id") -> dict[str, Any]:
    """Counts over the published catalogue, by each vocabulary, province and month started."""
    published = Innovation.status == "published"

    def grouped(column: Any) -> dict[str, int]:
        rows = db.session.execute(
            select(column, func.count()).where(published).group_by(column)
        ).all()
        return {str(k): int(n) for k, n in rows if k is not None}

    by_sector = dict(
        db.session.execute(
            select(InnovationSector.sector, func.count())
            .join(Innovation, Innovation.id == InnovationSector.innovation_id)
            .where(published)
            .group_by(InnovationSector.sector)
        ).all()
    )
    by_province = db.session.execute(
        select(Region.code, Region.name, Region.name_en, func.count())
        .join(Innovation, Innovation.province_code == Region.code)
        .where(published)
        .group_by(Region.code, Region.name, Region.name_en)
        .order_by(func.count().desc(), Region.code)
    ).all()
    months: Counter[str] = Counter()
    for (started,) in db.session.execute(select(Innovation.started_on).where(published)):
        if isinstance(started, dt.date):
            months[started.strftime("%Y-%m")] += 1
    by_focus = grouped(Innovation.focus)
    by_type = grouped(Innovation.innovator_type)
    by_stage = grouped(Innovation.stage)
    return {
        "total": published_count(),
        "by_sector": {k: int(by_sector.get(k, 0)) for k in taxonomy.SECTORS},
        "by_focus": {k: by_focus.get(k, 0) for k in taxonomy.FOCUSES},
        "by_innovator_type": {k: by_type.get(k, 0) for k in taxonomy.INNOVATOR_TYPES},
        "by_stage": {k: by_stage.get(k, 0) for k in taxonomy.STAGES},
        "by_province": [
            {"code": code, "name": name if locale == "id" else name_en, "count": int(n)}
            for code, name, name_en, n in by_province
        ],
        "by_month": dict(sorted(months.items())),
    }
