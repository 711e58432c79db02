"""Mail about reports, through the outbox (services/mail.py); called by the edge after the commit.

The reporter (when an email was given) hears of every step but an internal one (made more
private, returned by the institution); the institution hears when a report is disposed to it;
the curators hear at once when an institution returns a report as not theirs. A mail to an
institution never holds an anonymous reporter's identity, and no mail ever holds the secret
except the first one to the reporter, who chose to receive it.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import force_locale, gettext

from ..models import Report, ReportEvent
from . import mail, receipts, reports


def _tracking_link(report: Report, secret: str | None = None) -> str:
    if secret:
        return url_for("reports.track", code=report.tracking_code, secret=secret, _external=True)
    return url_for("reports.track", code=report.tracking_code, _external=True)


def _status_word(report: Report) -> str:
    return reports.label(reports.STATUSES, report.status)


def received(report: Report, secret: str) -> str | None:
    """The reporter's receipt: the tracking code and a link that carries the secret."""
    if not report.reporter_email:
        return None
    with force_locale("id"):
        lines = [
            gettext("Laporan Anda “%(title)s” sudah kami terima.", title=report.title),
            "",
            gettext("Kode pelacakan: %(code)s", code=report.tracking_code),
            gettext("Kata sandi laporan: %(secret)s", secret=secret),
            "",
            gettext(
                "Ikuti perkembangannya, jawab, buka kembali atau tutup laporan di tautan ini "
                "(jangan bagikan kepada orang lain):"
            ),
            _tracking_link(report, secret),
        ]
        subject = gettext("Laporan diterima: %(code)s", code=report.tracking_code)
    return mail.send_if_deliverable(report.reporter_email, subject, "\n".join(lines))


def step(report: Report, event: ReportEvent) -> list[str]:
    """Mail the reporter about this step, and the institution when it was disposed to it."""
    sent: list[str] = []
    with force_locale("id"):
        if event.action == "return":
            return _returned(report, event)
        if report.reporter_email and event.action != "restrict":
            lines = [
                gettext(
                    "Laporan Anda “%(title)s” (%(code)s): %(step)s.",
                    title=report.title,
                    code=report.tracking_code,
                    step=reports.label(reports.ACTIONS, event.action),
                ),
                gettext("Status sekarang: %(status)s.", status=_status_word(report)),
            ]
            if event.action == "respond" and event.note:
                lines += ["", gettext("Tanggapan instansi:"), event.note]
            if event.action == "reject":
                lines += [
                    "",
                    gettext(
                        "Alasan: %(reason)s",
                        reason=reports.label(reports.REJECT_REASONS, report.reject_reason),
                    ),
                ]
            if event.action == "respond":
                lines += [
                    "",
                    gettext(
                        "Anda dapat menutup dan menilai laporan ini, atau membukanya kembali "
                        "satu kali bila belum selesai."
                    ),
                ]
            lines += ["", _tracking_link(report)]
            subject = gettext("Perkembangan laporan %(code)s", code=report.tracking_code)
            path = mail.send_if_deliverable(report.reporter_email, subject, "\n".join(lines))
            if path:
                sent.append(path)
        addressed = event.action in ("dispose", "reopen") and report.addressee is not None
        if addressed and (where := _to_institution(report, event)):
            sent.append(where)
    return sent


def _to_institution(report: Report, event: ReportEvent) -> str | None:
    assert report.addressee is not None
    lines = [
        gettext(
            "Sebuah laporan masyarakat ditujukan kepada instansi Anda dan menunggu tindak lanjut."
        )
        if event.action == "dispose"
        else gettext("Pelapor membuka kembali laporan yang sudah Anda tanggapi."),
        "",
        gettext("Judul: %(title)s", title=report.title),
        gettext(
            "Kategori: %(category)s", category=reports.label(reports.CATEGORIES, report.category)
        ),
        gettext(
            "Wilayah: %(region)s",
            region=", ".join(r.name for r in (report.regency, report.province) if r is not None),
        ),
        gettext("Tanggapi paling lambat: %(due)s UTC", due=f"{report.due_at:%Y-%m-%d %H:%M}")
        if report.due_at
        else "",
        "",
        report.body,
        "",
    ]
    if not reports.shows_identity(report, "institution"):
        lines += [gettext("Pelapor meminta identitasnya dirahasiakan."), ""]
    elif report.reporter_name:
        lines += [gettext("Pelapor: %(name)s", name=report.reporter_name), ""]
    lines.append(
        url_for("reports_desk.institution_report", code=report.tracking_code, _external=True)
    )
    subject = gettext("Laporan untuk ditindaklanjuti: %(title)s", title=report.title)
    return mail.send_if_deliverable(report.addressee.email, subject, "\n".join(lines))


def _returned(report: Report, event: ReportEvent) -> list[str]:
    """Tell the curators an institution returned a report as not theirs, with its reason."""
    institution = event.actor
    who = (
        (institution.organization.name if institution.organization else "") or institution.email
        if institution is not None
        else ""
    )
    lines = [
        gettext(
            "%(who)s mengembalikan laporan “%(title)s” (%(code)s): bukan wewenangnya.",
            who=who,
            title=report.title,
            code=report.tracking_code,
        ),
        "",
        gettext("Alasan:"),
        event.note,
        "",
        gettext("Disposisikan ulang ke instansi yang tepat:"),
        url_for("reports_desk.curator_report", code=report.tracking_code, _external=True),
    ]
    subject = gettext("Laporan dikembalikan instansi: %(code)s", code=report.tracking_code)
    body = "\n".join(lines)
    return [
        path
        for curator in receipts.curators()
        if (path := mail.send_if_deliverable(curator.email, subject, body))
    ]
