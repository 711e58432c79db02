"""Lists of reports: the public's, the curators' queue by the clock, an institution's, the
counts a map or a digest needs."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Report, User, utcnow
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
    rows = {r.id: r for r in db.session.scalars(query.where(Report.id.in_(ids)).order_by(None))}
    return Page([rows[i] for i in ids if i in rows], int(total or 0), page, per_page)


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
    return _page(query, filters.page, filters.per_page)


def all_page(filters: Filters) -> Page:
    """Every report (curators), newest first."""
    query = _filtered(select(Report), filters).order_by(Report.received_at.desc(), Report.id.desc())
    return _page(query, filters.page, filters.per_page)


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
    return _page(query, filters.page, filters.per_page)


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
    # only open reports have a due time (the queue index answers without the table)
    open_count = db.session.scalar(
        select(func.count(Report.id)).where(Report.due_at.is_not(None), Report.status.in_(OPEN))
    )
    return {
        "dispose_days": float(current_app.config["REPORT_DISPOSE_DAYS"]),
        "respond_days": float(current_app.config["REPORT_RESPOND_DAYS"]),
        "open": int(open_count or 0),
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
