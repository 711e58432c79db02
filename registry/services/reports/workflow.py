"""The steps of a report after it is received, and who may take each (DESIGN.md: Reports):

received → verified | rejected; verified → disposed (to one institution account) → responded →
closed (the reporter rates it, or REPORT_CLOSE_DAYS pass); within those days the reporter may
reopen it once (→ disposed); the institution may return a disposed report as not theirs, with
its reason (→ verified, for the curators to dispose again); a curator may re-dispose a disposed
report, and make a report more private (never less). Every step is a ReportEvent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...models import Report, ReportEvent, User, utcnow
from ..accounts import find_user
from ..sla import days
from .errors import Conflict, Forbidden, Invalid
from .files import FileIn, attach
from .vocabulary import (
    CURATOR_STEPS,
    INSTITUTION_STEPS,
    MAX_TEXT,
    REJECT_REASONS,
    STEPS,
    SYSTEM,
    Actor,
)


def add_event(
    report: Report,
    actor: Actor,
    action: str,
    from_status: str | None,
    to_status: str,
    *,
    now: dt.datetime,
    note: str = "",
    details: dict[str, Any] | None = None,
    role: str | None = None,
) -> ReportEvent:
    event = ReportEvent(
        at=now,
        actor_role=role or actor.role,
        actor_id=actor.user.id if actor.user is not None else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        details=details,
    )
    report.events.append(event)
    report.updated_at = now
    return event


def _require(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden("this step is not yours to take on this report")


def _expect(report: Report, action: str, *statuses: str) -> None:
    if report.status not in statuses:
        raise Conflict(
            f"cannot {action} a report that is {report.status} (only when {' or '.join(statuses)})",
            report.status,
        )


def find_institution(email: Any) -> User:
    if not isinstance(email, str) or not email.strip():
        raise Invalid("to", "name the institution account's email")
    user = find_user(email)
    if user is None or user.role != "institution" or not user.active:
        raise Invalid("to", "no active institution account with this email")
    return user


def act(
    report: Report,
    action: str,
    *,
    actor: Actor,
    reason: str = "",
    to: User | str | None = None,
    text: str = "",
    rating: Any = None,
    anonymous: bool = False,
    confidential: bool = False,
    files: Sequence[FileIn] = (),
    now: dt.datetime | None = None,
) -> ReportEvent:
    """Take one step on a report; the domain errors (:mod:`.errors`) say why not."""
    now = now or utcnow()
    if action not in STEPS:
        raise Invalid("action", f"action must be one of: {', '.join(STEPS)}")
    if action in CURATOR_STEPS:
        _require(actor, "curator")
    elif action in INSTITUTION_STEPS:
        _require(actor, "institution")
        if actor.user is None or report.addressee_id != actor.user.id:
            raise Forbidden("this report is not disposed to you")
    else:
        _require(actor, "reporter")
    if not isinstance(text, str):
        raise Invalid("text", "text must be text")
    if not isinstance(reason, str):
        raise Invalid("reason", "reason must be text")
    text, reason = text.strip(), reason.strip()
    if len(text) > MAX_TEXT:
        raise Invalid("text", f"text is longer than {MAX_TEXT:,} characters")
    before = report.status

    if action == "verify":
        _expect(report, action, "received")
        report.status, report.verified_at = "verified", now
        return add_event(report, actor, action, before, "verified", now=now, note=text)
    if action == "reject":
        _expect(report, action, "received", "verified")
        if reason.lower() not in REJECT_REASONS:
            raise Invalid("reason", f"reason must be one of: {', '.join(REJECT_REASONS)}")
        report.status, report.reject_reason, report.due_at = "rejected", reason.lower(), None
        return add_event(report, actor, action, before, "rejected", now=now, note=text)
    if action == "dispose":
        _expect(report, action, "verified", "disposed")
        institution = to if isinstance(to, User) else find_institution(to)
        if institution.role != "institution" or not institution.active:
            raise Invalid("to", "no active institution account with this email")
        if before == "disposed" and institution.id == report.addressee_id:
            raise Conflict("the report is already disposed to this institution", before)
        previous = report.addressee_id
        report.status, report.addressee_id, report.disposed_at = "disposed", institution.id, now
        if before == "verified":
            report.due_at = report.respond_due
        return add_event(
            report,
            actor,
            action,
            before,
            "disposed",
            now=now,
            note=text or reason,
            details={"to": institution.id, "from": previous},
        )
    if action == "respond":
        _expect(report, action, "disposed")
        if not text:
            raise Invalid("text", "write the follow-up the reporter will read")
        report.status, report.responded_at, report.due_at = "responded", now, None
        event = add_event(report, actor, action, before, "responded", now=now, note=text)
        db.session.flush()
        attach(report, files, event)
        return event
    if action == "return":
        return _return(report, actor, reason or text, now=now)
    if action == "reopen":
        _expect(report, action, "responded")
        if report.reopened:
            raise Conflict("a report can be reopened only once", before)
        if report.responded_at and now > report.responded_at + days("REPORT_CLOSE_DAYS"):
            raise Conflict("the time to reopen this report has passed", before)
        report.status, report.reopened = "disposed", True
        report.due_at = now + days("REPORT_RESPOND_DAYS")
        return add_event(report, actor, action, before, "disposed", now=now, note=text)
    if action == "close":
        _expect(report, action, "responded")
        if rating is not None and rating != "":
            if isinstance(rating, str) and rating.strip().isdigit():
                rating = int(rating)
            if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
                raise Invalid("rating", "rating must be a whole number from 1 to 5")
            report.rating = rating
        report.status, report.closed_at = "closed", now
        return add_event(
            report,
            actor,
            action,
            before,
            "closed",
            now=now,
            note=text,
            details={"rating": report.rating},
        )
    # restrict: more private only; a curator can never make a report less private
    changes: dict[str, Any] = {}
    if anonymous and not report.anonymous:
        report.anonymous, changes["anonymous"] = True, True
    if confidential and not report.confidential:
        report.confidential, changes["confidential"] = True, True
    if not changes:
        raise Invalid("anonymous", "nothing to make more private")
    return add_event(report, actor, action, before, before, now=now, note=text, details=changes)


def _return(report: Report, actor: Actor, reason: str, *, now: dt.datetime) -> ReportEvent:
    """The institution says the report is not theirs: it goes back to the curators (verified,
    no addressee) with the reason, to be disposed again; it stays late if its disposition
    deadline has passed, so it heads their queue."""
    _expect(report, "return", "disposed")
    if not reason:
        raise Invalid("reason", "say why the report is not yours (the curators read it)")
    if len(reason) > MAX_TEXT:
        raise Invalid("reason", f"reason is longer than {MAX_TEXT:,} characters")
    previous = report.addressee_id
    report.status, report.addressee_id, report.due_at = "verified", None, report.dispose_due
    return add_event(
        report,
        actor,
        "return",
        "disposed",
        "verified",
        now=now,
        note=reason,
        details={"from": previous},
    )


def returned_by(report: Report) -> set[int]:
    """The institutions that returned this report as not theirs (not to be suggested again)."""
    return {
        int(e.details["from"])
        for e in report.events
        if e.action == "return" and e.details and e.details.get("from") is not None
    }


def close_expired(*, now: dt.datetime | None = None) -> int:
    """Close responded reports the reporter left alone for REPORT_CLOSE_DAYS (no rating)."""
    now = now or utcnow()
    cutoff = now - days("REPORT_CLOSE_DAYS")
    rows = db.session.scalars(
        select(Report).where(Report.status == "responded", Report.responded_at <= cutoff)
    ).all()
    for report in rows:
        report.status, report.closed_at = "closed", now
        add_event(report, SYSTEM, "close", "responded", "closed", now=now, details={"auto": True})
    db.session.flush()
    return len(rows)
