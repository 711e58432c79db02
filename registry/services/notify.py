"""Messages to submitters about decisions; called by the edge after the commit."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext

from ..models import Innovation, ReviewEvent
from . import mail


def status_word(status: str) -> str:
    """A review status as the owner reads it (never its code)."""
    words = {
        "draft": gettext("draf"),
        "submitted": gettext("diajukan"),
        "in_review": gettext("sedang ditinjau"),
        "revision_requested": gettext("perlu revisi"),
        "published": gettext("terbit"),
        "rejected": gettext("tidak diterima"),
        "withdrawn": gettext("ditarik"),
    }
    return words.get(status, status)


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
            status=status_word(event.to_status),
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
    return mail.send(owner.email, subjects[event.to_status], "\n".join(lines))


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
    return mail.send(owner.email, subject, "\n".join(lines))
