"""Lists of reports: the public's, the curators' queue by the clock, an institution's, the
counts a map or a digest needs."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Report, ReportEvent, User, utcnow
from .vocabulary import OPEN, PUBLIC


@dataclass
class Page:
    items: list[Report]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _page(query: Any, page: int, per_page: int) -> Page:
    """One page of ``query``: the ids first (a narrow sort the indexes cover), then the rows of
    those ids only, so that a deep page never sorts whole reports."""
    total = db.session.scalar(
        select(func.count()).select_from(
            query.with_only_columns(Report.id).order_by(None).subquery()
        )
    )
    ids = list(
        db.session.scalars(
            query.with_only_columns(Report.id).limit(per_page).offset((page - 1) * per_page)
        ).all()
    )
    return _rows(query, ids, int(total or 0), page, per_page)


def _rows(query: Any, ids: list[int], total: int, page: int, per_page: int) -> Page:
    rows = {r.id: r for r in db.session.scalars(query.where(Report.id.in_(ids)).order_by(None))}
    return Page([rows[i] for i in ids if i in rows], total, page, per_page)


# A long list newest first is paged by its sort key, not by OFFSET: the list remembers its
# count and the key of every ANCHOR_EVERY-th row while no report changes (every change adds a
# ReportEvent, so the newest event and report ids say when), and a deep page seeks to the
# nearest remembered key and walks less than ANCHOR_EVERY index entries from there. A key not
# remembered yet is found once, by walking from the nearest remembered one or an end.
ANCHOR_EVERY = 1000
WALK_SECONDS = 300.0  # remembered at most this long, whatever the ids say
WALKS_KEPT = 128
_walks_lock = threading.Lock()


@dataclass
class _Walk:
    total: int
    made: float
    anchors: dict[int, tuple[Any, ...]] = field(default_factory=dict)


def _version() -> tuple[Any, ...]:
    """Changes whenever a report is received or takes a step (both cheap primary-key maxima)."""
    return tuple(
        db.session.execute(
            select(
                select(func.max(ReportEvent.id)).scalar_subquery(),
                select(func.max(Report.id)).scalar_subquery(),
            )
        ).one()
    )


def _walk(query: Any, name: tuple[Any, ...]) -> _Walk:
    """The list's remembered count and keys (one store per app: one database each)."""
    walks: OrderedDict[tuple[Any, ...], _Walk] = current_app.extensions.setdefault(
        "registry.report_walks", OrderedDict()
    )
    key = (*name, _version())
    with _walks_lock:
        walk = walks.get(key)
        if walk is not None and time.monotonic() - walk.made < WALK_SECONDS:
            walks.move_to_end(key)
            return walk
    total = db.session.scalar(
        select(func.count()).select_from(
            query.with_only_columns(Report.id).order_by(None).subquery()
        )
    )
    walk = _Walk(int(total or 0), time.monotonic())
    with _walks_lock:
        walks[key] = walk
        while len(walks) > WALKS_KEPT:
            walks.popitem(last=False)
    return walk


def _anchor(query: Any, walk: _Walk, block: int, keys: Sequence[Any]) -> tuple[Any, ...] | None:
    """The sort key of the row at ``block`` * ANCHOR_EVERY - 1 (None past the end), found by
    the shortest walk: on from the nearest remembered key before it (or the start), or back
    from the nearest one after it (or the end)."""
    if block in walk.anchors:
        return walk.anchors[block]
    position = block * ANCHOR_EVERY - 1
    if position >= walk.total:
        return None
    before = max((k for k in walk.anchors if k < block), default=0)
    after = min((k for k in walk.anchors if k > block), default=None)
    forward = position - before * ANCHOR_EVERY
    backward = (after * ANCHOR_EVERY - 1 if after else walk.total) - position - 1
    start = query.with_only_columns(*keys)
    if backward < forward:
        start = start.order_by(None).order_by(*(k.asc() for k in keys))
        if after:
            start = start.where(tuple_(*keys) > tuple_(*walk.anchors[after]))
        steps = backward
    else:
        if before:
            start = start.where(tuple_(*keys) < tuple_(*walk.anchors[before]))
        steps = forward
    row = db.session.execute(start.limit(1).offset(steps)).first()
    if row is None:
        return None
    walk.anchors[block] = tuple(row)
    return walk.anchors[block]


def _keyset_page(
    query: Any, name: tuple[Any, ...], keys: Sequence[Any], page: int, per_page: int
) -> Page:
    """One page of ``query``, ordered by ``keys`` descending (unique together), by its number:
    the same rows as OFFSET, without walking the rows before it."""
    walk = _walk(query, name)
    offset = (page - 1) * per_page
    block = offset // ANCHOR_EVERY
    ids_query = query.with_only_columns(Report.id)
    if block:
        anchor = _anchor(query, walk, block, keys)
        if anchor is None:
            return Page([], walk.total, page, per_page)
        ids_query = ids_query.where(tuple_(*keys) < tuple_(*anchor))
        offset -= block * ANCHOR_EVERY
    ids = list(db.session.scalars(ids_query.limit(per_page).offset(offset)).all())
    return _rows(query, ids, walk.total, page, per_page)


@dataclass(frozen=True)
class Filters:
    """A list's filters, checked (the web's ``params.report_filters`` builds them)."""

    status: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    province: tuple[str, ...] = ()
    page: int = 1
    per_page: int = 20


def _filtered(query: Any, filters: Filters) -> Any:
    if filters.status:
        query = query.where(Report.status.in_(filters.status))
    if filters.category:
        query = query.where(Report.category.in_(filters.category))
    if filters.province:
        query = query.where(Report.province_code.in_(filters.province))
    return query


NEWEST_FIRST = (Report.received_at, Report.id)  # the public and full lists' order, descending


def public_query() -> Any:
    """Reports the public may read: verified and later, not confidential."""
    return select(Report).where(Report.confidential.is_(False), Report.status.in_(PUBLIC))


def public_page(filters: Filters) -> Page:
    query = _filtered(public_query(), filters)
    if filters.status and not set(filters.status) <= set(PUBLIC):
        query = query.where(False)  # asking for received or rejected ones shows none
    query = query.order_by(Report.received_at.desc(), Report.id.desc()).options(
        selectinload(Report.events)
    )
    name = ("public", filters.status, filters.category, filters.province)
    return _keyset_page(query, name, NEWEST_FIRST, filters.page, filters.per_page)


def all_page(filters: Filters) -> Page:
    """Every report (curators), newest first."""
    query = _filtered(select(Report), filters).order_by(Report.received_at.desc(), Report.id.desc())
    name = ("all", filters.status, filters.category, filters.province)
    return _keyset_page(query, name, NEWEST_FIRST, filters.page, filters.per_page)


def curator_queue(filters: Filters) -> Page:
    """Open reports by the clock: the earliest due (so the overdue) first."""
    statuses = filters.status or OPEN
    query = _filtered(
        select(Report).where(Report.status.in_(statuses)),
        Filters(category=filters.category, province=filters.province),
    )
    if set(statuses) <= set(OPEN):
        # only open reports have a due time: a range of the queue index, walked in order
        query = query.where(Report.due_at.is_not(None)).order_by(Report.due_at, Report.id)
    else:
        query = query.order_by(Report.due_at.is_(None), Report.due_at, Report.id)
    # the events in one query: a suggestion skips the institutions that returned a report
    query = query.options(selectinload(Report.events))
    total = _walk(query, ("queue", statuses, filters.category, filters.province)).total
    ids = list(
        db.session.scalars(
            query.with_only_columns(Report.id)
            .limit(filters.per_page)
            .offset((filters.page - 1) * filters.per_page)
        ).all()
    )
    return _rows(query, ids, total, filters.page, filters.per_page)


def institution_queue(user: User, *, page: int = 1, per_page: int = 20, done: bool = False) -> Page:
    """The reports disposed to an institution by due time; ``done``: those it answered."""
    statuses = ("responded", "closed") if done else ("disposed",)
    query = (
        select(Report)
        .where(Report.addressee_id == user.id, Report.status.in_(statuses))
        .order_by(
            Report.due_at.is_(None),
            Report.due_at,
            Report.responded_at.desc(),
            Report.id,
        )
    )
    return _page(query, page, per_page)


def overdue(report: Report, now: dt.datetime | None = None) -> bool:
    return report.due_at is not None and (now or utcnow()) > report.due_at


def overdue_count(*, user: User | None = None, now: dt.datetime | None = None) -> int:
    query = select(func.count(Report.id)).where(
        Report.status.in_(OPEN), Report.due_at < (now or utcnow())
    )
    if user is not None:
        query = query.where(Report.addressee_id == user.id)
    return int(db.session.scalar(query) or 0)


def queue_figures(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The clock and two counts for the head of the curators' queue (cheap at any size)."""
    now = now or utcnow()
    # only open reports have a due time (the queue index answers without the table); the
    # count is the unfiltered queue's, remembered while no report changes
    open_query = select(Report).where(Report.status.in_(OPEN), Report.due_at.is_not(None))
    return {
        "dispose_days": float(current_app.config["REPORT_DISPOSE_DAYS"]),
        "respond_days": float(current_app.config["REPORT_RESPOND_DAYS"]),
        "open": _walk(open_query, ("queue", OPEN, (), ())).total,
        "overdue": overdue_count(now=now),
    }


def digest_items(
    now: dt.datetime | None = None, *, since: dt.timedelta | None = None
) -> dict[str, list[Report]]:
    """For the curators' daily digest: reports received in the last day (``since``) and open
    reports past their due time, the most overdue first."""
    now = now or utcnow()
    since = since or dt.timedelta(days=1)
    new = db.session.scalars(
        select(Report)
        .where(Report.received_at > now - since, Report.received_at <= now)
        .order_by(Report.received_at)
    ).all()
    late = db.session.scalars(
        select(Report)
        .where(Report.status.in_(OPEN), Report.due_at < now)
        .order_by(Report.due_at, Report.id)
    ).all()
    return {"new": list(new), "overdue": list(late)}


def region_counts(province: str | None = None) -> dict[str, int]:
    """Public reports (verified and later, not confidential) per province, or per regency
    within ``province`` (a province code) — the map's reports layer."""
    public = and_(Report.confidential.is_(False), Report.status.in_(PUBLIC))
    rows: Sequence[Any]
    if province is None:
        rows = db.session.execute(
            select(Report.province_code, func.count(Report.id))
            .where(public)
            .group_by(Report.province_code)
        ).all()
    else:
        rows = db.session.execute(
            select(Report.regency_code, func.count(Report.id))
            .where(public, Report.province_code == province, Report.regency_code.is_not(None))
            .group_by(Report.regency_code)
        ).all()
    return {str(code): int(n) for code, n in rows if code}


def about_innovation(innovation_id: int) -> dict[str, Any]:
    """For an innovation's page: how many public reports are about it, by category, and the
    public ones themselves (newest first)."""
    rows = db.session.scalars(
        public_query()
        .where(Report.innovation_id == innovation_id)
        .order_by(Report.received_at.desc())
    ).all()
    return {
        "count": len(rows),
        "categories": Counter(r.category for r in rows).most_common(),
        "reports": list(rows[:10]),
    }
