"""Replication: an adopter's copy of an original innovation (DESIGN.md: Replication and lifecycle).

An institution claims one from the original's page or API, or by naming the original
(``replicates``) in its own submission, which makes the claim when that submission is published.
The original's owner or a curator confirms it (claimed -> confirmed) or rejects a false claim.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import taxonomy
from ..extensions import db
from ..models import Innovation, Region, Replication, User, utcnow
from . import errors
from .catalogue import _iso, region_ref
from .validation import ValidationError, clean

DECISIONS = {"confirm": "confirmed", "reject": "rejected"}
MAX_FACILITATOR = 200
MAX_NOTE = 2000
VISIBLE = ("claimed", "confirmed")


class ReplicationError(errors.DomainError):
    """A replication's domain error; each kind below is also the matching kind of
    services.errors, which the edges turn into a problem or an exit code."""

    def __init__(self, detail: str, param: str | None = None):
        super().__init__(detail, param=param)
        self.detail = detail


class NotFound(ReplicationError, errors.NotFound):
    pass


class Invalid(ReplicationError, errors.Invalid):
    pass


class Forbidden(ReplicationError, errors.Forbidden):
    pass


class Conflict(ReplicationError, errors.Conflict):
    pass


def adopter_key(user: User) -> str:
    """One claim per institution: its organization, or the account when it has none."""
    return f"org:{user.organization_id}" if user.organization_id else f"user:{user.id}"


def published_original(innovation_id: int | None) -> Innovation:
    row = db.session.get(Innovation, innovation_id) if innovation_id else None
    if row is None or row.status != "published":
        raise NotFound(f"no published innovation with id {innovation_id}", "innovation")
    return row


def _clean_claim(data: Mapping[str, Any]) -> dict[str, Any]:
    stage = data.get("stage") or "persiapan"
    if not isinstance(stage, str) or stage not in taxonomy.REPLICATION_STAGES:
        raise Invalid(
            f"unknown stage {stage!r}; expected one of: {', '.join(taxonomy.REPLICATION_STAGES)}",
            "stage",
        )
    facilitator = data.get("facilitator") or ""
    if not isinstance(facilitator, str) or len(facilitator.strip()) > MAX_FACILITATOR:
        raise Invalid(f"facilitator: text of at most {MAX_FACILITATOR} characters", "facilitator")
    try:
        values = clean(
            {"started_on": data.get("started_on"), "links": data.get("links") or []},
            require_complete=False,
        )
    except ValidationError as exc:
        field = next(iter(exc.errors), "started_on")
        raise Invalid(f"{field}: {exc.errors[field]}", field) from None
    return {
        "stage": stage,
        "facilitator": facilitator.strip(),
        "started_on": values.get("started_on"),
        "links": values.get("links") or [],
    }


def _adopter_fields(user: User, replica: Innovation | None) -> dict[str, Any]:
    org = user.organization
    if replica is not None:
        return {
            "adopter_name": replica.innovator_name or (org.name if org else user.email),
            "innovator_type": replica.innovator_type,
            "province_code": replica.province_code,
            "regency_code": replica.regency_code,
        }
    return {
        "adopter_name": org.name if org else (user.name or user.email),
        "innovator_type": org.innovator_type if org else None,
        "province_code": org.province_code if org else None,
        "regency_code": org.regency_code if org else None,
    }


def claim(
    original: Innovation,
    data: Mapping[str, Any],
    *,
    actor: User,
    replica: Innovation | None = None,
) -> Replication:
    """An institution says it replicated ``original``; the claim waits for confirmation."""
    if original.status != "published":
        raise NotFound(f"no published innovation with id {original.id}", "innovation")
    if actor.role != "institution":
        raise Forbidden("only an institution account may claim a replication")
    if original.owner_id == actor.id or (
        actor.organization_id and original.organization_id == actor.organization_id
    ):
        raise Invalid("an institution cannot replicate its own innovation", "innovation")
    values = _clean_claim(data)
    key = adopter_key(actor)
    existing = db.session.scalar(
        select(Replication.id).where(
            Replication.original_id == original.id, Replication.adopter_key == key
        )
    )
    if existing is not None:
        raise Conflict("your institution already claimed a replication of this innovation")
    row = Replication(
        original_id=original.id,
        replica_id=replica.id if replica is not None else None,
        adopter_user_id=actor.id,
        adopter_key=key,
        status="claimed",
        note="",
        **_adopter_fields(actor, replica),
        **values,
    )
    savepoint = db.session.begin_nested()
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent claim by the same institution won
        savepoint.rollback()
        raise Conflict(
            "your institution already claimed a replication of this innovation"
        ) from None
    savepoint.commit()
    return row


def record_adopted(
    original: Innovation, data: Mapping[str, Any], *, actor: str = "import"
) -> Replication | None:
    """An adopter named without an account (import, demo): added once per name; None when
    that adopter is already recorded for this original."""
    name = str(data.get("adopter_name") or "").strip()[:200]
    if not name:
        raise Invalid("adopter_name is required", "adopter_name")
    key = f"name:{taxonomy.normalize_name(name)}"[:240]
    exists = db.session.scalar(
        select(Replication.id).where(
            Replication.original_id == original.id,
            (Replication.adopter_key == key)
            | (func.lower(Replication.adopter_name) == name.lower()),
        )
    )
    if exists is not None:
        return None
    values = _clean_claim(data)
    innovator_type = data.get("innovator_type")
    if innovator_type is not None and innovator_type not in taxonomy.INNOVATOR_TYPES:
        raise Invalid(f"unknown innovator_type {innovator_type!r}", "innovator_type")
    status = data.get("status") or "claimed"
    if status not in taxonomy.REPLICATION_STATUSES:
        raise Invalid(f"unknown status {status!r}", "status")
    province = regency = None
    if data.get("province"):
        province = taxonomy.resolve_region(str(data["province"]), level=1)
    if data.get("regency"):
        regency = taxonomy.resolve_region(str(data["regency"]), level=2)
    replica = None
    if data.get("replica"):
        replica = db.session.scalar(select(Innovation).where(Innovation.slug == data["replica"]))
    row = Replication(
        original_id=original.id,
        replica_id=replica.id if replica is not None else None,
        adopter_key=key,
        adopter_name=name,
        innovator_type=innovator_type,
        province_code=province.code if province else None,
        regency_code=regency.code if regency else None,
        status=status,
        note="",
        decided_at=utcnow() if status != "claimed" else None,
        **values,
    )
    db.session.add(row)
    db.session.flush()
    return row


def resolve_original(value: Any) -> Innovation:
    """The published innovation a submission's ``replicates`` names: its id, slug, page
    address or exact title; ValidationError on ``replicates`` otherwise."""
    from .catalogue import get_by_slug

    text = str(value or "").strip()
    if "/innovations/" in text:
        text = text.split("/innovations/", 1)[1].split("?", 1)[0].split("#", 1)[0].strip("/")
    row: Innovation | None = None
    if text.isdigit() and len(text) < 10:
        row = db.session.get(Innovation, int(text))
    if row is None and text:
        row = get_by_slug(text[:120])[0]
    if row is None and text:
        row = db.session.scalar(
            select(Innovation)
            .where(
                func.lower(Innovation.title) == text.lower()[:200],
                Innovation.status == "published",
            )
            .limit(1)
        )
    if row is None or row.status != "published":
        raise ValidationError({"replicates": f"no published innovation {str(value)[:80]!r}"})
    return row


def set_replicates(innovation: Innovation, value: Any) -> None:
    """Remember which original a submission replicates (the claim is made on publication)."""
    if value in (None, ""):
        return
    original = resolve_original(value)
    if original.id == innovation.id:
        raise ValidationError({"replicates": "an innovation cannot replicate itself"})
    innovation.replicates_id = original.id


def claim_for_published(replica: Innovation) -> Replication | None:
    """When an innovation that names the original it replicates is published: the claim.

    Nothing when it names none, the original is not published, or the claim exists already."""
    if not replica.replicates_id or replica.owner is None:
        return None
    original = db.session.get(Innovation, replica.replicates_id)
    if original is None or original.status != "published" or original.id == replica.id:
        return None
    already = db.session.scalar(
        select(Replication.id).where(
            (Replication.replica_id == replica.id)
            | (
                (Replication.original_id == original.id)
                & (Replication.adopter_key == adopter_key(replica.owner))
            )
        )
    )
    if already is not None:
        return None
    data: dict[str, Any] = {
        "stage": "pelaksanaan",
        "started_on": replica.started_on,
        "links": [],
        "facilitator": "",
    }
    try:
        return claim(original, data, actor=replica.owner, replica=replica)
    except ReplicationError:
        return None


def can_decide(user: User | None, row: Replication) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_curator or row.original.owner_id == user.id)


def decide(row: Replication, decision: str, *, actor: User, note: str = "") -> Replication:
    """The original's owner or a curator confirms or rejects a claim."""
    if not can_decide(actor, row):
        raise Forbidden("only the original's owner or a curator may confirm a replication")
    if decision not in DECISIONS:
        raise Invalid(
            f"unknown decision {decision!r}; expected one of: {', '.join(DECISIONS)}", "decision"
        )
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise Invalid(f"note: text of at most {MAX_NOTE} characters", "note")
    if row.status != "claimed":
        raise Conflict(f"the replication is already {row.status}")
    row.status = DECISIONS[decision]
    row.note = note.strip()
    row.decided_at = utcnow()
    row.decided_by_id = actor.id
    db.session.flush()
    return row


def get(replication_id: int) -> Replication:
    row = db.session.get(Replication, replication_id)
    if row is None:
        raise NotFound(f"no replication {replication_id}", "replication")
    return row


def of_original(innovation: Innovation) -> list[Replication]:
    """Claimed and confirmed replications of an innovation, confirmed first, then newest."""
    return list(
        db.session.scalars(
            select(Replication)
            .where(Replication.original_id == innovation.id, Replication.status.in_(VISIBLE))
            .order_by(
                (Replication.status == "confirmed").desc(),
                Replication.created_at.desc(),
                Replication.id.desc(),
            )
        )
    )


def originals_of(innovation: Innovation) -> list[Replication]:
    """The replications whose adopter entry is ``innovation`` (it replicates their original)."""
    return [
        row
        for row in db.session.scalars(
            select(Replication)
            .where(Replication.replica_id == innovation.id, Replication.status.in_(VISIBLE))
            .order_by(Replication.id)
        )
        if row.original.status == "published"
    ]


def claimed_by(user: User, innovation: Innovation) -> Replication | None:
    return db.session.scalar(
        select(Replication).where(
            Replication.original_id == innovation.id,
            Replication.adopter_key == adopter_key(user),
        )
    )


def to_record(row: Replication, locale: str = "id") -> dict[str, Any]:
    replica = row.replica if row.replica is not None and row.replica.status == "published" else None
    return {
        "id": row.id,
        "original": row.original_id,
        "adopter": {
            "name": row.adopter_name,
            "innovator_type": row.innovator_type,
            "province": region_ref(row.province, locale),
            "regency": region_ref(row.regency, locale),
        },
        "replica": replica.id if replica is not None else None,
        "facilitator": row.facilitator,
        "stage": row.stage,
        "started_on": _iso(row.started_on),
        "links": list(row.links or []),
        "status": row.status,
        "created_at": _iso(row.created_at),
        "confirmed_at": _iso(row.decided_at) if row.status == "confirmed" else None,
    }


def export_records(innovation: Innovation) -> list[dict[str, Any]]:
    """The replications of an original in the export shape (codes, slugs): import reads it."""
    return [
        {
            "adopter_name": row.adopter_name,
            "innovator_type": row.innovator_type,
            "province": row.province_code,
            "regency": row.regency_code,
            "replica": row.replica.slug if row.replica is not None else None,
            "facilitator": row.facilitator,
            "stage": row.stage,
            "started_on": _iso(row.started_on),
            "links": list(row.links or []),
            "status": row.status,
        }
        for row in of_original(innovation)
    ]


def import_records(original: Innovation, items: Any) -> int:
    """Add the replications of an import row that are not there yet (additive); the count."""
    if items in (None, ""):
        return 0
    if isinstance(items, str):
        try:
            items = json.loads(items)
        except ValueError:
            raise ValidationError({"replications": "expected a JSON list"}) from None
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise ValidationError({"replications": "expected a list of replication objects"})
    added = 0
    for item in items:
        try:
            added += record_adopted(original, item) is not None
        except ReplicationError as exc:
            raise ValidationError({"replications": exc.detail}) from None
    return added


def replicated_ids(ids: Iterable[int], session: Session | None = None) -> set[int]:
    """Which of ``ids`` have at least one confirmed replication (the search's replicated=)."""
    wanted = list(ids)
    if not wanted:
        return set()
    run = session or db.session
    return set(
        run.scalars(
            select(Replication.original_id)
            .where(Replication.original_id.in_(wanted), Replication.status == "confirmed")
            .distinct()
        )
    )


def stats(limit: int = 10) -> dict[str, Any]:
    """The most replicated published innovations and confirmed replications by province."""
    confirmed = Replication.status == "confirmed"
    top = db.session.execute(
        select(Innovation.id, Innovation.slug, Innovation.title, func.count(Replication.id))
        .join(Replication, Replication.original_id == Innovation.id)
        .where(confirmed, Innovation.status == "published")
        .group_by(Innovation.id, Innovation.slug, Innovation.title)
        .order_by(func.count(Replication.id).desc(), Innovation.id)
        .limit(limit)
    ).all()
    by_province = db.session.execute(
        select(Region.code, func.count(Replication.id))
        .join(Replication, Replication.province_code == Region.code)
        .where(confirmed)
        .group_by(Region.code)
        .order_by(func.count(Replication.id).desc(), Region.code)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(Replication).where(confirmed)) or 0
    return {
        "total": int(total),
        "most_replicated": [
            {"id": i, "slug": slug, "title": title, "count": int(n)} for i, slug, title, n in top
        ],
        "by_province": [{"code": code, "count": int(n)} for code, n in by_province],
    }
