"""`registry campaigns ...`: the campaigns submissions may name (open and close dates)."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from ..database import require_initialized
from ..extensions import db
from ..models import Campaign, utcnow
from ..services import campaigns as campaign_service
from .errors import Group

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group("campaigns", cls=Group)
def campaigns() -> None:
    """Campaigns: a submission names an open campaign or none."""


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@campaigns.command("add")
@click.argument("name")
@click.option("--opens-on", "opens_on", type=DATE, default=None, help="First day (YYYY-MM-DD).")
@click.option("--closes-on", "closes_on", type=DATE, default=None, help="Last day (YYYY-MM-DD).")
@click.option("--description", default="", help="A line about the campaign.")
@with_appcontext
def add(
    name: str, opens_on: dt.datetime | None, closes_on: dt.datetime | None, description: str
) -> None:
    """Create a campaign; without dates it is open-ended."""
    require_initialized()
    campaign = campaign_service.create_campaign(
        name,
        opens_on=_day(opens_on),
        closes_on=_day(closes_on),
        description=description,
        actor=None,
    )
    db.session.commit()
    click.echo(f"added campaign {campaign.name} (slug {campaign.slug}, {_span(campaign)})")


def _span(campaign: Campaign) -> str:
    opens = campaign.opens_on.isoformat() if campaign.opens_on else "…"
    closes = campaign.closes_on.isoformat() if campaign.closes_on else "…"
    return f"{opens} to {closes}"


@campaigns.command("list")
@with_appcontext
def list_campaigns() -> None:
    """Every campaign: slug, name, dates, and whether it is open today."""
    today = utcnow().date()
    for campaign in campaign_service.list_campaigns():
        state = "open" if campaign.is_open(today) else "closed"
        click.echo(f"{campaign.slug}\t{campaign.name}\t{_span(campaign)}\t{state}")
