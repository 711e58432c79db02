"""The relay contact form: the public writes to an innovator without ever seeing their address.

The message goes by mail (SMTP, or the outbox) to the innovation's contact_email, with the
sender's address as Reply-To so that the innovator chooses whether to answer.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext

from ..models import Innovation
from . import mail
from .errors import NotFound
from .validation import ValidationError, is_email

MAX_NAME = 120
MAX_MESSAGE = 5000


class NoContact(NotFound):
    """The innovation has no contact address (e.g. its owner deleted their account)."""


def can_contact(innovation: Innovation) -> bool:
    address = (innovation.contact_email or "").strip()
    # an address stored before the stricter check may not stand in a header: no form then
    return innovation.status == "published" and bool(address) and is_email(address)


def relay(innovation: Innovation, *, name: str, email: str, message: str) -> str:
    """Mail a visitor's message to the innovator; returns where the mail went."""
    if not can_contact(innovation):
        raise NoContact("this innovation cannot be contacted")
    name = " ".join((name or "").split())[:MAX_NAME]
    email = (email or "").strip()
    message = (message or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "name is required"
    if not is_email(email):
        errors["email"] = "not an email address"
    if not message:
        errors["message"] = "message is required"
    elif len(message) > MAX_MESSAGE:
        errors["message"] = f"at most {MAX_MESSAGE} characters"
    if errors:
        raise ValidationError(errors)
    link = url_for("public.innovation", slug=innovation.slug, _external=True)
    body = "\n".join(
        [
            gettext(
                "%(name)s <%(email)s> menulis kepada Anda lewat halaman inovasi “%(title)s” di "
                "Lumbung Inovasi:",
                name=name,
                email=email,
                title=innovation.title,
            ),
            "",
            message,
            "",
            "-- ",
            gettext(
                "Balas email ini untuk menjawab langsung. Alamat email Anda tidak ditampilkan "
                "kepada pengirim sampai Anda membalas."
            ),
            link,
        ]
    )
    return mail.send(
        innovation.contact_email,
        gettext("Pesan tentang inovasi Anda: %(title)s", title=innovation.title),
        body,
        reply_to=email,
    )
