"""Telling people what happened to a submission (issue 15, item 9), called by the edge after
its commit: the institution gets a receipt when it submits (or resubmits) and a note when a
curator acknowledges it; curators are told when a submission arrives, with its deadline.
Decisions are mailed by :mod:`.notify`; deadline digests belong to the notifications work."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import format_datetime, gettext
from sqlalchemy import select

from ..extensions import db
from ..models import Innovation, ReviewEvent, User
from . import mail, review


def _when(value: dt.datetime | None) -> str:
    # stored as naive UTC; shown in Jakarta time (BABEL_DEFAULT_TIMEZONE)
    if value is None:
        return "–"
    return f"{format_datetime(value.replace(tzinfo=dt.UTC), 'd MMMM yyyy HH:mm')} WIB"


def curators() -> list[User]:
    """Who hears of new submissions: the active curators (the admins when there are none)."""
    rows = list(
        db.session.scalars(
            select(User).where(User.role == "curator", User.active.is_(True)).order_by(User.id)
        )
    )
    if rows:
        return rows
    return list(
        db.session.scalars(
            select(User).where(User.role == "admin", User.active.is_(True)).order_by(User.id)
        )
    )


def submitted(innovation: Innovation) -> list[str]:
    """The receipt to the submitter and the news to the curators; returns where mail went."""
    if innovation.status != "submitted":
        return []
    sla = review.sla_for(innovation)
    sent: list[str] = []
    owner = innovation.owner
    if owner is not None:
        lines = [
            gettext(
                "Terima kasih. Pengajuan “%(title)s” sudah kami terima pada %(at)s.",
                title=innovation.title,
                at=_when(innovation.submitted_at),
            ),
            gettext(
                "Kurator menanggapinya paling lambat %(ack)s dan memutuskannya paling lambat "
                "%(decision)s.",
                ack=_when(sla.ack_due),
                decision=_when(sla.decision_due),
            ),
            "",
            gettext("Status dan riwayatnya:"),
            url_for("submit.view", innovation_id=innovation.id, _external=True),
        ]
        subject = gettext("Pengajuan diterima: %(title)s", title=innovation.title)
        if path := mail.send_if_deliverable(owner.email, subject, "\n".join(lines)):
            sent.append(path)
    who = innovation.innovator_name or (owner.email if owner is not None else "")
    body = "\n".join(
        [
            gettext(
                "%(who)s mengajukan “%(title)s”. Tanggapi paling lambat %(ack)s.",
                who=who,
                title=innovation.title,
                ack=_when(sla.ack_due),
            ),
            "",
            url_for("curate.view", innovation_id=innovation.id, _external=True),
        ]
    )
    subject = gettext("Pengajuan baru: %(title)s", title=innovation.title)
    for curator in curators():
        if path := mail.send_if_deliverable(curator.email, subject, body):
            sent.append(path)
    return sent


def acknowledged(innovation: Innovation, event: ReviewEvent) -> str | None:
    """A curator has started the review: tell the owner, with the decision's deadline."""
    owner = innovation.owner
    if owner is None or event.to_status != "in_review":
        return None
    sla = review.sla_for(innovation)
    lines = [
        gettext(
            "Kurator sudah mulai meninjau “%(title)s”. Keputusan paling lambat %(decision)s.",
            title=innovation.title,
            decision=_when(sla.decision_due),
        ),
        "",
        url_for("submit.view", innovation_id=innovation.id, _external=True),
    ]
    subject = gettext("Sedang ditinjau: %(title)s", title=innovation.title)
    return mail.send_if_deliverable(owner.email, subject, "\n".join(lines))
