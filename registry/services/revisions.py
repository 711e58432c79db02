"""Updates to published innovations: the owner proposes, a curator publishes or rejects.

The owner's edit of a published innovation never changes the public page by itself: the changed
fields are kept in `Innovation.pending_changes` (export shape) until a curator publishes them
(catalogue.update applies them, records the old slug as a redirect on a title change, and the
after-commit hook re-indexes) or rejects them. Every step is a ReviewEvent whose `details`
carry {"revision": "submitted" | "published" | "rejected", "fields": [...]}; the status stays
`published` throughout, so the SLA clock of the original submission is not touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from ..database import lock_rows
from ..extensions import db
from ..models import Innovation, ReviewEvent, User, utcnow
from . import catalogue, provenance, review
from .review import MAX_NOTE, Conflict, Forbidden
from .validation import FIELDS, ValidationError, clean

REVISABLE = ("published",)


def _jsonable(field: str, value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if field in ("sectors", "links"):
        return list(value or [])
    return value


def _event(
    innovation: Innovation, actor: User, kind: str, fields: list[str], note: str = ""
) -> ReviewEvent:
    event = catalogue.record_event(innovation, actor, innovation.status, innovation.status, note)
    event.details = {"revision": kind, "fields": fields}
    return event


def propose(innovation: Innovation, data: Mapping[str, Any], *, actor: User) -> list[str]:
    """The owner's edit of their published innovation, held for review. Returns the changed
    fields (replacing any earlier pending update); ValidationError when nothing changed."""
    if innovation.owner_id != actor.id:
        raise Forbidden("not your innovation")
    if innovation.status not in REVISABLE:
        raise Conflict(f"already {innovation.status}", status=innovation.status)
    current = catalogue.to_record(innovation, include_private=True)
    changes = {k: v for k, v in data.items() if k in FIELDS}
    merged = {k: current.get(k) for k in FIELDS} | changes
    values = clean(merged, require_complete=True)
    if "campaign" in changes and changes["campaign"] != current.get("campaign"):
        campaign = catalogue.find_campaign(changes["campaign"]) if changes["campaign"] else None
        if changes["campaign"] and campaign is None:
            raise ValidationError({"campaign": f"unknown campaign {changes['campaign']!r}"})
        if campaign is not None and not campaign.is_open(utcnow().date()):
            raise ValidationError(
                {"campaign": f"the campaign {campaign.name!r} is closed to new submissions"}
            )
    pending: dict[str, Any] = {}
    for field in changes:
        value = _jsonable(field, values.get(field))
        if field == "campaign":
            value = changes[field] or None
        if value != current.get(field) and not (value in ("", None) and not current.get(field)):
            pending[field] = value
    if not pending:
        raise ValidationError({"form": "nothing changed"})
    innovation.pending_changes = pending
    innovation.pending_at = utcnow()
    _event(innovation, actor, "submitted", sorted(pending))
    db.session.flush()
    return sorted(pending)


def withdraw(innovation: Innovation, *, actor: User) -> None:
    """The owner takes back their pending update."""
    if innovation.owner_id != actor.id:
        raise Forbidden("not your innovation")
    lock_rows(Innovation, [innovation.id])  # against a curator deciding it at this moment
    if not innovation.pending_changes:
        raise Conflict("no pending update", status=innovation.status)
    fields = sorted(innovation.pending_changes)
    innovation.pending_changes = None
    innovation.pending_at = None
    _event(innovation, actor, "withdrawn", fields)
    db.session.flush()


def publish(innovation: Innovation, *, actor: User, note: str = "") -> ReviewEvent:
    """A curator applies the pending update to the published innovation."""
    if not actor.is_curator:
        raise Forbidden("only curators decide on updates")
    lock_rows(Innovation, [innovation.id])  # two curators at once: the second gets a Conflict
    if innovation.status not in REVISABLE or not innovation.pending_changes:
        raise Conflict("no pending update", status=innovation.status)
    review.check_not_self_publishing(innovation, actor)
    note = _note(note)
    changes = dict(innovation.pending_changes)
    before = len(innovation.events)
    catalogue.update(innovation, changes, actor=actor, allow_closed_campaign=True)
    provenance.check_publishable(innovation)  # an update republishes too
    if len(innovation.events) > before:  # catalogue.update recorded the edit: mark it
        event = innovation.events[-1]
        event.note = note
        event.details = {"revision": "published", "fields": (event.details or {}).get("fields")}
    else:
        event = _event(innovation, actor, "published", [], note)
    innovation.pending_changes = None
    innovation.pending_at = None
    innovation.updated_at = event.at
    db.session.flush()
    return event


def reject(innovation: Innovation, *, actor: User, note: str) -> ReviewEvent:
    """A curator declines the pending update; the published version stays as it is."""
    if not actor.is_curator:
        raise Forbidden("only curators decide on updates")
    lock_rows(Innovation, [innovation.id])
    if not innovation.pending_changes:
        raise Conflict("no pending update", status=innovation.status)
    note = _note(note)
    if not note:
        raise ValidationError({"note": "a note for the submitter is required"})
    fields = sorted(innovation.pending_changes)
    innovation.pending_changes = None
    innovation.pending_at = None
    event = _event(innovation, actor, "rejected", fields, note)
    db.session.flush()
    return event


def _note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": f"at most {MAX_NOTE} characters"})
    return note


def pending() -> list[Innovation]:
    """Published innovations with an update waiting, oldest first."""
    return list(
        db.session.scalars(
            select(Innovation)
            .where(Innovation.pending_at.is_not(None))
            .order_by(Innovation.pending_at, Innovation.id)
        )
    )


def preview(innovation: Innovation) -> dict[str, Any]:
    """The record as it would be after the pending update (for the owner's form)."""
    record = catalogue.to_record(innovation, include_private=True)
    record.update(innovation.pending_changes or {})
    return record


def public_history(innovation: Innovation) -> list[tuple[str, dt.datetime]]:
    """What the public page shows: when it was published and when updates were published."""
    out: list[tuple[str, dt.datetime]] = []
    for event in innovation.events:
        kind = (event.details or {}).get("revision")
        if event.to_status == "published" and event.from_status != "published":
            out.append(("published", event.at))
        elif kind == "published":
            out.append(("updated", event.at))
    if not any(k == "published" for k, _ in out) and innovation.published_at:
        out.insert(0, ("published", innovation.published_at))  # imported as published
    return out
