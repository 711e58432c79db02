"""A report as one viewer may see it (reporter, curator, institution, public): the public never
sees an identity or a contact, and ``anonymous`` hides the identity from the institution too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...models import Report, ReportEvent
from .queries import overdue


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def _region(region: Any, locale: str) -> dict[str, str] | None:
    return (
        {"code": region.code, "name": region.name_en if locale == "en" else region.name}
        if region
        else None
    )


def shows_identity(report: Report, view: str) -> bool:
    """Whether this viewer may see the reporter's name and contact: the reporter, a curator,
    the institution only when the report is not anonymous, the public never."""
    return view in ("reporter", "curator") or (view == "institution" and not report.anonymous)


def visible_events(report: Report, view: str) -> list[ReportEvent]:
    """The steps this viewer sees; the public sees the follow-ups, not the curators' notes."""
    if view == "public":
        return [
            e
            for e in report.events
            if e.action in ("submit", "verify", "dispose", "respond", "close")
        ]
    return list(report.events)


def event_record(event: ReportEvent, view: str) -> dict[str, Any]:
    note = event.note
    if view == "public" and event.action != "respond":
        note = ""
    if view == "reporter" and event.action == "return":
        note = ""  # the institution wrote it for the curators
    record: dict[str, Any] = {
        "at": _iso(event.at),
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "by": event.actor_role,
        "note": note,
    }
    if event.action == "close" and event.details and event.details.get("rating"):
        record["rating"] = event.details["rating"]
    return record


def record(
    report: Report,
    view: str,
    *,
    locale: str = "id",
    attachment_url: Any = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The report as this viewer (reporter | curator | institution | public) may see it."""
    body: dict[str, Any] = {
        "tracking_code": report.tracking_code,
        "kind": report.kind,
        "category": report.category,
        "title": report.title,
        "body": report.body,
        "province": _region(report.province, locale),
        "regency": _region(report.regency, locale),
        "innovation": report.innovation_id,
        "occurred_on": report.occurred_on.isoformat() if report.occurred_on else None,
        "status": report.status,
        "received_at": _iso(report.received_at),
        "dispose_due": _iso(report.dispose_due),
        "respond_due": _iso(report.respond_due),
        "overdue": overdue(report, now),
        "rating": report.rating,
    }
    if view != "public":
        body["anonymous"] = report.anonymous
        body["confidential"] = report.confidential
        body["reject_reason"] = report.reject_reason or None
        body["addressee"] = (
            (report.addressee.organization.name if report.addressee.organization else "")
            or report.addressee.name
            or report.addressee.email
            if report.addressee is not None
            else None
        )
    if shows_identity(report, view):
        body["reporter"] = {
            "name": report.reporter_name,
            "email": report.reporter_email,
            "phone": report.reporter_phone,
        }
    body["events"] = [event_record(e, view) for e in visible_events(report, view)]
    if view != "public" and attachment_url is not None:
        body["attachments"] = [
            {
                "id": a.id,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "from": "institution"
                if a.event_id and _is_response(report, a.event_id)
                else "reporter",
                "url": attachment_url(a),
            }
            for a in report.attachments
        ]
    return body


def _is_response(report: Report, event_id: int) -> bool:
    return any(e.id == event_id and e.action == "respond" for e in report.events)
