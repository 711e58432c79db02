"""Routing rules: which institution a report is disposed to, suggested to the curator by
category, region and words."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ... import taxonomy
from ...extensions import db
from ...models import Report, ReportRoute, User
from .errors import Invalid, NotFound
from .vocabulary import CATEGORIES
from .workflow import find_institution, returned_by


def add_route(
    category: str, to_email: str, *, region: str | None = None, words: str = ""
) -> ReportRoute:
    if category not in CATEGORIES:
        raise Invalid("category", f"category must be one of: {', '.join(CATEGORIES)}")
    code = None
    if region:
        found = taxonomy.resolve_region(region)
        if found is None:
            raise Invalid("province", "unknown province or regency")
        code = found.code
    institution = find_institution(to_email)
    route = ReportRoute(
        category=category, region_code=code, words=" ".join(words.split()), to_id=institution.id
    )
    db.session.add(route)
    db.session.flush()
    return route


def list_routes() -> list[ReportRoute]:
    return list(
        db.session.scalars(select(ReportRoute).order_by(ReportRoute.category, ReportRoute.id)).all()
    )


def delete_route(route_id: int) -> None:
    route = db.session.get(ReportRoute, route_id)
    if route is None:
        raise NotFound("no such routing rule")
    db.session.delete(route)
    db.session.flush()


def _route_score(route: ReportRoute, report: Report, text: str) -> int | None:
    if route.category != report.category:
        return None
    score = 0
    if route.region_code:
        if route.region_code == report.regency_code:
            score += 4
        elif route.region_code == report.province_code:
            score += 2
        else:
            return None
    if route.words:
        if not any(word.lower() in text for word in route.words.split()):
            return None
        score += 1
    return score


def suggest(report: Report, routes: Iterable[ReportRoute] | None = None) -> User | None:
    """The addressee to preselect: the institution owning the innovation the report is about,
    else the most specific routing rule (regency over province over anywhere; words count);
    never an institution that returned this report as not theirs."""
    refused = returned_by(report)
    innovation = report.innovation
    if innovation is not None and innovation.owner is not None:
        owner = innovation.owner
        if owner.role == "institution" and owner.active and owner.id not in refused:
            return owner
    text = f"{report.title} {report.body}".lower()
    best: tuple[int, int, ReportRoute] | None = None
    for route in routes if routes is not None else list_routes():
        if route.to_id in refused:
            continue
        score = _route_score(route, report, text)
        if score is not None and (best is None or (score, -route.id) > best[:2]):
            best = (score, -route.id, route)
    if best is None or not best[2].to.active:
        return None
    return best[2].to


def institutions() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == "institution", User.active.is_(True))
            .order_by(User.email)
        ).all()
    )
