"""Campaigns: an admin sets when a campaign opens and closes to new submissions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, User
from .validation import ValidationError


def list_campaigns() -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.name)))


def set_dates(
    campaign: Campaign, opens_on: dt.date | None, closes_on: dt.date | None, *, actor: User
) -> bool:
    """Change the open/close dates (either may be empty: open-ended); returns whether changed."""
    if actor.role != "admin":
        raise PermissionError("only admins manage campaigns")
    if opens_on and closes_on and closes_on < opens_on:
        raise ValidationError({"closes_on": "the closing date is before the opening date"})
    if (campaign.opens_on, campaign.closes_on) == (opens_on, closes_on):
        return False
    campaign.opens_on, campaign.closes_on = opens_on, closes_on
    db.session.flush()
    return True
