"""Receiving a report from anyone: its fields checked (the DESIGN.md shape), its files stored,
its tracking code and secret made, its clock started."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from ... import taxonomy
from ...extensions import db
from ...models import Innovation, Report, utcnow
from ..sla import days
from ..validation import EMAIL
from .access import hash_secret, new_code
from .errors import Invalid
from .files import FileIn, attach
from .vocabulary import CATEGORIES, KINDS, MAX_BODY, MAX_NAME, MAX_PHONE, MAX_TITLE, SYSTEM
from .workflow import add_event


def _text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(name, f"{name} must be text")
    value = value.strip()
    if required and not value:
        raise Invalid(name, f"{name} is required")
    if len(value) > limit:
        raise Invalid(name, f"{name} is longer than {limit:,} characters")
    return value


def _flag(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "on", "yes", "false", "0", ""):
        return value.lower() in ("true", "1", "on", "yes")
    raise Invalid(name, f"{name} must be true or false")


def _choice(data: Mapping[str, Any], name: str, vocab: Mapping[str, Any]) -> str:
    value = data.get(name)
    if not isinstance(value, str) or value.strip().lower() not in vocab:
        raise Invalid(name, f"{name} must be one of: {', '.join(vocab)}")
    return value.strip().lower()


def _regions(data: Mapping[str, Any]) -> tuple[str, str | None]:
    province_value = data.get("province")
    if not isinstance(province_value, str) or not province_value.strip():
        raise Invalid("province", 'province is required (a code such as "32" or a name)')
    province = taxonomy.resolve_region(province_value, level=1)
    if province is None:
        raise Invalid("province", "unknown province")
    regency_value = data.get("regency")
    if regency_value is None or regency_value == "":
        return province.code, None
    if not isinstance(regency_value, str):
        raise Invalid("regency", 'regency must be a code such as "32.73" or a name')
    regency = taxonomy.resolve_region(regency_value, level=2, province=province.code)
    if regency is None:
        raise Invalid("regency", "unknown regency or city in this province")
    return province.code, regency.code


def _date(data: Mapping[str, Any], name: str, today: dt.date) -> dt.date | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Invalid(name, f"{name} must be a date YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(name, f"{name} must be a date YYYY-MM-DD") from None
    if day > today or day.year < 2000:
        raise Invalid(name, f"{name} must be a past date")
    return day


def _innovation(data: Mapping[str, Any]) -> Innovation | None:
    value = data.get("innovation")
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise Invalid("innovation", "innovation must be the id of a published innovation")
    row = db.session.get(Innovation, value)
    if row is None or row.status != "published":
        raise Invalid("innovation", "no published innovation with this id")
    return row


def _reporter(data: Mapping[str, Any]) -> tuple[str, str, str]:
    value = data.get("reporter")
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise Invalid("reporter", 'reporter must be an object {"name", "email", "phone"}')
    try:
        name = _text(value, "name", MAX_NAME)
        email = _text(value, "email", 254).lower()
        phone = _text(value, "phone", MAX_PHONE)
    except Invalid as exc:
        raise Invalid(f"reporter.{exc.param}", exc.detail) from None
    if email and not EMAIL.match(email):
        raise Invalid("reporter.email", "not an email address")
    if phone and not re.fullmatch(r"[0-9+()\-. ]{6,40}", phone):
        raise Invalid("reporter.phone", "not a phone number")
    return name, email, phone


def validate(data: Mapping[str, Any], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The report's fields from the DESIGN.md shape, or Invalid naming the first bad one."""
    if not isinstance(data, Mapping):
        raise Invalid("body", "send a JSON object with the report's fields")
    now = now or utcnow()
    kind = _choice(data, "kind", KINDS)
    category = _choice(data, "category", CATEGORIES)
    title = _text(data, "title", MAX_TITLE, required=True)
    body = _text(data, "body", MAX_BODY, required=True)
    province, regency = _regions(data)
    innovation = _innovation(data)
    occurred_on = _date(data, "occurred_on", (now + dt.timedelta(hours=7)).date())
    anonymous = _flag(data, "anonymous")
    confidential = _flag(data, "confidential")
    name, email, phone = _reporter(data)
    return {
        "kind": kind,
        "category": category,
        "title": title,
        "body": body,
        "province_code": province,
        "regency_code": regency,
        "innovation": innovation,
        "occurred_on": occurred_on,
        "anonymous": anonymous,
        "confidential": confidential,
        "reporter_name": name,
        "reporter_email": email,
        "reporter_phone": phone,
    }


def create(
    data: Mapping[str, Any],
    *,
    files: Sequence[FileIn] = (),
    source: str = "",
    now: dt.datetime | None = None,
) -> tuple[Report, str]:
    """Receive a report from anyone; returns it with its secret (shown once, stored hashed)."""
    now = now or utcnow()
    fields = validate(data, now=now)
    secret = secrets.token_urlsafe(18)
    code = new_code()
    while db.session.scalar(select(Report.id).where(Report.tracking_code == code)):
        code = new_code()  # pragma: no cover - 60 bits
    innovation = fields.pop("innovation")
    report = Report(
        tracking_code=code,
        secret_hash=hash_secret(secret),
        innovation_id=innovation.id if innovation is not None else None,
        status="received",
        reject_reason="",
        reopened=False,
        received_at=now,
        dispose_due=now + days("REPORT_DISPOSE_DAYS"),
        respond_due=now + days("REPORT_RESPOND_DAYS"),
        updated_at=now,
        source_hash=hashlib.sha256(source.encode()).hexdigest() if source else "",
        **fields,
    )
    report.due_at = report.dispose_due
    db.session.add(report)
    event = add_event(report, SYSTEM, "submit", None, "received", now=now, role="reporter")
    db.session.flush()
    attach(report, files, event)
    db.session.flush()
    return report, secret
