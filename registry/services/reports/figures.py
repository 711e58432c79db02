"""The reports' figures, the way the ministry reported them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...models import Report, utcnow
from ..sla import median_hours, share
from .vocabulary import OPEN


def stats(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Figures the way the ministry reported them: totals by category and kind, the share
    followed up, on-time shares and median hours for disposition and response, by month.
    Counted over every report that was not rejected (confidential ones count, unnamed)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(
            Report.received_at,
            Report.kind,
            Report.category,
            Report.status,
            Report.dispose_due,
            Report.respond_due,
            Report.disposed_at,
            Report.responded_at,
            Report.rating,
        ).where(Report.status != "rejected")
    ).all()
    months: dict[str, dict[str, Any]] = {}
    totals: dict[str, Any] = {"by_category": Counter(), "by_kind": Counter()}

    def summary(group: list[Any]) -> dict[str, Any]:
        disposed = [r for r in group if r.disposed_at is not None]
        disposed_late_open = [
            r for r in group if r.disposed_at is None and r.status in OPEN and now > r.dispose_due
        ]
        responded = [r for r in group if r.responded_at is not None]
        responded_late_open = [
            r for r in group if r.responded_at is None and r.status in OPEN and now > r.respond_due
        ]
        dispose_on_time = sum(r.disposed_at <= r.dispose_due for r in disposed)
        respond_on_time = sum(r.responded_at <= r.respond_due for r in responded)
        ratings = [r.rating for r in group if r.rating]
        return {
            "total": len(group),
            "followed_up": len(responded),
            "followed_up_share": share(len(responded), len(group)),
            "disposed_on_time_share": share(
                dispose_on_time, len(disposed) + len(disposed_late_open)
            ),
            "responded_on_time_share": share(
                respond_on_time, len(responded) + len(responded_late_open)
            ),
            "median_dispose_hours": median_hours([r.disposed_at - r.received_at for r in disposed]),
            "median_response_hours": median_hours(
                [r.responded_at - r.received_at for r in responded]
            ),
            "mean_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        }

    by_month: dict[str, list[Any]] = {}
    for row in rows:
        totals["by_category"][row.category] += 1
        totals["by_kind"][row.kind] += 1
        by_month.setdefault(row.received_at.strftime("%Y-%m"), []).append(row)
    for month in sorted(by_month):
        months[month] = summary(by_month[month])
    overall = summary(list(rows))
    return {
        "dispose_days": float(current_app.config["REPORT_DISPOSE_DAYS"]),
        "respond_days": float(current_app.config["REPORT_RESPOND_DAYS"]),
        **overall,
        "by_category": dict(totals["by_category"].most_common()),
        "by_kind": dict(totals["by_kind"].most_common()),
        "open": sum(1 for r in rows if r.status in OPEN),
        "overdue": sum(
            1
            for r in rows
            if r.status in OPEN
            and now > (r.dispose_due if r.status != "disposed" else r.respond_due)
        ),
        "by_month": [{"month": m, **v} for m, v in months.items()],
    }
