"""Decisions on candidates: approve (a draft innovation), reject with a reason, merge into
another candidate or an innovation, and reopen. Each is a CandidateDecision with who, when and
why, and the training label it gives the classifier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import update

from ...database import lock_rows
from ...extensions import db
from ...models import Candidate, CandidateDecision, Innovation, Post, User, utcnow
from .. import attachments, catalogue, errors, harvesting
from ..validation import ValidationError
from .drafts import draft_data

DECISIONS = ("approve", "reject", "merge")
REJECT_REASONS = ("not-innovation", "off-topic", "spam", "duplicate")
# the training label a rejection gives: a duplicate says nothing about the text
REJECT_LABELS: dict[str, bool | None] = {
    "not-innovation": False,
    "off-topic": False,
    "spam": False,
    "duplicate": None,
}
MAX_NOTE = 5000
MAX_ITEMS = 500
# the statuses a curator may merge a candidate into: reviewed or on its way to review
MERGEABLE_INNOVATION_STATUSES = ("submitted", "in_review", "published", "revision_requested")


class Forbidden(errors.Forbidden):
    """Only curators and admins work the inbox."""


class ItemError(errors.DomainError):
    """One item of a bulk decision refused; ``status`` is the HTTP status of its result."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _item_id(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        raise ItemError(400, f"{what} must be an integer id")
    if not 0 < value < 2**31:
        raise ItemError(404, f"no {what.split()[0]} {value}")
    return value


def _check_item(item: Any) -> dict[str, Any]:
    """The cleaned item, or ItemError(400) saying what is wrong with it."""
    if not isinstance(item, Mapping):
        raise ItemError(400, 'each item must be an object {"id", "decision", ...}')
    candidate_id = _item_id(item.get("id"), "candidate id")
    decision = item.get("decision")
    if decision not in DECISIONS:
        raise ItemError(400, f"decision must be one of: {', '.join(DECISIONS)}")
    note = item.get("note") or ""
    if not isinstance(note, str):
        raise ItemError(400, "note must be text")
    if len(note) > MAX_NOTE:
        raise ItemError(400, f"note: at most {MAX_NOTE} characters")
    if "\x00" in note:
        raise ItemError(400, "note must not contain NUL characters")
    reason = item.get("reason") or ""
    if not isinstance(reason, str):
        raise ItemError(400, "reason must be text")
    cleaned: dict[str, Any] = {
        "id": candidate_id,
        "decision": decision,
        "note": note.strip(),
        "reason": reason.strip(),
    }
    if decision == "reject" and cleaned["reason"] not in REJECT_REASONS:
        raise ItemError(400, f"a rejection needs a reason: one of {', '.join(REJECT_REASONS)}")
    if decision == "merge":
        into = item.get("into")
        if (
            not isinstance(into, Mapping)
            or len(into) != 1
            or not set(into)
            <= {
                "candidate",
                "innovation",
            }
        ):
            raise ItemError(400, 'merge needs "into": {"candidate": id} or {"innovation": id}')
        kind = next(iter(into))
        cleaned["into"] = (kind, _item_id(into[kind], f"{kind} id"))
        if kind == "candidate" and cleaned["into"][1] == candidate_id:
            raise ItemError(400, "a candidate cannot be merged into itself")
        if cleaned["reason"] not in REJECT_REASONS:
            cleaned["reason"] = ""
    elif decision == "approve":
        cleaned["reason"] = ""
    return cleaned


def _actor_name(actor: User | str) -> str:
    return actor.email if isinstance(actor, User) else str(actor)


def _record(
    candidate: Candidate,
    actor: User | str,
    decision: str,
    *,
    label: bool | None,
    reason: str = "",
    note: str = "",
    into_candidate: int | None = None,
    into_innovation: int | None = None,
) -> CandidateDecision:
    now = utcnow()
    row = CandidateDecision(
        candidate_id=candidate.id,
        actor_id=actor.id if isinstance(actor, User) else None,
        actor=_actor_name(actor),
        at=now,
        decision=decision,
        reason=reason,
        note=note,
        into_candidate_id=into_candidate,
        into_innovation_id=into_innovation,
        label=label,
        text=candidate.text or "",
    )
    db.session.add(row)
    candidate.decided_by_id = actor.id if isinstance(actor, User) else None
    candidate.decided_at = now
    candidate.updated_at = now
    return row


def approve(candidate: Candidate, actor: User | str, note: str = "") -> Innovation:
    """A draft innovation prefilled from the candidate, owned by the curator, linked to it."""
    actor_user = actor if isinstance(actor, User) else None
    innovation = catalogue.create(draft_data(candidate), actor=actor, origin="harvest")
    if actor_user is not None:
        # the curator owns the draft; the contact stays empty until the innovator's is known
        innovation.owner = actor_user
    candidate.status = "approved"
    candidate.innovation_id = innovation.id
    candidate.reason = ""
    _record(candidate, actor, "approve", label=True, note=note)
    db.session.flush()
    return innovation


def reject(candidate: Candidate, reason: str, actor: User | str, note: str = "") -> None:
    if reason not in REJECT_REASONS:
        raise errors.Invalid(f"unknown reason {reason!r}", param="reason")
    candidate.status = "rejected"
    candidate.reason = reason
    _record(candidate, actor, "reject", label=REJECT_LABELS[reason], reason=reason, note=note)
    db.session.flush()


def merge_into_candidate(
    candidate: Candidate, target: Candidate, actor: User | str, reason: str = "", note: str = ""
) -> None:
    """Move the candidate's posts to ``target`` (which recounts) and mark it merged."""
    if target.status in ("rejected", "merged"):
        raise ItemError(409, f"candidate {target.id} is {target.status}; merge into another")
    _record(
        candidate, actor, "merge", label=None, reason=reason, note=note, into_candidate=target.id
    )
    db.session.execute(
        update(Post).where(Post.candidate_id == candidate.id).values(candidate_id=target.id)
    )
    db.session.expire(candidate, ["posts"])
    db.session.expire(target, ["posts"])
    candidate.status = "merged"
    candidate.merged_into_id = target.id
    candidate.reason = reason
    candidate.post_count = 0  # its text and platforms stay, as the record of what it was
    candidate.platform_mask = 0  # but its posts are gone: the platform filter passes it by
    if target.matches_innovation_id is None:
        target.matches_innovation_id = candidate.matches_innovation_id
    db.session.flush()
    harvesting.refresh_candidate(target)
    db.session.flush()


def merge_into_innovation(
    candidate: Candidate, innovation: Innovation, actor: User | str, note: str = ""
) -> None:
    """The candidate tells of an innovation already in the catalogue: a positive label."""
    candidate.status = "merged"
    candidate.innovation_id = innovation.id
    candidate.reason = ""
    _record(candidate, actor, "merge", label=True, note=note, into_innovation=innovation.id)
    db.session.flush()


def _decide_one(item: dict[str, Any], actor: User | str) -> dict[str, Any]:
    candidate = db.session.get(Candidate, item["id"], with_for_update=True)
    if candidate is None:
        raise ItemError(404, f"no candidate {item['id']}")
    if candidate.status != "new":
        raise ItemError(409, f"candidate {candidate.id} is already {candidate.status}")
    decision = item["decision"]
    result: dict[str, Any] = {"id": candidate.id, "status": 200, "detail": ""}
    if decision == "approve":
        innovation = approve(candidate, actor, item["note"])
        result.update(
            detail="approved: a draft innovation was created", innovation_id=innovation.id
        )
    elif decision == "reject":
        reject(candidate, item["reason"], actor, item["note"])
        result["detail"] = f"rejected ({item['reason']})"
    else:
        kind, target_id = item["into"]
        if kind == "candidate":
            target = db.session.get(Candidate, target_id)
            if target is None:
                raise ItemError(404, f"no candidate {target_id} to merge into")
            merge_into_candidate(candidate, target, actor, item["reason"], item["note"])
            result["detail"] = f"merged into candidate {target.id}"
        else:
            existing = db.session.get(Innovation, target_id)
            if existing is None:
                raise ItemError(404, f"no innovation {target_id} to merge into")
            if existing.status not in MERGEABLE_INNOVATION_STATUSES:
                # a draft is private to its owner; a rejected or withdrawn one is no label
                raise ItemError(
                    409, f"innovation {existing.id} is {existing.status}; merge into another"
                )
            merge_into_innovation(candidate, existing, actor, item["note"])
            result.update(detail=f"merged into innovation {existing.id}", innovation_id=existing.id)
    return result


def _candidates_changed(items: Sequence[Any]) -> list[int]:
    ids: list[int] = []
    for raw in items:
        try:
            item = _check_item(raw)
        except (ItemError, ValidationError):
            continue  # refused before it touches anything
        ids.append(item["id"])
        if item["decision"] == "merge" and item["into"][0] == "candidate":
            ids.append(item["into"][1])
    return ids


def _shown_id(raw_id: Any) -> int | None:
    return raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None


def decide(items: Sequence[Any], actor: User | str) -> list[dict[str, Any]]:
    """Apply a list of decisions, each in its own SAVEPOINT: one result per item,
    ``{"id", "status": 200|400|404|409, "detail"}`` plus ``innovation_id`` when approved or
    merged into an innovation. An already decided candidate gets 409; the others still apply."""
    if isinstance(actor, User) and not actor.is_curator:
        raise Forbidden("only curators decide on candidates")
    if len(items) > MAX_ITEMS:
        raise errors.Invalid(f"at most {MAX_ITEMS} decisions at once")
    # every candidate the items change, locked at once in id order: two bulk decisions in
    # opposite orders, or two reciprocal merges, queue instead of deadlocking
    lock_rows(Candidate, _candidates_changed(items))
    results: list[dict[str, Any]] = []
    for raw in items:
        raw_id = raw.get("id") if isinstance(raw, Mapping) else None
        try:
            item = _check_item(raw)
            with db.session.begin_nested():
                results.append(_decide_one(item, actor))
        except ItemError as exc:
            results.append({"id": _shown_id(raw_id), "status": exc.status, "detail": exc.detail})
        except ValidationError as exc:
            results.append({"id": _shown_id(raw_id), "status": 400, "detail": str(exc)})
    return results


# --------------------------------------------------------------------------- reopening


def _drop_draft(innovation: Innovation) -> None:
    """Delete the untouched draft an approval made (and its uploaded files)."""
    files = list(innovation.attachments)
    db.session.delete(innovation)
    db.session.flush()
    for attachment in files:
        attachments.path_of(attachment).unlink(missing_ok=True)


def _reopen_one(candidate_id: int, actor: User | str, note: str) -> dict[str, Any]:
    candidate = db.session.get(Candidate, candidate_id, with_for_update=True)
    if candidate is None:
        raise ItemError(404, f"no candidate {candidate_id}")
    if candidate.status == "new":
        raise ItemError(409, f"candidate {candidate.id} is not decided")
    if candidate.merged_into_id is not None:
        raise ItemError(
            409,
            f"candidate {candidate.id} was merged into candidate {candidate.merged_into_id}, "
            "which holds its posts now",
        )
    if candidate.status == "approved" and candidate.innovation_id is not None:
        draft = db.session.get(Innovation, candidate.innovation_id)
        if draft is not None and draft.status != "draft":
            raise ItemError(409, f"its innovation {draft.id} is already {draft.status}")
        if draft is not None:
            _drop_draft(draft)
    # a reopening gives no label: the earlier decision's label is withdrawn (training_rows
    # reads the latest decision of each candidate)
    _record(candidate, actor, "reopen", label=None, note=note)
    candidate.status = "new"
    candidate.reason = ""
    candidate.innovation_id = None
    candidate.decided_by_id = None
    candidate.decided_at = None
    db.session.flush()
    return {"id": candidate.id, "status": 200, "detail": "reopened"}


def reopen(ids: Sequence[Any], actor: User | str, note: str = "") -> list[dict[str, Any]]:
    """Put decided candidates back in the inbox (an undo, or a second look), each in its own
    SAVEPOINT. An approval's draft is deleted when it is still an untouched draft (otherwise
    409); a candidate merged into another cannot be reopened (its posts moved there)."""
    if isinstance(actor, User) and not actor.is_curator:
        raise Forbidden("only curators decide on candidates")
    if len(ids) > MAX_ITEMS:
        raise errors.Invalid(f"at most {MAX_ITEMS} candidates at once")
    results: list[dict[str, Any]] = []
    for raw_id in ids:
        try:
            candidate_id = _item_id(raw_id, "candidate id")
            with db.session.begin_nested():
                results.append(_reopen_one(candidate_id, actor, note))
        except ItemError as exc:
            results.append({"id": _shown_id(raw_id), "status": exc.status, "detail": exc.detail})
    return results
