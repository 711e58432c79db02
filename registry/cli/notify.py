"""`registry notify send`: the mails due now (the demo's digest: services.demo)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ..extensions import db
from .errors import Group


@click.group(cls=Group)
def notify() -> None:
    """Digests and notices by email."""


@notify.command()
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), default=None)
@with_appcontext
def send(frequency: str | None) -> None:
    """Send what is due now (safe to run twice: nothing is mailed twice)."""
    from ..services import digests

    report = digests.send_due(frequency)
    db.session.commit()
    click.echo(json.dumps(report.as_dict()))
