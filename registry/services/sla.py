"""Service-level clocks: the review SLA of submissions, and the arithmetic the reports' clock
shares with it (days from configuration, median hours, on-time shares).

The review SLA (DESIGN.md): acknowledgement due SLA_ACK_DAYS and decision due SLA_DECISION_DAYS
after submission, in calendar time, stored in UTC. The clock stops while a revision is requested
and starts again at resubmission:

- each (re)submission opens a *cycle*; it must be acknowledged (moved to in_review, or decided
  straight away, or sent back for revision) within SLA_ACK_DAYS of the cycle's start;
- the decision (publish or reject) is due when SLA_DECISION_DAYS of clock time have run, where
  clock time is the time spent in submitted or in_review, summed over all cycles.

Everything is computed from the ReviewEvent audit trail, which is the single source of truth.
A cycle opened and closed by the same actor (an import with --publish, the demo) was never
reviewed and is left out of the figures.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Innovation, ReviewEvent, utcnow

# a submission's statuses while the review clock runs, and those that end a cycle
OPEN = ("submitted", "in_review")
ACK_STATUSES = ("in_review", "published", "rejected", "revision_requested")
FINAL = ("published", "rejected")


def days(key: str) -> dt.timedelta:
    """A number of days from the configuration (SLA_ACK_DAYS, REPORT_RESPOND_DAYS ...)."""
    return dt.timedelta(days=float(current_app.config[key]))


def median_hours(durations: Sequence[dt.timedelta]) -> float | None:
    if not durations:
        return None
    return round(statistics.median(d.total_seconds() for d in durations) / 3600, 1)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


# --------------------------------------------------------------------------- the review SLA


@dataclass
class Cycle:
    start: dt.datetime
    opened_by: str
    ack_at: dt.datetime | None = None
    end_at: dt.datetime | None = None
    end_status: str | None = None
    closed_by: str | None = None

    @property
    def self_closed(self) -> bool:
        """Opened and closed by the same actor: a direct publish, never reviewed."""
        return self.end_at is not None and self.closed_by == self.opened_by


@dataclass
class Sla:
    cycles: list[Cycle] = field(default_factory=list)
    status: str = ""
    ack_due: dt.datetime | None = None
    decision_due: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    clock: dt.timedelta = dt.timedelta(0)  # clock time used so far (to now, or to the decision)
    reviewed: bool = True
    ack_late: bool = False
    decision_late: bool = False

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def due(self) -> dt.datetime | None:
        """The next deadline for an open submission."""
        if self.status == "submitted":
            dues = [d for d in (self.ack_due, self.decision_due) if d is not None]
            return min(dues) if dues else None
        if self.status == "in_review":
            return self.decision_due
        return None

    def as_dict(self) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return value.replace(microsecond=0).isoformat() + "Z" if value else None

        return {
            "ack_due": iso(self.ack_due),
            "decision_due": iso(self.decision_due),
            "acknowledged_at": iso(self.acknowledged_at),
            "decided_at": iso(self.decided_at),
            "clock_hours": round(self.clock.total_seconds() / 3600, 2),
            "ack_overdue": self.ack_late,
            "decision_overdue": self.decision_late,
        }


def sla_for_events(
    events: Iterable[ReviewEvent], status: str, *, now: dt.datetime | None = None
) -> Sla:
    now = now or utcnow()
    ack_window, decision_window = days("SLA_ACK_DAYS"), days("SLA_DECISION_DAYS")
    sla = Sla(status=status)
    current: Cycle | None = None
    for event in sorted(events, key=lambda e: (e.at, e.id or 0)):
        if event.to_status == "submitted" and event.from_status != "submitted":
            current = Cycle(start=event.at, opened_by=event.actor)
            sla.cycles.append(current)
            continue
        if current is None or current.end_at is not None:
            continue
        if event.to_status in ACK_STATUSES and current.ack_at is None:
            current.ack_at = event.at
        if event.to_status in FINAL or event.to_status == "revision_requested":
            current.end_at = event.at
            current.end_status = event.to_status
            current.closed_by = event.actor
    if not sla.cycles:
        sla.reviewed = False
        return sla
    sla.reviewed = not all(c.self_closed for c in sla.cycles)
    used = dt.timedelta(0)
    for cycle in sla.cycles[:-1]:
        used += (cycle.end_at or cycle.start) - cycle.start
    last = sla.cycles[-1]
    sla.ack_due = last.start + ack_window
    sla.decision_due = last.start + (decision_window - used)
    sla.acknowledged_at = last.ack_at
    end = last.end_at if last.end_at is not None else now
    if last.end_status == "revision_requested":
        sla.decision_due = None  # the clock is stopped
    sla.clock = used + (end - last.start)
    if last.end_status in FINAL:
        sla.decided_at = last.end_at
    # late: acknowledged after the due time, or still waiting past it
    sla.ack_late = any(
        ((c.ack_at or now) > c.start + ack_window) for c in sla.cycles if not c.self_closed
    )
    sla.decision_late = (
        sla.reviewed
        and sla.clock > decision_window
        and (sla.decided_at is not None or status in OPEN)
    )
    return sla


def sla_for(innovation: Innovation, *, now: dt.datetime | None = None) -> Sla:
    return sla_for_events(innovation.events, innovation.status, now=now)


def queue(*, now: dt.datetime | None = None) -> list[tuple[Innovation, Sla]]:
    """Open submissions, most urgent (earliest next deadline) first."""
    now = now or utcnow()
    rows = db.session.scalars(select(Innovation).where(Innovation.status.in_(OPEN))).all()
    items = [(row, sla_for(row, now=now)) for row in rows]
    far = dt.datetime.max
    items.sort(key=lambda item: (item[1].due or far, item[0].id))
    return items


def compliance(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """SLA figures over every submission that went through review.

    acknowledged: (re)submissions acknowledged, plus those still waiting past their due time;
    decided: submissions published or rejected by a curator, plus open ones past the decision due.
    """
    now = now or utcnow()
    ack_window, decision_window = days("SLA_ACK_DAYS"), days("SLA_DECISION_DAYS")
    submitted_ids = select(ReviewEvent.innovation_id).where(ReviewEvent.to_status == "submitted")
    events = db.session.scalars(
        select(ReviewEvent)
        .where(ReviewEvent.innovation_id.in_(submitted_ids))
        .order_by(ReviewEvent.innovation_id, ReviewEvent.id)
    ).all()
    statuses = dict(
        db.session.execute(
            select(Innovation.id, Innovation.status).where(Innovation.id.in_(submitted_ids))
        ).all()
    )
    ack_times: list[dt.timedelta] = []
    decision_times: list[dt.timedelta] = []
    ack_total = ack_on_time = 0
    decided_total = decided_on_time = 0
    open_count = overdue_ack = overdue_decision = 0
    for innovation_id, group in groupby(events, key=lambda e: e.innovation_id):
        status = statuses.get(innovation_id, "")
        sla = sla_for_events(list(group), status, now=now)
        if not sla.reviewed:
            continue
        for cycle in sla.cycles:
            if cycle.self_closed:
                continue
            if cycle.ack_at is not None:
                ack_total += 1
                ack_times.append(cycle.ack_at - cycle.start)
                ack_on_time += cycle.ack_at - cycle.start <= ack_window
            elif now - cycle.start > ack_window:
                ack_total += 1  # still waiting, already late
        if sla.decided_at is not None:
            decided_total += 1
            decision_times.append(sla.clock)
            decided_on_time += sla.clock <= decision_window
        elif status in OPEN and sla.clock > decision_window:
            decided_total += 1
        if status in OPEN:
            open_count += 1
            if status == "submitted" and sla.ack_due and now > sla.ack_due:
                overdue_ack += 1
            if sla.decision_due and now > sla.decision_due:
                overdue_decision += 1
    return {
        "ack_days": float(current_app.config["SLA_ACK_DAYS"]),
        "decision_days": float(current_app.config["SLA_DECISION_DAYS"]),
        "acknowledged": ack_total,
        "acknowledged_on_time": ack_on_time,
        "acknowledged_on_time_share": share(ack_on_time, ack_total),
        "decided": decided_total,
        "decided_on_time": decided_on_time,
        "decided_on_time_share": share(decided_on_time, decided_total),
        "median_ack_hours": median_hours(ack_times),
        "median_decision_hours": median_hours(decision_times),
        "open": open_count,
        "overdue_ack": overdue_ack,
        "overdue_decision": overdue_decision,
    }
