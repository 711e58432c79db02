"""Campaigns: an admin creates a campaign and sets when it opens and closes to new submissions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, User
from .catalogue import slugify
from .errors import Conflict, Forbidden
from .validation import ValidationError, column_length

MAX_NAME = column_length(Campaign, "name")


class CampaignExists(Conflict):
    """A campaign with this name (or one that makes the same slug) exists already."""


def list_campaigns() -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.name)))


def _check_dates(opens_on: dt.date | None, closes_on: dt.date | None) -> None:
    if opens_on and closes_on and closes_on < opens_on:
        raise ValidationError({"closes_on": "the closing date is before the opening date"})


def create_campaign(
    name: str,
    *,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    description: str = "",
    actor: User | None,
) -> Campaign:
    """A new campaign (either date may be empty: open-ended). ``actor`` is the admin, or None
    for the instance's operator at the command line."""
    if actor is not None and actor.role != "admin":
        raise Forbidden("only admins manage campaigns")
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "a campaign needs a name"})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"at most {MAX_NAME} characters"})
    _check_dates(opens_on, closes_on)
    slug = slugify(name)
    clash = db.session.scalar(
        select(Campaign).where((Campaign.name == name) | (Campaign.slug == slug))
    )
    if clash is not None:
        raise CampaignExists(f"a campaign named {clash.name!r} exists already", param="name")
    campaign = Campaign(
        name=name,
        slug=slug,
        opens_on=opens_on,
        closes_on=closes_on,
        description=description.strip(),
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def set_dates(
    campaign: Campaign, opens_on: dt.date | None, closes_on: dt.date | None, *, actor: User
) -> bool:
    """Change the open/close dates (either may be empty: open-ended); returns whether changed."""
    if actor.role != "admin":
        raise PermissionError("only admins manage campaigns")
    _check_dates(opens_on, closes_on)
    if (campaign.opens_on, campaign.closes_on) == (opens_on, closes_on):
        return False
    campaign.opens_on, campaign.closes_on = opens_on, closes_on
    db.session.flush()
    return True
