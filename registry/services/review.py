"""Submissions and their review: who may see and change what, and decisions. The SLA clock
lives in :mod:`.sla` (``sla_for``, ``queue`` and ``compliance`` are re-exported here: a
submission's clock is part of its review).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..database import lock_rows
from ..extensions import db
from ..models import Innovation, ReviewEvent, User
from . import catalogue, errors

# the clock is part of a submission's review: its public names are re-exported here
from .sla import OPEN as OPEN
from .sla import compliance as compliance
from .sla import queue as queue
from .sla import sla_for as sla_for
from .validation import ValidationError

EDITABLE = ("draft", "submitted", "revision_requested")
DECISIONS = {
    "acknowledge": "in_review",
    "publish": "published",
    "request_revision": "revision_requested",
    "reject": "rejected",
}
NOTE_REQUIRED = ("request_revision", "reject")
MAX_NOTE = 5000


class Forbidden(errors.Forbidden):
    """The actor may not do this (maps to 403, or 404 where existence must not leak)."""


class Conflict(errors.Conflict):
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
