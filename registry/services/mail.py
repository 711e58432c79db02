"""Outgoing mail: SMTP when REGISTRY_SMTP_URL is set, otherwise .eml files in <instance>/outbox.

SMTP_URL: smtp://user:password@host:587 (STARTTLS when the server offers it) or
smtps://user:password@host:465 (TLS from the start).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import secrets
import smtplib
from collections.abc import Mapping
from email.header import Header
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app

from ..database import done_once
from .errors import Invalid
from .validation import ADDRESS_PART

log = logging.getLogger(__name__)


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


class BadAddress(Invalid):
    """An address that cannot stand alone in a mail header."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _storable(text: str) -> str:
    """Text that encodes as UTF-8: a lone surrogate becomes "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


def header_text(text: str, limit: int = 200) -> str:
    """User text (a title, a name) made safe for a header: one line, no control characters,
    no lone surrogate, shortened with an ellipsis; the header's encoding does the rest."""
    one_line = " ".join(_CONTROL.sub(" ", _storable(text)).split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


# one address and nothing else: no space, control character, list separator, comment or
# display name (what could make a header hold two addresses, or another header)
_PLAIN_ADDRESS = re.compile(rf"^{ADDRESS_PART}@{ADDRESS_PART}\Z")


def _address(value: str) -> str:
    """One plain address, or BadAddress (never a header that parses as two, or fails)."""
    value = (value or "").strip()
    if not _PLAIN_ADDRESS.match(value):
        raise BadAddress(f"not a mail address: {value!r}")
    return value


def build(
    to: str,
    subject: str,
    body: str,
    reply_to: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """The message; the subject may hold user text (it is made one safe line here), the
    addresses must each be one plain address (BadAddress otherwise)."""
    message = EmailMessage()
    message["From"] = str(current_app.config.get("MAIL_FROM") or "noreply@localhost")
    message["To"] = _address(to)
    message["Subject"] = header_text(subject, 250)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="lumbung-inovasi")
    if reply_to:
        message["Reply-To"] = _address(reply_to)
    for name, value in (headers or {}).items():
        message[name] = value  # e.g. List-Unsubscribe and List-Unsubscribe-Post (RFC 8058)
    message.set_content(_storable(body))
    return message


def send(
    to: str,
    subject: str,
    body: str,
    *,
    reply_to: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """Send one plain-text message; returns where it went (the .eml path or 'smtp')."""
    message = build(to, subject, body, reply_to, headers)
    done_once()  # a request that sent mail is not run again on a lock conflict
    url = str(current_app.config.get("SMTP_URL") or "")
    if url:
        _send_smtp(url, message)
        return "smtp"
    return _to_outbox(bytes(message))


def send_if_deliverable(to: str, subject: str, body: str, **options: Any) -> str | None:
    """send() for a notice whose cause is committed already: an address no header can hold
    (stored before today's check) is logged and skipped instead of failing the request."""
    try:
        return send(to, subject, body, **options)
    except BadAddress as exc:
        log.warning("mail not sent: %s", exc)
        return None


def _to_outbox(data: bytes) -> str:
    folder = outbox_dir()
    if str(folder) not in _MADE:
        folder.mkdir(parents=True, exist_ok=True)
        _MADE.add(str(folder))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{secrets.token_hex(4)}.eml"
    try:
        path.write_bytes(data)
    except FileNotFoundError:  # the folder was removed since
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return str(path)


_MADE: set[str] = set()  # outbox folders known to exist (a digest run writes thousands)


@functools.lru_cache(maxsize=4096)
def _header(value: str) -> str:
    """A header value: as it is when ASCII, else RFC 2047 encoded words (UTF-8)."""
    value = " ".join(value.split())  # no line breaks from the caller
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=76).encode()


def send_bulk(to: str, subject: str, body: str, *, headers: Mapping[str, str]) -> str:
    """``send`` for many messages (digests): the same message, composed as bytes directly
    (the email package's composer costs ~3 ms a message; this ~0.1 ms). SMTP goes through
    ``send``."""
    if current_app.config.get("SMTP_URL"):
        return send(to, subject, body, headers=headers)
    lines = [
        f"From: {_header(str(current_app.config.get('MAIL_FROM') or 'noreply@localhost'))}",
        f"To: {_header(to)}",
        f"Subject: {_header(subject)}",
        f"Date: {formatdate(localtime=False)}",
        f"Message-ID: <{secrets.token_hex(12)}@lumbung-inovasi>",
        *(f"{name}: {_header(value)}" for name, value in headers.items()),
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: 8bit",
        "",
        *body.splitlines(),
    ]
    return _to_outbox(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def _send_smtp(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=30)
    else:
        client = smtplib.SMTP(host, parts.port or 25, timeout=30)
    with client:
        if parts.scheme != "smtps":
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls()
                client.ehlo()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
