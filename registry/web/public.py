"""Public pages: home, search, an innovation, statistics, open data, about, and the machine
files (Atom feed, sitemap, robots.txt).

Templates live in registry/web/templates and assets in registry/web/static; both belong to this
blueprint. Every page escapes user and harvested text (Jinja autoescape); the only markup taken
as it is is the search index's highlight snippet, which the index escapes before adding <mark>.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, get_locale, gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from .. import taxonomy
from ..extensions import db, limiter
from ..models import Innovation
from ..search import SearchUnavailable
from ..services import catalogue, catalogue_cache, discovery, transfer
from ..services.errors import Invalid
from ..services.indexing import get_index
from ..services.validation import ValidationError
from . import data_dictionary, formatting
from . import params as query_params
from .forms import ContactForm, apply_errors

log = logging.getLogger(__name__)

bp = Blueprint("public", __name__)

VOCABS: dict[str, Mapping[str, tuple[str, str]]] = {
    "sector": taxonomy.SECTORS,
    "focus": taxonomy.FOCUSES,
    "innovator_type": taxonomy.INNOVATOR_TYPES,
    "stage": taxonomy.STAGES,
    "operating_status": taxonomy.OPERATING_STATUSES,
    "replicated": taxonomy.REPLICATED,
    "platform": taxonomy.PLATFORMS,
}
FACET_ORDER = (
    "sector",
    "focus",
    "innovator_type",
    "stage",
    "operating_status",
    "replicated",
    "province",
    "regency",
    "year",
)
NEWEST_ON_HOME = 6
SIMILAR_LIMIT = 5
FEED_SIZE = 30
SITEMAP_MAX = 50_000
ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# characters XML 1.0 does not allow, which harvested text may still carry
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --------------------------------------------------------------------------- helpers


def current_locale() -> str:
    if not has_request_context():
        return "id"
    locale = get_locale()
    return locale.language if locale is not None else "id"


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute URL, on BASE_URL when it is configured (registry.web.hosts), else the
    request's (development only)."""
    return url_for(endpoint, _external=True, **values)


def vocab_label(vocab: str, slug: str | None) -> str:
    if not slug:
        return ""
    return taxonomy.label(VOCABS[vocab], slug, current_locale())


def region_name(code: str | None) -> str:
    if not code:
        return ""
    region = taxonomy.region_by_code(code)
    return region.label(current_locale()) if region is not None else code


def _query(args: Iterable[tuple[str, str]]) -> str:
    encoded = urlencode([(k, v) for k, v in args if v not in (None, "")])
    return "?" + encoded if encoded else ""


def lang_url(lang: str) -> str:
    """The current page in another language (the `lang` argument also sets the cookie)."""
    items = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    items.append(("lang", lang))
    return request.script_root + request.path + _query(items)


def search_url(**changes: Any) -> str:
    """The search page with the current arguments, some changed (None drops an argument)."""
    items = [(k, v) for k, v in request.args.items(multi=True) if k != "lang" and k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        items.extend((key, str(v)) for v in (value if isinstance(value, list) else [value]))
    return url_for("public.search") + _query(items)


def asset_url(filename: str) -> str:
    return url_for("static", filename=filename)


def canonical_url() -> str:
    if request.url_rule is not None and request.endpoint:
        try:
            return absolute_url(request.endpoint, **(request.view_args or {}))
        except BuildError:  # an endpoint that needs arguments we do not have
            return request.base_url
    return request.base_url


def nice_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return format_date(value, "long")


def paragraphs(text: str | None) -> list[str]:
    """Plain text split at blank lines, for <p> elements (each still escaped by Jinja)."""
    if not text:
        return []
    return [part.strip() for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]


def safe_link(url: str) -> bool:
    return urlsplit(url.strip()).scheme.lower() in ("http", "https")


TEMPLATE_HELPERS: dict[str, Callable[..., Any]] = {
    "vocab_label": vocab_label,
    "region_name": region_name,
    "lang_url": lang_url,
    "search_url": search_url,
    "asset_url": asset_url,
    "canonical_url": canonical_url,
    "absolute_url": absolute_url,
    "nice_date": nice_date,
    "paragraphs": paragraphs,
    "safe_link": safe_link,
    "vocab_codes": lambda vocab: list(VOCABS[vocab]),
}
for _name, _helper in TEMPLATE_HELPERS.items():
    # globals, so that imported macros see them too
    bp.add_app_template_global(_helper, _name)


@bp.app_context_processor
def _template_context() -> dict[str, Any]:
    return {
        "locale": current_locale(),
        "site_name": current_app.config.get("SITE_NAME") or "Lumbung Inovasi",
    }


def card(row: Innovation) -> dict[str, Any]:
    """The shape of a search result, for rows read from the database."""
    return discovery.result_item(
        row, "", url_for("public.innovation", slug=row.slug), current_locale()
    )


def _xml_text(value: Any) -> str:
    return _XML_INVALID.sub("", str(value or ""))


def _rfc3339(value: dt.datetime | None) -> str:
    value = value or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


# --------------------------------------------------------------------------- pages


@bp.get("/")
def home() -> Any:
    locale = current_locale()

    def figures() -> dict[str, Any]:
        stats = discovery.stats(locale)
        return {
            "total": stats["total"],
            "province_count": len(stats["by_province"]),
            "by_focus": stats["by_focus"],
            "newest": [card(row) for row in discovery.newest(NEWEST_ON_HOME)],
        }

    def page() -> str:
        # the statistics are not recomputed per request: kept until the catalogue changes
        return render_template("home.html", **catalogue_cache.cached(("home", locale), figures))

    anonymous = not current_user.is_authenticated and "_flashes" not in session
    known_language = request.args.get("lang", "id") in ("id", "en")  # no key per stray value
    if anonymous and set(request.args) <= {"lang"} and known_language:
        # what an anonymous visitor sees depends on the language and the address only
        return catalogue_cache.cached(("home page", locale, request.url), page)
    return page()


def _facet_groups(facets: Mapping[str, Mapping[str, int]], selected: Mapping[str, list[str]]):
    """Checkbox groups: every vocabulary value (so an OR choice can be widened), provinces and
    years that have results or are chosen."""
    groups = []
    for name in FACET_ORDER:
        counts = {str(k): int(v) for k, v in (facets.get(name) or {}).items()}
        chosen = list(selected.get(name, []))
        if name in VOCABS:
            values = list(VOCABS[name])
            values += [v for v in counts if v not in values]
            options = [(v, vocab_label(name, v)) for v in values]
        elif name in ("province", "regency"):
            codes = [c for c, n in counts.items() if n > 0]
            codes += [c for c in chosen if c not in codes]
            options = sorted(((c, region_name(c)) for c in codes), key=lambda o: o[1])
        else:
            years = {y for y, n in counts.items() if n > 0} | set(chosen)
            options = [(y, y) for y in sorted(years, reverse=True)]
        groups.append(
            {
                "name": name,
                "options": [
                    {
                        "value": value,
                        "label": text,
                        "count": counts.get(value, 0),
                        "checked": value in chosen,
                    }
                    for value, text in options
                ],
            }
        )
    return groups


def _page_numbers(page: int, pages: int, radius: int = 2) -> list[int | None]:
    """Page numbers to link, None standing for a gap: 1 … 4 5 [6] 7 8 … 20."""
    wanted = {1, pages, *range(page - radius, page + radius + 1)}
    shown = sorted(n for n in wanted if 1 <= n <= pages)
    out: list[int | None] = []
    last = 0
    for n in shown:
        if last and n - last > 1:
            out.append(None)
        out.append(n)
        last = n
    return out


@bp.get("/search")
def search() -> Any:
    q = (request.args.get("q") or "").strip()
    base = {"q": q[: discovery.MAX_QUERY_CHARS], "sort": request.args.get("sort") or "relevance"}
    try:
        params = query_params.search(
            request.args,
            per_page_default=current_app.config["PER_PAGE_DEFAULT"],
            per_page_max=current_app.config["PER_PAGE_MAX"],
        )
    except Invalid as exc:
        return render_template("search.html", error=exc, **base), 400
    try:
        page = discovery.search_page(
            params,
            url_for_slug=lambda slug: url_for("public.innovation", slug=slug),
            locale=current_locale(),
        )
        shown_for = None
        if not page["total"] and page["suggestion"] and params.page == 1:
            # nothing found: show what the suggestion finds, and say so
            shown_for = page["suggestion"]
            page = discovery.search_page(
                dataclasses.replace(params, q=shown_for),
                url_for_slug=lambda slug: url_for("public.innovation", slug=slug),
                locale=current_locale(),
            )
            page["suggestion"] = None
    except SearchUnavailable as exc:
        log.warning("search unavailable: %s", exc)
        return render_template("search.html", unavailable=True, **base), 503, {"Retry-After": "1"}
    pages = max(1, math.ceil(page["total"] / params.per_page))
    return render_template(
        "search.html",
        q=params.q,
        sort=params.sort,
        params=params,
        total=page["total"],
        results=page["results"],
        suggestion=page["suggestion"],
        shown_for=shown_for,
        groups=_facet_groups(page["facets"], params.filters),
        page=params.page,
        pages=pages,
        page_numbers=_page_numbers(params.page, pages),
        per_page_arg=request.args.get("per_page") or "",
    )


def _similar(row: Innovation) -> list[dict[str, Any]]:
    try:
        ids = [i for i in get_index().similar(row.id, SIMILAR_LIMIT + 1) if i != row.id]
    except SearchUnavailable as exc:
        log.warning("similar innovations unavailable: %s", exc)
        return []
    rows = discovery.load_published(ids[:SIMILAR_LIMIT])
    return [card(rows[i]) for i in ids if i in rows]


@bp.get("/innovations/<slug>")
def innovation(slug: str) -> Any:
    row, moved = catalogue.get_by_slug(slug)
    if row is None or row.status != "published":
        abort(404)
    if moved:
        return redirect(url_for("public.innovation", slug=row.slug), code=301)
    from ..services import contact, revisions

    links = [link for link in (row.links or []) if isinstance(link, str) and link.strip()]
    return render_template(
        "innovation.html",
        innovation=row,
        links=links,
        similar=_similar(row),
        history=revisions.public_history(row),
        files=list(row.attachments),
        can_contact=contact.can_contact(row),
    )


def _contact_rate() -> str:
    return str(current_app.config["CONTACT_RATE_LIMIT"])


@bp.route("/innovations/<slug>/contact", methods=["GET", "POST"])
@limiter.limit(_contact_rate, methods=["POST"])
def contact_innovator(slug: str) -> Any:
    """The relay form: the message goes to the innovator's address, which is never shown.

    A page of its own, so that the innovation page itself sets no session cookie."""
    from ..services import contact

    row, moved = catalogue.get_by_slug(slug)
    if row is None or not contact.can_contact(row):
        abort(404)
    if moved:
        return redirect(url_for("public.contact_innovator", slug=row.slug), code=301)
    form = ContactForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            if form.website.data:
                # a bot filled the hidden field: answer as if it worked, send nothing
                log.info("contact honeypot filled for innovation %s", row.id)
                status = 0
            else:
                try:
                    contact.relay(
                        row,
                        name=form.name.data or "",
                        email=form.email.data or "",
                        message=form.message.data or "",
                    )
                except ValidationError as exc:
                    apply_errors(form, exc.errors)
                else:
                    status = 0
        if status == 0:
            flash(gettext("Pesan Anda sudah diteruskan ke inovator."), "info")
            return redirect(url_for("public.innovation", slug=row.slug))
    return render_template("contact.html", innovation=row, form=form), status


def _width_class(count: int, largest: int) -> str:
    """A bar's width in 5 % steps (the CSP forbids style attributes); any count shows a bar."""
    if count <= 0 or largest <= 0:
        return "w-0"
    return f"w-{max(5, math.ceil(count * 20 / largest) * 5)}"


def _chart(rows: list[tuple[str, int, str | None]], total: int) -> list[dict[str, Any]]:
    """Rows of a bar chart; percentages are of all published innovations (an innovation may
    have several sectors, so a chart's rows may add up to more than 100 %)."""
    largest = max((count for _, count, _ in rows), default=0)
    return [
        {
            "label": text,
            "count": count,
            "url": url,
            "width": _width_class(count, largest),
            "percent": round(100 * count / total) if total else 0,
        }
        for text, count, url in rows
    ]


def _month_label(month: str) -> str:
    try:
        year, number = (int(part) for part in month.split("-"))
        return format_date(dt.date(year, number, 1), "MMMM yyyy")
    except ValueError:
        return month


def search_link(param: str, value: str) -> str:
    return url_for("public.search") + _query([(param, value)])


@bp.get("/stats")
def stats() -> Any:
    locale = current_locale()
    data = discovery.stats(locale)
    total = int(data["total"])

    def by_vocab(vocab: str, counts: Mapping[str, int]) -> list[dict[str, Any]]:
        return _chart(
            [
                (vocab_label(vocab, slug), int(n), search_link(vocab, slug))
                for slug, n in counts.items()
            ],
            total,
        )

    charts = {
        "sector": by_vocab("sector", data["by_sector"]),
        "focus": by_vocab("focus", data["by_focus"]),
        "innovator_type": by_vocab("innovator_type", data["by_innovator_type"]),
        "stage": by_vocab("stage", data.get("by_stage", {})),
        "province": _chart(
            [
                (p["name"], int(p["count"]), search_link("province", p["code"]))
                for p in data["by_province"]
            ],
            total,
        ),
        "month": _chart(
            [(_month_label(m), n, None) for m, n in formatting.month_series(data["by_month"])],
            total,
        ),
    }
    from ..services import replication, review

    copies = replication.stats()
    charts["most_replicated"] = _chart(
        [
            (r["title"], r["count"], url_for("public.innovation", slug=r["slug"]))
            for r in copies["most_replicated"]
        ],
        copies["total"],
    )
    charts["replication_province"] = _chart(
        [(region_name(p["code"]), p["count"], None) for p in copies["by_province"]],
        copies["total"],
    )
    return render_template("stats.html", total=total, charts=charts, review=review.compliance())


@bp.get("/data")
def open_data() -> Any:
    return render_template(
        "data.html", summary=transfer.export_summary(), dictionary=data_dictionary.columns()
    )


def contact_href(contact: str) -> str | None:
    """The link an operator's contact makes: mailto: for an email address, itself for a web
    address, none for any other text (a phone number, a postal address)."""
    if safe_link(contact):
        return contact
    if re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", contact):
        return "mailto:" + contact
    return None


@bp.get("/about")
def about() -> Any:
    contact = (current_app.config.get("OPERATOR_CONTACT") or "").strip()
    return render_template(
        "about.html",
        operator_name=(current_app.config.get("OPERATOR_NAME") or "").strip(),
        operator_contact=contact,
        operator_href=contact_href(contact) if contact else None,
    )


# --------------------------------------------------------------------------- machine files


def _sub(parent: ET.Element, tag: str, text: Any = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = _xml_text(text)
    return element


def _feed_rows() -> list[Innovation]:
    searched = any(k in request.args for k in ("q", *discovery.FILTER_PARAMS))
    if not searched:
        return discovery.newest(FEED_SIZE)
    params = query_params.search(request.args, per_page_max=FEED_SIZE)
    params.sort, params.page, params.per_page = "newest", 1, FEED_SIZE
    ids = [hit.id for hit in discovery.run_search(params).hits]
    found = discovery.load_published(ids)
    return [found[i] for i in ids if i in found]


@bp.get("/feed.atom")
def feed() -> Any:
    """Atom 1.0: the newest published innovations; with a search's parameters, the newest
    that match it (each search has its own feed)."""
    locale = current_locale()
    rows = _feed_rows()
    site = current_app.config.get("SITE_NAME") or "Lumbung Inovasi"
    root = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: locale})
    _sub(root, "id", absolute_url("public.home"))
    _sub(root, "title", site)
    _sub(root, "subtitle", gettext("Katalog inovasi pelayanan publik"))
    stamps = [row.updated_at or row.published_at for row in rows]
    _sub(root, "updated", _rfc3339(max((s for s in stamps if s), default=None)))
    self_args = {
        k: request.args.getlist(k) for k in ("q", *discovery.FILTER_PARAMS) if k in request.args
    }
    _sub(
        root,
        "link",
        rel="self",
        type="application/atom+xml",
        href=absolute_url("public.feed", **self_args),
    )
    _sub(root, "link", rel="alternate", type="text/html", href=absolute_url("public.home"))
    _sub(root, "rights", "CC BY 4.0")
    author = _sub(root, "author")
    _sub(author, "name", site)
    for row in rows:
        entry = _sub(root, "entry")
        _sub(entry, "id", absolute_url("api.innovation", innovation_id=row.id))
        _sub(entry, "title", row.title, type="text")
        _sub(entry, "updated", _rfc3339(row.updated_at or row.published_at))
        if row.published_at:
            _sub(entry, "published", _rfc3339(row.published_at))
        _sub(
            entry,
            "link",
            rel="alternate",
            type="text/html",
            href=absolute_url("public.innovation", slug=row.slug),
        )
        if row.innovator_name:
            _sub(_sub(entry, "author"), "name", row.innovator_name)
        for sector in row.sectors:
            _sub(entry, "category", term=sector, label=_xml_text(vocab_label("sector", sector)))
        _sub(entry, "summary", row.summary or row.title, type="text")
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/sitemap.xml")
def sitemap() -> Any:
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for endpoint in ("public.home", "public.stats", "public.open_data", "public.about"):
        _sub(_sub(root, "url"), "loc", absolute_url(endpoint))
    rows = db.session.execute(
        select(Innovation.slug, Innovation.updated_at, Innovation.published_at)
        .where(Innovation.status == "published")
        .order_by(Innovation.published_at.desc(), Innovation.id.desc())
        .limit(SITEMAP_MAX - 5)
    ).all()
    for slug, updated_at, published_at in rows:
        url = _sub(root, "url")
        _sub(url, "loc", absolute_url("public.innovation", slug=slug))
        stamp = updated_at or published_at
        if stamp:
            _sub(url, "lastmod", stamp.date().isoformat())
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Any:
    lines = [
        "User-agent: *",
        "Disallow: /search",
        "Allow: /",
        "",
        f"Sitemap: {absolute_url('public.sitemap')}",
        "",
    ]
    return Response("\n".join(lines), mimetype="text/plain")
