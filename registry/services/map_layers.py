"""The map's other layers: confirmed replications (by the adopter's region) and public citizen
reports (verified and later, not confidential). The catalogue's filters apply to the innovations
layer only; these layers count every row of their kind."""

from __future__ import annotations

from collections.abc import Hashable

from sqlalchemy import func, select

from ..extensions import db
from ..models import Replication, Report
from . import reports
from .regions_map import PROVINCE, Filters, register_layer

REPLICATIONS = "replications"
REPORTS = "reports"


def count_replications(level: str, province: str | None, filters: Filters) -> dict[str, int]:
    confirmed = Replication.status == "confirmed"
    if level == PROVINCE:
        column = Replication.province_code
        query = select(column, func.count(Replication.id)).where(confirmed)
    else:
        column = Replication.regency_code
        query = select(column, func.count(Replication.id)).where(
            confirmed, Replication.province_code == province
        )
    rows = db.session.execute(query.group_by(column)).all()
    return {str(code): int(n) for code, n in rows if code}


def replications_version() -> Hashable:
    return tuple(
        db.session.execute(
            select(
                func.count(Replication.id),
                func.max(Replication.id),
                func.max(Replication.decided_at),
            )
        ).one()
    )


def count_reports(level: str, province: str | None, filters: Filters) -> dict[str, int]:
    return reports.region_counts(None if level == PROVINCE else province)


def reports_version() -> Hashable:
    return tuple(
        db.session.execute(
            select(func.count(Report.id), func.max(Report.id), func.max(Report.updated_at))
        ).one()
    )


register_layer(REPLICATIONS, count_replications, replications_version)
register_layer(REPORTS, count_reports, reports_version)
