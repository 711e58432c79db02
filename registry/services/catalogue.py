"""The catalogue: create, edit, move through the review workflow, and serialize innovations."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, Innovation, ReviewEvent, SlugRedirect, User, utcnow
from . import provenance
from .errors import Conflict
from .validation import FIELDS, ValidationError, clean

# from status -> statuses it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("submitted",),
    "submitted": ("in_review", "published", "rejected", "revision_requested"),
    "in_review": ("published", "rejected", "revision_requested"),
    "revision_requested": ("submitted",),
    "published": ("withdrawn",),
    "withdrawn": ("published",),
    "rejected": (),
}
ORIGINS = ("form", "harvest", "import", "api")
# who acts: a user (their email is kept with the id) or a name for the CLI, imports and jobs
Actor = str | User


class WorkflowError(Conflict):
    """A transition that the workflow does not allow from the innovation's current status."""


class CampaignClosed(ValidationError, Conflict):
    """A submission to a campaign outside its dates: invalid data that no edit of the other
    fields can fix, so also a conflict (with the campaign's calendar)."""


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "inovasi"


def unique_slug(title: str, *, exclude_id: int | None = None) -> str:
    base = slugify(title)
    candidate, n = base, 1
    while True:
        owner = db.session.scalar(select(Innovation.id).where(Innovation.slug == candidate))
        redirect = db.session.get(SlugRedirect, candidate)
        if (owner is None or owner == exclude_id) and (
            redirect is None or redirect.innovation_id == exclude_id
        ):
            return candidate
        n += 1
        candidate = f"{base[: 80 - len(str(n)) - 1]}-{n}"


def find_campaign(name_or_slug: str) -> Campaign | None:
    return db.session.scalar(
        select(Campaign).where(
            (Campaign.name == name_or_slug) | (Campaign.slug == slugify(name_or_slug))
        )
    )


def _apply(innovation: Innovation, values: Mapping[str, Any], *, allow_closed: bool) -> None:
    for field, value in values.items():
        if field == "province":
            innovation.province_code = value
        elif field == "regency":
            innovation.regency_code = value
        elif field == "campaign":
            if value is None:
                innovation.campaign = None
                continue
            campaign = find_campaign(value)
            if campaign is None:
                raise ValidationError({"campaign": f"unknown campaign {value!r}"})
            if not allow_closed and not campaign.is_open(dt.date.today()):
                raise CampaignClosed(
                    {"campaign": f"the campaign {campaign.name!r} is closed to new submissions"}
                )
            innovation.campaign = campaign
        else:
            setattr(innovation, field, value)


def record_event(
    innovation: Innovation, actor: Actor, from_status: str | None, to_status: str, note: str = ""
) -> ReviewEvent:
    event = ReviewEvent(
        actor=actor.email if isinstance(actor, User) else actor,
        actor_id=actor.id if isinstance(actor, User) else None,
        from_status=from_status,
        to_status=to_status,
        note=note,
        at=utcnow(),
    )
    innovation.events.append(event)
    return event


def create(
    data: Mapping[str, Any],
    *,
    actor: Actor,
    origin: str = "form",
    status: str = "draft",
    allow_closed_campaign: bool = False,
    external_id: str | None = None,
    published_at: dt.datetime | None = None,
) -> Innovation:
    """Create an innovation in draft, submitted or published status."""
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}")
    if status not in ("draft", "submitted", "published"):
        raise ValueError(f"cannot create an innovation in status {status!r}")
    values = clean(
        {k: v for k, v in data.items() if k in FIELDS}, require_complete=status != "draft"
    )
    innovation = Innovation(
        slug=unique_slug(values["title"]),
        origin=origin,
        status="draft",
        external_id=external_id,
        links=[],
    )
    _apply(innovation, values, allow_closed=allow_closed_campaign)
    db.session.add(innovation)
    record_event(innovation, actor, None, "draft", "created")
    if status != "draft":
        transition(innovation, "submitted", actor=actor)
    if status == "published":
        transition(innovation, "published", actor=actor, at=published_at)
    db.session.flush()
    return innovation


def update(
    innovation: Innovation,
    data: Mapping[str, Any],
    *,
    actor: Actor,
    allow_closed_campaign: bool = True,
) -> bool:
    """Change an innovation's fields; returns whether anything changed."""
    before = to_record(innovation, include_private=True)
    changes = {k: v for k, v in data.items() if k in FIELDS}
    if innovation.status != "draft":
        # completeness is a property of the result, so check the merged record
        merged = {k: before.get(k) for k in FIELDS} | changes
        values = {k: v for k, v in clean(merged, require_complete=True).items() if k in changes}
    else:
        values = clean(changes, require_complete=False)
    if "title" in values and values["title"] != innovation.title:
        new_slug = unique_slug(values["title"], exclude_id=innovation.id)
        if new_slug != innovation.slug:
            if innovation.status in ("published", "withdrawn"):
                db.session.add(SlugRedirect(old_slug=innovation.slug, innovation_id=innovation.id))
            innovation.slug = new_slug
    _apply(innovation, values, allow_closed=allow_closed_campaign)
    db.session.flush()
    after = to_record(innovation, include_private=True)
    changed = sorted(k for k in after if after[k] != before.get(k) and k != "updated_at")
    if changed:
        innovation.updated_at = utcnow()
        event = record_event(innovation, actor, innovation.status, innovation.status, "edited")
        event.details = {"fields": changed}
        db.session.flush()
    return bool(changed)


def transition(
    innovation: Innovation,
    to_status: str,
    *,
    actor: Actor,
    note: str = "",
    at: dt.datetime | None = None,
) -> ReviewEvent:
    from_status = innovation.status
    if to_status not in TRANSITIONS.get(from_status, ()):
        raise WorkflowError(f"cannot move from {from_status} to {to_status}")
    if to_status == "submitted":
        clean(to_record(innovation, include_private=True), require_complete=True)
    if to_status == "published":
        provenance.check_publishable(innovation)
    now = utcnow()
    innovation.status = to_status
    innovation.updated_at = now
    if to_status == "submitted":
        innovation.submitted_at = now
    if to_status == "published":
        innovation.published_at = at or innovation.published_at or now
    event = record_event(innovation, actor, from_status, to_status, note)
    db.session.flush()
    if to_status == "published" and innovation.replicates_id:
        from . import replication  # the claim its submission named ("this replicates ...")

        replication.claim_for_published(innovation)
    return event


def get_by_slug(slug: str) -> tuple[Innovation | None, bool]:
    """The innovation for a slug, and whether the slug is an old one (redirect)."""
    innovation = db.session.scalar(select(Innovation).where(Innovation.slug == slug))
    if innovation is not None:
        return innovation, False
    redirect = db.session.get(SlugRedirect, slug)
    if redirect is not None:
        return db.session.get(Innovation, redirect.innovation_id), True
    return None, False


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


def to_record(innovation: Innovation, *, include_private: bool = False) -> dict[str, Any]:
    """The export/import shape: DESIGN.md's field names, codes as strings."""
    record: dict[str, Any] = {
        "id": innovation.id,
        "slug": innovation.slug,
        "title": innovation.title,
        "summary": innovation.summary or "",
        "background": innovation.background or "",
        "innovation": innovation.innovation or "",
        "implementation": innovation.implementation or "",
        "results": innovation.results or "",
        "adaptability": innovation.adaptability or "",
        "resources": innovation.resources or "",
        "sustainability": innovation.sustainability or "",
        "sectors": innovation.sectors,
        "focus": innovation.focus,
        "stage": innovation.stage,
        "started_on": _iso(innovation.started_on),
        "innovator_name": innovation.innovator_name or "",
        "innovator_type": innovation.innovator_type,
        "unit": innovation.unit or "",
        "province": innovation.province_code,
        "regency": innovation.regency_code,
        "links": list(innovation.links or []),
        "campaign": innovation.campaign.name if innovation.campaign else None,
        "status": innovation.status,
        "origin": innovation.origin,
        "published_at": _iso(innovation.published_at),
        "updated_at": _iso(innovation.updated_at),
        "operating_status": innovation.operating_status or "tidak-diketahui",
        "verified_at": _iso(innovation.verified_at),
    }
    if include_private:
        record["contact_email"] = innovation.contact_email or ""
    if innovation.external_id:
        record["external_id"] = innovation.external_id
    return record


def region_ref(region: Any, locale: str = "id") -> dict[str, str] | None:
    if region is None:
        return None
    return {"code": region.code, "name": region.name if locale == "id" else region.name_en}


def search_record(innovation: Innovation) -> dict[str, Any]:
    """What the search index needs of a published innovation."""
    record = to_record(innovation)
    record["province_name"] = innovation.province.name if innovation.province else ""
    record["regency_name"] = innovation.regency.name if innovation.regency else ""
    return record
