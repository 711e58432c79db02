"""Messages to submitters about decisions; called by the edge after the commit."""

from __future__ import annotations

import logging

from flask import url_for
from flask_babel import gettext

from .. import taxonomy
from ..extensions import db
from ..models import Innovation, Replication, ReviewEvent
from . import mail, notices

log = logging.getLogger(__name__)


def _send(to: str, subject: str, body: str) -> str | None:
    # the decision it reports is committed already: an undeliverable address must not answer 500
    return mail.send_if_deliverable(to, subject, body)


def decision(innovation: Innovation, event: ReviewEvent) -> str | None:
    """Tell the owner about a revision request, a publication or a rejection (and, through
    receipts, that the review has started)."""
    if event.to_status == "in_review":
        from . import receipts

        return receipts.acknowledged(innovation, event)
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
            status=taxonomy.label(taxonomy.INNOVATION_STATUSES, event.to_status, _locale()).lower(),
        ),
    ]
    if event.note:
        lines += ["", gettext("Catatan kurator:"), event.note]
    if event.to_status == "revision_requested":
        lines += ["", gettext("Perbaiki lalu kirim ulang di sini:")]
    lines += ["", link]
    if event.to_status == "published":
        public = url_for("public.innovation", slug=innovation.slug, _external=True)
        lines += ["", gettext("Halaman publiknya:"), public]
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
            gettext("Pembaruan inovasi Anda “%(title)s” sudah terbit.", title=innovation.title),
            url_for("public.innovation", slug=innovation.slug, _external=True),
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


def replication_claimed(row: Replication) -> str | None:
    """Tell the original's owner that an institution says it replicated their innovation
    (once per claim: the notice log remembers it)."""
    original = row.original
    owner = original.owner
    if owner is None or not notices.claim("replication-claimed", str(row.id)):
        return None
    db.session.commit()
    locale_stage = taxonomy.label(taxonomy.REPLICATION_STAGES, row.stage, _locale())
    lines = [
        gettext(
            "%(adopter)s mencatat bahwa mereka mereplikasi inovasi Anda “%(title)s” "
            "(tahap: %(stage)s).",
            adopter=row.adopter_name,
            title=original.title,
            stage=locale_stage,
        ),
        "",
        gettext("Konfirmasi atau tolak klaim ini di halaman inovasi:"),
        url_for("public.innovation", slug=original.slug, _external=True) + "#replikasi",
    ]
    subject = gettext("Replikasi diklaim: %(title)s", title=original.title)
    return _send(owner.email, subject, "\n".join(lines))


def _locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else "id"
