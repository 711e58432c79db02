"""The inbox's list: filter and sort harvested candidates, and present one as the API shows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from ... import taxonomy
from ...extensions import db
from ...models import Candidate, HarvestSource, Innovation, Post
from ...models.candidates import PLATFORM_BITS, platform_mask
from ...search import candidate_text
from .. import catalogue
from ..errors import Invalid
from . import counting, listing
from .counting import COUNT_BOUND
from .listing import decode_cursor

STATUSES = ("new", "approved", "rejected", "merged")
SORTS = ("score", "newest", "uncertainty")
PLATFORMS = ("twitter", "mastodon", "bluesky", "rss", "file")
MAX_QUERY_CHARS = 200
# a harvest source with up to this many posts is filtered as a set of candidates
SMALL_SOURCE = 200_000
# how deep page numbers reach when the total is estimated (beyond: the ``after`` cursor)
MAX_PAGE_OFFSET = 20_000
JAKARTA = ZoneInfo("Asia/Jakarta")


# --------------------------------------------------------------------------- listing


@dataclass
class InboxParams:
    """The inbox's filters, checked (the web's ``params.inbox`` builds them from a query)."""

    status: str = "new"
    q: str = ""
    min_score: float | None = None
    platform: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    province: str | None = None
    source: str | None = None  # a harvest source's name
    sort: str = "score"
    page: int = 1
    per_page: int = 20
    after: str | None = None  # the cursor of the page before (keyset paging)
    count_bound: int = COUNT_BOUND

    def as_args(self) -> dict[str, Any]:
        """The non-default filters as query arguments (for links that keep them; the page
        and its cursor are left out)."""
        out: dict[str, Any] = {}
        if self.status != "new":
            out["status"] = self.status
        if self.q:
            out["q"] = self.q
        if self.min_score is not None:
            out["min_score"] = f"{self.min_score:g}"
        if self.platform:
            out["platform"] = list(self.platform)
        if self.date_from:
            out["date_from"] = self.date_from.isoformat()
        if self.date_to:
            out["date_to"] = self.date_to.isoformat()
        if self.province:
            out["province"] = self.province
        if self.source:
            out["source"] = self.source
        if self.sort != "score":
            out["sort"] = self.sort
        return out


@dataclass
class CandidatePage:
    total: int
    page: int
    per_page: int
    items: list[Candidate]
    threshold: float
    total_estimated: bool = False  # more than count_bound: total is an estimate
    count_bound: int = COUNT_BOUND
    next_after: str | None = None  # the cursor of the next page; None on the last


def source_id(name: str) -> int | None:
    """The id of the harvest source with this name, or None."""
    return db.session.scalar(select(HarvestSource.id).where(HarvestSource.name == name))


def model_threshold() -> float:
    from ...classify.predict import get_predictor

    return float(get_predictor().threshold)


def _jakarta_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of ``day`` in Jakarta time (as curators read dates) as naive UTC."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=JAKARTA)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def masks_with(platforms: Sequence[str]) -> list[int]:
    """Every platform_mask value holding one of these platforms (an IN list an index serves)."""
    wanted = platform_mask(platforms)
    return [m for m in range(1 << len(PLATFORM_BITS)) if m & wanted]


def _filters(
    min_score: float | None,
    platforms: Sequence[str],
    date_from: dt.date | None,
    date_to: dt.date | None,
    province: str | None,
    source: str | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if min_score is not None:
        conditions.append(Candidate.score >= min_score)
    if platforms:
        conditions.append(Candidate.platform_mask.in_(masks_with(platforms)))
    if date_from is not None:
        conditions.append(Candidate.seen_at >= _jakarta_midnight_utc(date_from))
    if date_to is not None:
        first = func.coalesce(Candidate.first_seen, Candidate.last_seen, Candidate.created_at)
        conditions.append(first < _jakarta_midnight_utc(date_to + dt.timedelta(days=1)))
    if province:
        conditions.append(Candidate.province_code == province)
    if source:
        conditions.append(harvested_by(source_id(source)))
    return conditions


def harvested_by(source: int | None, small: int = SMALL_SOURCE) -> ColumnElement[bool]:
    """Candidates with a post from this source: read from the (source_id, candidate_id) index
    as a set when the source has few posts; else asked of each candidate listed (a large
    source holds many of them: a page finds its rows within a few)."""
    posts = select(Post.candidate_id).where(Post.source_id == source)
    held = db.session.scalar(select(func.count()).select_from(posts.limit(small + 1).subquery()))
    if (held or 0) <= small:
        return Candidate.id.in_(posts)
    return exists().where(Post.source_id == source, Post.candidate_id == Candidate.id)


def list_candidates(
    status: str = "new",
    q: str = "",
    min_score: float | None = None,
    platform: str | Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    province: str | None = None,
    source: str | None = None,
    sort: str = "score",
    page: int = 1,
    per_page: int = 20,
    after: str | None = None,
    count_bound: int = COUNT_BOUND,
) -> CandidatePage:
    """A page of candidates. ``status`` "all" lists every status; ``platform`` (one or several:
    OR) keeps candidates with a post from it; the date range keeps candidates seen within it;
    ``source`` (a harvest source's name) keeps candidates with a post it harvested; ``q``
    searches their text (the catalogue search's query language); ``sort`` is score (highest
    first), newest (last seen) or uncertainty (closest to the model's threshold first: the
    most useful to label next). ``after`` (a page's ``next_after``) starts after that page's
    last candidate; without it ``page`` counts pages (as deep as ``MAX_PAGE_OFFSET`` rows
    when the total is estimated)."""
    if sort not in SORTS:
        raise Invalid(f"unknown sort {sort!r}", param="sort")
    position = decode_cursor(after, sort) if after else None
    platforms = [platform] if isinstance(platform, str) else list(platform or [])
    conditions = _filters(min_score, platforms, date_from, date_to, province, source)
    status_condition = [Candidate.status == status] if status != "all" else []
    counted, where = _count_with_words(q, status_condition, conditions, count_bound)
    threshold = model_threshold()
    result = CandidatePage(
        counted.total, page, per_page, [], threshold, counted.estimated, count_bound
    )
    offset = 0 if position is not None else (page - 1) * per_page
    if offset >= counted.total:
        # past the end (or the estimated end: no exact count, which reads every match): an
        # empty page, as cheap as any
        return result
    if counted.estimated and offset > MAX_PAGE_OFFSET:
        raise Invalid(
            f"pages go {MAX_PAGE_OFFSET:,} candidates deep; follow next_after beyond",
            param="page",
        )
    statuses: list[str | None] = list(STATUSES) if status == "all" else [status]
    rows = listing.ordered_rows(
        sort,
        statuses,
        and_(*where) if where else None,
        threshold,
        after=position,
        offset=offset,
        limit=per_page + 1,
    )
    if len(rows) > per_page:
        rows = rows[:per_page]
        result.next_after = listing.Position.of(sort, rows[-1]).encode()
    if rows:
        wanted = select(Candidate).where(Candidate.id.in_([r.id for r in rows]))
        found = {c.id: c for c in db.session.scalars(wanted)}
        result.items = [found[r.id] for r in rows if r.id in found]
    return result


def _count_with_words(
    q: str,
    status_condition: list[ColumnElement[bool]],
    conditions: list[ColumnElement[bool]],
    count_bound: int,
) -> tuple[counting.Count, list[ColumnElement[bool]]]:
    """The count, and the conditions but status: with the words of ``q`` all together, or
    (when that finds nothing) any of them, as the catalogue search falls back."""
    texts = candidate_text.text_conditions(q, db.session.get_bind().dialect.name) if q else []
    for i, text_condition in enumerate(texts or [None]):
        where = [*conditions, *([text_condition] if text_condition is not None else [])]
        every = [*status_condition, *where]
        counted = counting.count(and_(*every) if every else None, count_bound)
        if counted.total or i >= len(texts) - 1:
            return counted, where
    raise AssertionError("unreachable: the last try returns")


def list_page(params: InboxParams) -> CandidatePage:
    return list_candidates(
        status=params.status,
        q=params.q,
        min_score=params.min_score,
        platform=params.platform,
        date_from=params.date_from,
        date_to=params.date_to,
        province=params.province,
        source=params.source,
        sort=params.sort,
        page=params.page,
        per_page=params.per_page,
        after=params.after,
        count_bound=params.count_bound,
    )


def innovations_by_id(ids: Sequence[int | None]) -> dict[int, Innovation]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.scalars(select(Innovation).where(Innovation.id.in_(wanted)))
    return {row.id: row for row in rows}


# --------------------------------------------------------------------------- presenting


def _code(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("code")
    return value if isinstance(value, str) and value else None


def predicted_region(candidate: Candidate, key: str) -> taxonomy.RegionInfo | None:
    code = _code((candidate.predicted or {}).get(key))
    if key == "province" and code is None:
        code = candidate.province_code
    return taxonomy.region_by_code(code) if code else None


def explain_terms(candidate: Candidate) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The terms that pushed the score up, and those that pushed it down, strongest first."""
    pairs: list[tuple[str, float]] = []
    for item in candidate.explain or []:
        if isinstance(item, list | tuple) and len(item) == 2:
            try:
                pairs.append((str(item[0]), float(item[1])))
            except (TypeError, ValueError):
                continue
    up = sorted((p for p in pairs if p[1] > 0), key=lambda p: -p[1])
    down = sorted((p for p in pairs if p[1] < 0), key=lambda p: p[1])
    return up, down


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def candidate_record(
    candidate: Candidate,
    *,
    locale: str = "id",
    matches: Mapping[int, Innovation] | None = None,
    url_for_innovation: Any = None,
) -> dict[str, Any]:
    """DESIGN.md's candidate result (plus ``explain``, and ``reason``/``innovation_id``/
    ``merged_into`` for decided ones)."""
    predicted = candidate.predicted or {}
    province = predicted_region(candidate, "province")
    match_id = candidate.matches_innovation_id
    match = (matches or {}).get(match_id) if match_id is not None else None
    if match_id is not None and match is None and matches is None:
        match = db.session.get(Innovation, match_id)
    matches_innovation = None
    if match is not None:
        matches_innovation = {"id": match.id, "title": match.title, "status": match.status}
        if url_for_innovation is not None and match.status == "published":
            matches_innovation["url"] = url_for_innovation(match.slug)
    return {
        "id": candidate.id,
        "status": candidate.status,
        "score": round(float(candidate.score or 0.0), 6),
        "text": candidate.text or "",
        "platforms": list(candidate.platforms or []),
        "post_count": int(candidate.post_count or 0),
        "first_seen": _iso(candidate.first_seen),
        "last_seen": _iso(candidate.last_seen),
        "predicted": {
            "sectors": [s for s in predicted.get("sectors") or [] if isinstance(s, str)],
            "focus": predicted.get("focus"),
            "innovator_type": predicted.get("innovator_type"),
            "province": catalogue.region_ref(province, locale),
        },
        "matches_innovation": matches_innovation,
        "explain": [[t, w] for t, w in _explain_pairs(candidate)],
        "reason": candidate.reason or None,
        "innovation_id": candidate.innovation_id,
        "merged_into": candidate.merged_into_id,
    }


def _explain_pairs(candidate: Candidate) -> list[tuple[str, float]]:
    up, down = explain_terms(candidate)
    return sorted(up + down, key=lambda p: -abs(p[1]))
