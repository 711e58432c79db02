"""`registry reports routes add|list`: the routing rules that suggest a report's addressee."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..database import require_initialized
from ..extensions import db
from ..services import reports
from .errors import Group


@click.group("reports", cls=Group)
def reports_group() -> None:
    """Citizen reports."""


@reports_group.group("routes")
def routes() -> None:
    """Routing rules: category (and region, words) -> institution account."""


@routes.command("add")
@click.option(
    "--category", required=True, type=click.Choice(list(reports.CATEGORIES)), help="Category."
)
@click.option("--province", "region", default=None, help="A province or regency code or name.")
@click.option("--words", default="", help="Any of these words (space-separated) must appear.")
@click.option("--to", "to_email", required=True, help="The institution account's email.")
@with_appcontext
def add(category: str, region: str | None, words: str, to_email: str) -> None:
    """Add a rule."""
    require_initialized()
    route = reports.add_route(category, to_email, region=region, words=words)
    db.session.commit()
    click.echo(f"route {route.id}: {route.category} {route.region_code or '*'} -> {to_email}")


@routes.command("list")
@with_appcontext
def list_routes() -> None:
    """List the rules, one per line: id, category, region, words, institution."""
    require_initialized()
    for route in reports.list_routes():
        click.echo(
            "\t".join(
                [
                    str(route.id),
                    route.category,
                    route.region_code or "*",
                    route.words or "-",
                    route.to.email,
                ]
            )
        )
