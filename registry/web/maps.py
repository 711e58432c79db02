"""The regional map: /peta (provinces), /peta/<province> (its regencies and cities, with its
innovations), the bare pictures (/peta.svg, /peta/<province>.svg), a locator for an innovation's
page, and GET /api/v1/regions/counts.

The counts come from services.regions_map (cached per filter combination); the drawing from
registry.maps. Each region links to the search filtered by it, with the map's own filters.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext

from .. import taxonomy
from ..extensions import limiter
from ..maps import shapes, svg
from ..services import discovery, map_layers, regions_map
from ..services.errors import DomainError, Invalid
from ..services.regions_map import MapQuery, UnknownProvince
from . import params as query_params
from .problems import domain_error, domain_problem, problem
from .public import current_locale, region_name, vocab_label

bp = Blueprint("maps", __name__)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Any:
    """The pictures (.svg) and the counts API answer a domain error with a problem, never a
    page; the map's pages answer as every page does (their own errors are shown in place)."""
    if request.path.endswith(".svg"):
        return domain_problem(exc)
    return domain_error(exc)


# Words for each layer (a layer added in services.regions_map adds its words here)
LAYER_LABELS: dict[str, Any] = {
    "innovations": lazy_gettext("Inovasi terbit"),
    map_layers.REPLICATIONS: lazy_gettext("Replikasi terkonfirmasi"),
    map_layers.REPORTS: lazy_gettext("Laporan warga"),
}
LAYER_COUNTS: dict[str, Callable[[int], str]] = {
    "innovations": lambda n: ngettext("%(num)d inovasi", "%(num)d inovasi", n),
    map_layers.REPLICATIONS: lambda n: ngettext("%(num)d replikasi", "%(num)d replikasi", n),
    map_layers.REPORTS: lambda n: ngettext("%(num)d laporan", "%(num)d laporan", n),
}
FORM_VOCABS = ("sector", "focus", "innovator_type", "stage")
LIST_LIMIT = 50
DRAWINGS_KEY = "registry.map_drawings"
DRAWINGS_KEPT = 256
_drawings_lock = threading.Lock()
LOCATOR_WIDTH = 400  # a locator is small: fewer points
SVG_TYPE = "image/svg+xml"


def _read_rate() -> str:
    return str(current_app.config["API_READ_RATE_LIMIT"])


def layer_label(layer: str) -> str:
    label = LAYER_LABELS.get(layer)
    return str(label) if label is not None else gettext("Lapisan lain")


def count_words(layer: str, count: int | None) -> str:
    if count is None:
        return gettext("tidak ada data")
    words = LAYER_COUNTS.get(layer)
    return words(count) if words else str(count)


def _filter_args(query: MapQuery) -> list[tuple[str, str]]:
    return [(name, value) for name, values in query.filters for value in values]


def _map_args(query: MapQuery) -> dict[str, Any]:
    """The query string of a map page or picture with the same filters and layer."""
    args: dict[str, Any] = {}
    for name, value in _filter_args(query):
        args.setdefault(name, []).append(value)
    if query.layer != regions_map.DEFAULT_LAYER:
        args["layer"] = query.layer
    return args


def region_search_url(query: MapQuery, code: str) -> str:
    args = {k: v for k, v in _map_args(query).items() if k not in ("layer", "province")}
    if query.level == regions_map.PROVINCE:
        args["province"] = code
    else:
        args["province"] = query.province
        args["regency"] = code
    return url_for("public.search", **args)


def _rows(query: MapQuery) -> list[dict[str, Any]]:
    """One row per region, sorted by name: code, name, count, words, links."""
    return _drawing(query)["rows"]


def _drawing(query: MapQuery) -> dict[str, Any]:
    """Rows, legend and the inline SVG of a query, kept per query, language and catalogue
    version (drawing 38 or 500 links costs more than the cached counts)."""
    counts, version = regions_map.counts_and_version(query)
    key = (query, current_locale(), version)
    cache: OrderedDict[Any, dict[str, Any]] = current_app.extensions.setdefault(
        DRAWINGS_KEY, OrderedDict()
    )
    with _drawings_lock:
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit
    rows: list[dict[str, Any]] = []
    for code, count in counts.items():
        name = region_name(code)
        words = count_words(query.layer, count)
        rows.append(
            {
                "code": code,
                "name": name,
                "count": count,
                "title": f"{name}: {words}",
                "search_url": region_search_url(query, code),
                "map_url": url_for("maps.province", province=code, **_map_args(query))
                if query.level == regions_map.PROVINCE
                else None,
            }
        )
    rows.sort(key=lambda r: r["name"])
    no_data = gettext("tidak ada data")
    regions = [svg.Region(r["code"], r["title"], r["count"], r["search_url"]) for r in rows]
    drawing = {
        "rows": rows,
        "inline": _svg(query, regions, standalone=False),
        "legend": svg.legend(regions, "0", no_data),
    }
    with _drawings_lock:
        cache[key] = drawing
        while len(cache) > DRAWINGS_KEPT:
            cache.popitem(last=False)
    return drawing


def _title(query: MapQuery) -> str:
    if query.level == regions_map.PROVINCE:
        return gettext("Peta %(layer)s per provinsi", layer=layer_label(query.layer).lower())
    return gettext(
        "Peta %(layer)s per kabupaten/kota di %(province)s",
        layer=layer_label(query.layer).lower(),
        province=region_name(query.province),
    )


def _svg(query: MapQuery, regions: list[svg.Region], *, standalone: bool) -> str:
    level = shapes.PROVINCES if query.level == regions_map.PROVINCE else shapes.REGENCIES
    return svg.render(
        shapes.view(level, query.province),
        regions,
        title=_title(query),
        zero_label="0",
        no_data_label=gettext("tidak ada data"),
        standalone=standalone,
    )


def _filter_summary(query: MapQuery) -> list[str]:
    words: list[str] = []
    for name, values in query.filters:
        if name in FORM_VOCABS:
            words.extend(vocab_label(name, v) for v in values)
        elif name in ("province", "regency"):
            words.extend(region_name(v) for v in values)
        else:
            words.extend(values)
    return words


def _form(query: MapQuery) -> dict[str, Any]:
    chosen = dict(query.filters)
    locale = current_locale()
    vocabs = {
        "sector": taxonomy.SECTORS,
        "focus": taxonomy.FOCUSES,
        "innovator_type": taxonomy.INNOVATOR_TYPES,
        "stage": taxonomy.STAGES,
    }
    return {
        "selects": [
            {
                "name": name,
                "options": taxonomy.choices(vocabs[name], locale),
                "chosen": (chosen.get(name) or ("",))[0],
            }
            for name in FORM_VOCABS
        ],
        "year": (chosen.get("year") or ("",))[0],
        "layers": [(name, layer_label(name)) for name in regions_map.LAYERS],
        "layer": query.layer,
    }


def _svg_url(query: MapQuery) -> str:
    args = _map_args(query)
    if query.level == regions_map.PROVINCE:
        return url_for("maps.picture", **args)
    return url_for("maps.province_picture", **(args | {"province": query.province}))


def _page(template: str, query: MapQuery, **context: Any) -> str:
    drawing = _drawing(query)
    rows = drawing["rows"]
    return render_template(
        template,
        query=query,
        rows=rows,
        map_svg=drawing["inline"],
        legend=drawing["legend"],
        title=_title(query),
        layer_name=layer_label(query.layer),
        total=sum(r["count"] or 0 for r in rows),
        filter_words=_filter_summary(query),
        form=_form(query),
        svg_url=_svg_url(query),
        **context,
    )


def _bad_request(exc: Invalid, template: str = "map/index.html") -> Any:
    return render_template(template, error=exc, form=None, rows=[], query=None), 400


def _not_found(code: str) -> Any:
    return render_template("map/not_found.html", code=code), 404


@bp.get("/peta")
def national() -> Any:
    try:
        query = query_params.map_query(request.args, level=regions_map.PROVINCE)
    except Invalid as exc:
        return _bad_request(exc)
    return _page("map/index.html", query)


@bp.get("/peta/<province>")
def province(province: str) -> Any:
    try:
        query = query_params.map_query(request.args, level=regions_map.REGENCY, province=province)
    except UnknownProvince:
        return _not_found(province)
    except Invalid as exc:
        return _bad_request(exc)
    listing = discovery.search_page(
        discovery.SearchParams(
            filters=query.filter_dict() | {"province": [query.province or ""]},
            sort="newest",
            per_page=LIST_LIMIT,
        ),
        url_for_slug=lambda slug: url_for("public.innovation", slug=slug),
        locale=current_locale(),
    )
    return _page(
        "map/province.html",
        query,
        province_name=region_name(query.province),
        innovations=listing["results"],
        more=listing["total"] > LIST_LIMIT,
        all_url=url_for(
            "public.search",
            **{k: v for k, v in _map_args(query).items() if k != "layer"}
            | {"province": query.province},
        ),
    )


def _standalone(query: MapQuery) -> str:
    regions = [svg.Region(r["code"], r["title"], r["count"], r["search_url"]) for r in _rows(query)]
    return _svg(query, regions, standalone=True)


def _picture(body: str) -> Response:
    response = Response(body, mimetype=SVG_TYPE)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Vary"] = "Cookie, Accept-Language"  # its words follow the language
    return response


@bp.get("/peta.svg")
def picture() -> Any:
    query = query_params.map_query(request.args, level=regions_map.PROVINCE)
    return _picture(_standalone(query))


@bp.get("/peta/<province>.svg")
def province_picture(province: str) -> Any:
    query = query_params.map_query(request.args, level=regions_map.REGENCY, province=province)
    return _picture(_standalone(query))


@bp.get("/peta/lokasi/<code>.svg")
def locator(code: str) -> Any:
    """The country with the province of ``code`` (a province or regency code) marked."""
    region = taxonomy.region_by_code(code)
    if region is None:
        return problem(404, "Not found", f"no region with code {code!r}")
    province_code = region.code.split(".")[0]
    title = gettext("Lokasi: %(name)s", name=region_name(region.code))
    view = shapes.view(shapes.PROVINCES, width=LOCATOR_WIDTH)
    body = svg.locator(view, province_code, title=title)
    return _picture(body)


@bp.get("/api/v1/regions/counts")
@limiter.limit(_read_rate)
def counts_api() -> Any:
    query = query_params.map_query(request.args)
    body: dict[str, Any] = {
        "level": query.level,
        "layer": query.layer,
        "counts": regions_map.counts(query),
    }
    if query.province:
        body["province"] = query.province
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
