"""Submissions and their review: who may see and change what, decisions, and the SLA clock.

The SLA (DESIGN.md): acknowledgement due SLA_ACK_DAYS and decision due SLA_DECISION_DAYS after
submission, in calendar time, stored in UTC. The clock stops while a revision is requested and
starts again at resubmission:

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..database import lock_rows
from ..extensions import db
from ..models import Innovation, ReviewEvent, User, utcnow
from . import catalogue
from .validation import ValidationError

EDITABLE = ("draft", "submitted", "revision_requested")
OPEN = ("submitted", "in_review")
DECISIONS = {
    "acknowledge": "in_review",
    "publish": "published",
    "request_revision": "revision_requested",
    "reject": "rejected",
}
NOTE_REQUIRED = ("request_revision", "reject")
MAX_NOTE = 5000
ACK_STATUSES = ("in_review", "published", "rejected", "revision_requested")
FINAL = ("published", "rejected")


class Forbidden(PermissionError):
    """The actor may not do this (maps to 403, or 404 where existence must not leak)."""


class Conflict(RuntimeError):
    """The submission is not in a state that allows this any more (maps to 409)."""

    def __init__(self, message: str, *, status: str | None = None, existing_id: int | None = None):
        super().__init__(message)
        self.status = status
        self.existing_id = existing_id


# --------------------------------------------------------------------------- access


def can_view(user: User | None, innovation: Innovation) -> bool:
    """Whether user may see innovation and its attachments (web and API alike)."""
    return innovation.status == "published" or can_see_submission(user, innovation)


def can_see_submission(user: User | None, innovation: Innovation) -> bool:
    """The private record (contact, history, attachments): its owner always; curators once it
    is submitted (a draft is its owner's alone: curators' pages do not show drafts either)."""
    if user is None:
        return False
    if innovation.owner_id == user.id:
        return True
    return user.is_curator and innovation.status != "draft"


SELF_PUBLISH = "curators cannot publish their own submission: another curator decides"


def check_not_self_publishing(innovation: Innovation, actor: User) -> None:
    """A curator's own submission is published by another curator, unless ALLOW_SELF_PUBLISH.

    A draft a curator made by approving harvested posts is the inbox's work, not a submission
    of theirs: whether its drafter may publish it is PUBLISHER_NOT_DRAFTER's question."""
    if innovation.origin == "harvest":
        return
    if innovation.owner_id == actor.id and not current_app.config.get("ALLOW_SELF_PUBLISH"):
        raise ValidationError({"decision": SELF_PUBLISH})


def can_edit(user: User | None, innovation: Innovation) -> bool:
    return user is not None and innovation.owner_id == user.id and innovation.status in EDITABLE


def my_submissions(user: User) -> list[Innovation]:
    return list(
        db.session.scalars(
            select(Innovation)
            .where(Innovation.owner_id == user.id)
            .order_by(Innovation.updated_at.desc(), Innovation.id.desc())
        )
    )


# --------------------------------------------------------------------------- submitting


def _defaults(data: Mapping[str, Any], owner: User) -> dict[str, Any]:
    """Fill what the organization already tells us, without overriding the submitter."""
    values = dict(data)
    org = owner.organization
    if org is not None:
        values.setdefault("innovator_name", org.name)
        values.setdefault("innovator_type", org.innovator_type)
        if not values.get("province") and not values.get("regency") and org.province_code:
            values["province"] = org.province_code
            values.setdefault("regency", org.regency_code)
    if not values.get("contact_email"):
        values["contact_email"] = owner.email
    return values


def _normalized_title(title: Any) -> str:
    return " ".join(str(title or "").lower().split())


def find_duplicate(owner: User, title: Any) -> Innovation | None:
    """The owner's own live innovation with the same title (a form or API call sent twice)."""
    wanted = _normalized_title(title)
    if not wanted:
        return None
    rows = db.session.scalars(
        select(Innovation).where(
            Innovation.owner_id == owner.id,
            func.lower(Innovation.title) == wanted,
            Innovation.status.not_in(("rejected", "withdrawn")),
        )
    )
    return next(iter(rows), None)


def create_submission(
    data: Mapping[str, Any], *, owner: User, origin: str = "form", draft: bool = False
) -> Innovation:
    """A new innovation owned by owner, as a draft or submitted for review."""
    if owner.role != "institution" and not owner.is_curator:
        raise Forbidden("this account cannot submit")
    duplicate = find_duplicate(owner, data.get("title"))
    if duplicate is not None:
        raise Conflict(
            "you already registered an innovation with this title",
            status=duplicate.status,
            existing_id=duplicate.id,
        )
    innovation = catalogue.create(
        _defaults(data, owner),
        actor=owner,
        origin=origin,
        status="draft" if draft else "submitted",
    )
    innovation.owner = owner
    innovation.organization_id = owner.organization_id
    if data.get("replicates"):
        from . import replication

        replication.set_replicates(innovation, data["replicates"])
    db.session.flush()
    return innovation


def edit_submission(innovation: Innovation, data: Mapping[str, Any], *, actor: User) -> bool:
    if not can_edit(actor, innovation):
        if innovation.owner_id == actor.id:
            raise Conflict(
                "this innovation is under review and cannot be edited now",
                status=innovation.status,
            )
        raise Forbidden("not your innovation")
    if "title" in data and _normalized_title(data["title"]) != _normalized_title(innovation.title):
        duplicate = find_duplicate(actor, data["title"])
        if duplicate is not None and duplicate.id != innovation.id:
            raise ValidationError({"title": "you already registered an innovation with this title"})
    if data.get("replicates"):
        from . import replication

        replication.set_replicates(innovation, data["replicates"])
    return catalogue.update(innovation, data, actor=actor, allow_closed_campaign=False)


def submit(innovation: Innovation, *, actor: User) -> ReviewEvent:
    """Send a draft, or an answer to a revision request, to review."""
    if innovation.owner_id != actor.id:
        raise Forbidden("not your innovation")
    if innovation.status not in ("draft", "revision_requested"):
        raise Conflict(f"already {innovation.status}", status=innovation.status)
    return catalogue.transition(innovation, "submitted", actor=actor)


# --------------------------------------------------------------------------- deciding


DRAFTER_MESSAGE = "you drafted this innovation: another curator must publish it"


def drafted_by(innovation: Innovation, user: User) -> bool:
    """Whether the user wrote the innovation: its owner, or who created it."""
    created = innovation.events[0] if innovation.events else None
    return innovation.owner_id == user.id or (created is not None and created.actor_id == user.id)


def decide(innovation: Innovation, decision: str, *, actor: User, note: str = "") -> ReviewEvent:
    """A curator's decision; Conflict when the submission is already past it."""
    if not actor.is_curator:
        raise Forbidden("only curators decide on submissions")
    if decision not in DECISIONS:
        raise ValidationError(
            {"decision": f"unknown decision {decision!r}; expected one of: {', '.join(DECISIONS)}"}
        )
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": f"at most {MAX_NOTE} characters"})
    if decision in NOTE_REQUIRED and not note:
        raise ValidationError({"note": "a note for the submitter is required"})
    target = DECISIONS[decision]
    four_eyes = bool(current_app.config.get("PUBLISHER_NOT_DRAFTER"))
    if target == "published" and four_eyes and drafted_by(innovation, actor):
        raise ValidationError({"decision": DRAFTER_MESSAGE})
    if target == "published":
        check_not_self_publishing(innovation, actor)
    # two curators deciding at once: the second waits for the first and reads its status
    lock_rows(Innovation, [innovation.id])
    if innovation.status not in OPEN or target not in catalogue.TRANSITIONS[innovation.status]:
        raise Conflict(
            f"cannot {decision.replace('_', ' ')}: the submission is {innovation.status}",
            status=innovation.status,
        )
    return catalogue.transition(innovation, target, actor=actor, note=note)


def decide_many(
    ids: Sequence[int], decision: str, *, actor: User, note: str = ""
) -> list[dict[str, Any]]:
    """Bulk decisions: one result per id, each applied in its own SAVEPOINT."""
    results: list[dict[str, Any]] = []
    lock_rows(Innovation, ids)  # all at once, in id order: no deadlock with another bulk decision
    for innovation_id in ids:
        innovation = db.session.get(Innovation, innovation_id)
        if innovation is None:
            results.append({"id": innovation_id, "status": 404, "detail": "not found"})
            continue
        try:
            with db.session.begin_nested():
                decide(innovation, decision, actor=actor, note=note)
        except Conflict as exc:
            results.append({"id": innovation_id, "status": 409, "detail": str(exc)})
        except ValidationError as exc:
            detail = "; ".join(exc.errors.values())
            results.append({"id": innovation_id, "status": 422, "detail": detail})
        else:
            results.append({"id": innovation_id, "status": 200, "to": innovation.status})
    return results


# --------------------------------------------------------------------------- the SLA clock


def _days(key: str) -> dt.timedelta:
    return dt.timedelta(days=float(current_app.config[key]))


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
    ack_window, decision_window = _days("SLA_ACK_DAYS"), _days("SLA_DECISION_DAYS")
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


def _median_hours(values: list[dt.timedelta]) -> float | None:
    if not values:
        return None
    return round(statistics.median(v.total_seconds() for v in values) / 3600, 1)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def compliance(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """SLA figures over every submission that went through review.

    acknowledged: (re)submissions acknowledged, plus those still waiting past their due time;
    decided: submissions published or rejected by a curator, plus open ones past the decision due.
    """
    now = now or utcnow()
    ack_window, decision_window = _days("SLA_ACK_DAYS"), _days("SLA_DECISION_DAYS")
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
        "acknowledged_on_time_share": _share(ack_on_time, ack_total),
        "decided": decided_total,
        "decided_on_time": decided_on_time,
        "decided_on_time_share": _share(decided_on_time, decided_total),
        "median_ack_hours": _median_hours(ack_times),
        "median_decision_hours": _median_hours(decision_times),
        "open": open_count,
        "overdue_ack": overdue_ack,
        "overdue_decision": overdue_decision,
    }
