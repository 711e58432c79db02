"""`registry notify send`: the mails due now; and the demo's replications, statuses and digest."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .extensions import db


@click.group()
def notify() -> None:
    """Digests and notices by email."""


@notify.command()
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), default=None)
@with_appcontext
def send(frequency: str | None) -> None:
    """Send what is due now (safe to run twice: nothing is mailed twice)."""
    from .services import digests

    report = digests.send_due(frequency)
    db.session.commit()
    click.echo(json.dumps(report.as_dict()))


def load_demo_lifecycle() -> list[str]:
    """Replications between demo innovations, varied operating statuses, and one confirmed
    saved search whose digest lands in the outbox (once: a rerun adds nothing)."""
    from .models import Innovation, Subscription, utcnow
    from .services import digests, replication, subscriptions

    rows = list(
        db.session.scalars(
            select(Innovation).where(Innovation.status == "published").order_by(Innovation.id)
        )
    )
    if len(rows) < 4:
        return []
    now = utcnow()
    statuses = ("berjalan", "berjalan", "berhenti", "tidak-diketahui")
    for n, row in enumerate(rows):
        if row.verified_at is None and row.operating_status == "tidak-diketahui":
            row.operating_status = statuses[n % len(statuses)]
            if row.operating_status != "tidak-diketahui":
                # some checked recently, some more than a year ago (the curators' list)
                row.verified_at = now - dt.timedelta(days=30 if n % 3 else 500)
    added = 0
    for n, original in enumerate(rows[:6]):
        for adopter in rows[-1 - n : -3 - n : -1]:
            if adopter.id == original.id:
                continue
            made = replication.record_adopted(
                original,
                {
                    "adopter_name": adopter.innovator_name or adopter.title,
                    "innovator_type": adopter.innovator_type,
                    "province": adopter.province_code,
                    "regency": adopter.regency_code,
                    "replica": adopter.slug,
                    "stage": ("persiapan", "pelaksanaan", "evaluasi")[n % 3],
                    "started_on": "2021-01-15",
                    "status": "confirmed" if n % 2 == 0 else "claimed",
                },
            )
            added += made is not None
    lines = [f"demo replications: {added} added"]
    email = "pengikut@demo.lumbung-inovasi.example"
    if db.session.scalar(select(Subscription.id).where(Subscription.email == email)) is None:
        sub = subscriptions.subscribe(email, {"sector": ["kesehatan"]}, "weekly")
        sub.confirmed_at = now - dt.timedelta(days=8)
        # its last digest was "before" the demo catalogue was published: all of it is new
        oldest = min((r.published_at for r in rows if r.published_at), default=now)
        sub.digest_through = min(oldest - dt.timedelta(seconds=1), now - dt.timedelta(days=8))
        db.session.commit()
        report = digests.send_due("weekly")
        lines.append(f"demo saved search: {email}, digest sent: {report.digests}")
    db.session.commit()
    return lines
