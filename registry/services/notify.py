"""Messages to submitters about decisions; called by the edge after the commit."""

from __future__ import annotations

import logging

from flask import url_for
from flask_babel import gettext

from ..models import Innovation, ReviewEvent
from . import mail

log = logging.getLogger(__name__)


def _send(to: str, subject: str, body: str) -> str | None:
    """Mail the owner; an address no header can hold (stored before today's check) is logged
    and skipped: the decision it reports is committed already and must not answer 500."""
    try:
        return mail.send(to, subject, body)
    except mail.BadAddress as exc:
        log.warning("decision mail not sent: %s", exc)
        return None


def decision(innovation: Innovation, event: ReviewEvent) -> str | None:
    """Tell the owner about a revision request, a publication or a rejection."""
    owner = innovation.owner
    if owner is None or event.to_status not in ("revision_requested", "published", "rejected"):
        return None
    link = url_for("submit.view", innovation_id=innovation.id, _external=True)
    subjects = {
        "revision_requested": gettext("Revisi diminta: %(title)s", title=innovation.title),
        "published": gettext("Terbit: %(title)s", title=innovation.title),
        "rejected": gettext("Tidak diterima: %(title)s", title=innovation.title),
    }
    lines = [
        gettext(
            "Status inovasi Anda “%(title)s” sekarang: %(status)s.",
            title=innovation.title,
            status=event.to_status,
        ),
    ]
    if event.note:
        lines += ["", gettext("Catatan kurator:"), event.note]
    if event.to_status == "revision_requested":
        lines += ["", gettext("Perbaiki lalu kirim ulang di sini:")]
    lines += ["", link]
    return _send(owner.email, subjects[event.to_status], "\n".join(lines))


def revision(innovation: Innovation, event: ReviewEvent) -> str | None:
    """Tell the owner that their update of a published innovation was published or declined."""
    owner = innovation.owner
    kind = (event.details or {}).get("revision")
    if owner is None or kind not in ("published", "rejected"):
        return None
    link = url_for("submit.view", innovation_id=innovation.id, _external=True)
    if kind == "published":
        subject = gettext("Pembaruan terbit: %(title)s", title=innovation.title)
        lines = [
            gettext("Pembaruan inovasi Anda “%(title)s” sudah terbit.", title=innovation.title)
        ]
    else:
        subject = gettext("Pembaruan tidak diterima: %(title)s", title=innovation.title)
        lines = [
            gettext(
                "Pembaruan inovasi Anda “%(title)s” tidak diterima; versi yang terbit tetap "
                "tampil.",
                title=innovation.title,
            )
        ]
    if event.note:
        lines += ["", gettext("Catatan kurator:"), event.note]
    lines += ["", link]
    return _send(owner.email, subject, "\n".join(lines))
