"""Reports: the public's complaint and feedback channel (DESIGN.md: Reports).

received → verified | rejected; verified → disposed (to one institution account) → responded →
closed (the reporter rates it, or REPORT_CLOSE_DAYS pass); within those days the reporter may
reopen it once (→ disposed); a curator may re-dispose a disposed report. Every step is a
ReportEvent. These functions own every transition; they take data and an explicit actor, flush,
and leave the commit to the edge.

Privacy, fail safe: the public never sees an identity or a contact; ``anonymous`` also hides the
identity from the institution; ``confidential`` keeps the report out of everything public. A
curator may make a report more private, never less. Only a SHA-256 of the secret is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from .. import taxonomy
from ..extensions import db
from ..models import Innovation, Report, ReportAttachment, ReportEvent, ReportRoute, User, utcnow
from . import attachments
from .validation import EMAIL, ValidationError

KINDS: dict[str, tuple[str, str]] = {
    "pengaduan": ("Pengaduan", "Complaint"),
    "aspirasi": ("Aspirasi", "Suggestion"),
    "permintaan-informasi": ("Permintaan Informasi", "Information request"),
}
CATEGORIES: dict[str, tuple[str, str]] = {
    **taxonomy.SECTORS,
    "lainnya": ("Lainnya", "Other"),
}
STATUSES: dict[str, tuple[str, str]] = {
    "received": ("Diterima", "Received"),
    "verified": ("Terverifikasi", "Verified"),
    "rejected": ("Ditolak", "Rejected"),
    "disposed": ("Didisposisikan", "Disposed"),
    "responded": ("Ditindaklanjuti", "Responded"),
    "closed": ("Selesai", "Closed"),
}
REJECT_REASONS: dict[str, tuple[str, str]] = {
    "spam": ("Spam", "Spam"),
    "incomplete": ("Tidak lengkap", "Incomplete"),
    "not-public-service": ("Bukan pelayanan publik", "Not a public service"),
}
ACTIONS: dict[str, tuple[str, str]] = {
    "submit": ("Laporan diterima", "Report received"),
    "verify": ("Diverifikasi", "Verified"),
    "reject": ("Ditolak", "Rejected"),
    "dispose": ("Didisposisikan ke instansi", "Disposed to an institution"),
    "respond": ("Ditanggapi instansi", "Answered by the institution"),
    "reopen": ("Dibuka kembali oleh pelapor", "Reopened by the reporter"),
    "close": ("Ditutup", "Closed"),
    "restrict": ("Privasi diperketat", "Made more private"),
}
ROLES: dict[str, tuple[str, str]] = {
    "reporter": ("pelapor", "reporter"),
    "curator": ("kurator", "curator"),
    "institution": ("instansi", "institution"),
    "system": ("sistem", "system"),
}
# the steps the HTTP contract names, and who may take each
STEPS = ("verify", "reject", "dispose", "respond", "reopen", "close", "restrict")
CURATOR_STEPS = ("verify", "reject", "dispose", "restrict")
OPEN = ("received", "verified", "disposed")
PUBLIC = ("verified", "disposed", "responded", "closed")
FOLLOWED_UP = ("responded", "closed")

MAX_TITLE = 200
MAX_BODY = 10_000
MAX_TEXT = 10_000
MAX_NAME = 200
MAX_PHONE = 40
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud, typed again
CODE_LENGTH = 12  # 60 bits: unguessable, and a code alone opens nothing without its secret
_CODE_RE = re.compile(r"^[A-Z2-9]{4}-?[A-Z2-9]{4}-?[A-Z2-9]{4}$")


# --------------------------------------------------------------------------- domain errors


class ReportError(Exception):
    """Base of the errors below; ``detail`` is a plain sentence without any identity."""

    def __init__(self, detail: str):
        self.detail = detail
        super().__init__(detail)


class NotFound(ReportError):
    """No such report, or not one this caller may see (never tells which)."""


class Forbidden(ReportError):
    """The caller may see the report but not take this step."""


class Conflict(ReportError):
    """The step does not fit the report's status (out of order)."""

    def __init__(self, detail: str, status: str):
        super().__init__(detail)
        self.status = status


class Invalid(ReportError):
    """Bad input; ``param`` names it. ``status`` is 400, or 413 for a file over the limit."""

    def __init__(self, param: str, detail: str, status: int = 400):
        super().__init__(detail)
        self.param = param
        self.status = status


@dataclass(frozen=True)
class Actor:
    """Who takes a step: the reporter (proved by the secret), a curator, an institution, the
    system (automatic closing)."""

    role: str
    user: User | None = None

    @classmethod
    def reporter(cls) -> Actor:
        return cls("reporter")

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls("curator" if user.is_curator else "institution", user)


SYSTEM = Actor("system")


def label(vocab: Mapping[str, tuple[str, str]], slug: str, locale: str = "id") -> str:
    return taxonomy.label(vocab, slug, locale)


def _days(key: str) -> dt.timedelta:
    return dt.timedelta(days=float(current_app.config[key]))


# --------------------------------------------------------------------------- codes and secrets


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(code: str) -> str | None:
    text = "".join(str(code or "").split()).upper()
    if not _CODE_RE.match(text):
        return None
    raw = text.replace("-", "")
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def find(code: str) -> Report | None:
    normalized = normalize_code(code)
    if normalized is None:
        return None
    return db.session.scalar(select(Report).where(Report.tracking_code == normalized))


def secret_matches(report: Report, secret: str | None) -> bool:
    if not secret or not isinstance(secret, str):
        return False
    return hmac.compare_digest(report.secret_hash, hash_secret(secret.strip()))


def viewer_role(report: Report, *, user: User | None, secret: str | None) -> str:
    """reporter | curator | institution, or NotFound (the same for a wrong secret, another
    institution and a code that does not exist)."""
    if user is not None and user.is_active and user.is_curator:
        return "curator"
    if user is not None and user.is_active and report.addressee_id == user.id:
        return "institution"
    if secret_matches(report, secret):
        return "reporter"
    raise NotFound("no report with this tracking code for you")


def open_report(code: str, *, user: User | None, secret: str | None) -> tuple[Report, str]:
    report = find(code)
    if report is None:
        # spend the same work as a real check, so timing tells nothing either
        hash_secret(secret or "")
        raise NotFound("no report with this tracking code for you")
    return report, viewer_role(report, user=user, secret=secret)


# --------------------------------------------------------------------------- receiving


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


@dataclass(frozen=True)
class FileIn:
    stream: IO[bytes]
    filename: str


def _attach(report: Report, files: Sequence[FileIn], event: ReportEvent | None) -> None:
    limit = int(current_app.config["REPORT_ATTACHMENTS"])
    if len(report.attachments) + len(files) > limit:
        raise Invalid("attachment", f"at most {limit} files for one report")
    for item in files:
        try:
            upload = attachments.check(item.stream, item.filename)
        except ValidationError as exc:
            message = exc.errors.get("attachment", str(exc))
            raise Invalid("attachment", message, 413 if "larger" in message else 400) from None
        report.attachments.append(
            ReportAttachment(
                stored_name=attachments.store(upload),
                original_name=upload.original_name,
                content_type=upload.content_type,
                size=len(upload.data),
                sha256=upload.sha256,
                event_id=event.id if event is not None else None,
            )
        )


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
        dispose_due=now + _days("REPORT_DISPOSE_DAYS"),
        respond_due=now + _days("REPORT_RESPOND_DAYS"),
        updated_at=now,
        source_hash=hashlib.sha256(source.encode()).hexdigest() if source else "",
        **fields,
    )
    report.due_at = report.dispose_due
    db.session.add(report)
    event = _event(report, SYSTEM, "submit", None, "received", now=now, role="reporter")
    db.session.flush()
    _attach(report, files, event)
    db.session.flush()
    return report, secret


# --------------------------------------------------------------------------- the steps


def _event(
    report: Report,
    actor: Actor,
    action: str,
    from_status: str | None,
    to_status: str,
    *,
    now: dt.datetime,
    note: str = "",
    details: dict[str, Any] | None = None,
    role: str | None = None,
) -> ReportEvent:
    event = ReportEvent(
        at=now,
        actor_role=role or actor.role,
        actor_id=actor.user.id if actor.user is not None else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        details=details,
    )
    report.events.append(event)
    report.updated_at = now
    return event


def _require(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden("this step is not yours to take on this report")


def _expect(report: Report, action: str, *statuses: str) -> None:
    if report.status not in statuses:
        raise Conflict(
            f"cannot {action} a report that is {report.status} (only when {' or '.join(statuses)})",
            report.status,
        )


def find_institution(email: Any) -> User:
    from .accounts import find_user

    if not isinstance(email, str) or not email.strip():
        raise Invalid("to", "name the institution account's email")
    user = find_user(email)
    if user is None or user.role != "institution" or not user.active:
        raise Invalid("to", "no active institution account with this email")
    return user


def act(
    report: Report,
    action: str,
    *,
    actor: Actor,
    reason: str = "",
    to: User | str | None = None,
    text: str = "",
    rating: Any = None,
    anonymous: bool = False,
    confidential: bool = False,
    files: Sequence[FileIn] = (),
    now: dt.datetime | None = None,
) -> ReportEvent:
    """Take one step on a report; the domain errors above say why not."""
    now = now or utcnow()
    if action not in STEPS:
        raise Invalid("action", f"action must be one of: {', '.join(STEPS)}")
    if action in CURATOR_STEPS:
        _require(actor, "curator")
    elif action == "respond":
        _require(actor, "institution")
        if actor.user is None or report.addressee_id != actor.user.id:
            raise Forbidden("this report is not disposed to you")
    else:
        _require(actor, "reporter")
    if not isinstance(text, str):
        raise Invalid("text", "text must be text")
    if not isinstance(reason, str):
        raise Invalid("reason", "reason must be text")
    text, reason = text.strip(), reason.strip()
    if len(text) > MAX_TEXT:
        raise Invalid("text", f"text is longer than {MAX_TEXT:,} characters")
    before = report.status

    if action == "verify":
        _expect(report, action, "received")
        report.status, report.verified_at = "verified", now
        return _event(report, actor, action, before, "verified", now=now, note=text)
    if action == "reject":
        _expect(report, action, "received", "verified")
        if reason.lower() not in REJECT_REASONS:
            raise Invalid("reason", f"reason must be one of: {', '.join(REJECT_REASONS)}")
        report.status, report.reject_reason, report.due_at = "rejected", reason.lower(), None
        return _event(report, actor, action, before, "rejected", now=now, note=text)
    if action == "dispose":
        _expect(report, action, "verified", "disposed")
        institution = to if isinstance(to, User) else find_institution(to)
        if institution.role != "institution" or not institution.active:
            raise Invalid("to", "no active institution account with this email")
        if before == "disposed" and institution.id == report.addressee_id:
            raise Conflict("the report is already disposed to this institution", before)
        previous = report.addressee_id
        report.status, report.addressee_id, report.disposed_at = "disposed", institution.id, now
        if before == "verified":
            report.due_at = report.respond_due
        return _event(
            report,
            actor,
            action,
            before,
            "disposed",
            now=now,
            note=text or reason,
            details={"to": institution.id, "from": previous},
        )
    if action == "respond":
        _expect(report, action, "disposed")
        if not text:
            raise Invalid("text", "write the follow-up the reporter will read")
        report.status, report.responded_at, report.due_at = "responded", now, None
        event = _event(report, actor, action, before, "responded", now=now, note=text)
        db.session.flush()
        _attach(report, files, event)
        return event
    if action == "reopen":
        _expect(report, action, "responded")
        if report.reopened:
            raise Conflict("a report can be reopened only once", before)
        if report.responded_at and now > report.responded_at + _days("REPORT_CLOSE_DAYS"):
            raise Conflict("the time to reopen this report has passed", before)
        report.status, report.reopened = "disposed", True
        report.due_at = now + _days("REPORT_RESPOND_DAYS")
        return _event(report, actor, action, before, "disposed", now=now, note=text)
    if action == "close":
        _expect(report, action, "responded")
        if rating is not None and rating != "":
            if isinstance(rating, str) and rating.strip().isdigit():
                rating = int(rating)
            if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
                raise Invalid("rating", "rating must be a whole number from 1 to 5")
            report.rating = rating
        report.status, report.closed_at = "closed", now
        return _event(
            report,
            actor,
            action,
            before,
            "closed",
            now=now,
            note=text,
            details={"rating": report.rating},
        )
    # restrict: more private only; a curator can never make a report less private
    changes: dict[str, Any] = {}
    if anonymous and not report.anonymous:
        report.anonymous, changes["anonymous"] = True, True
    if confidential and not report.confidential:
        report.confidential, changes["confidential"] = True, True
    if not changes:
        raise Invalid("anonymous", "nothing to make more private")
    return _event(report, actor, action, before, before, now=now, note=text, details=changes)


def close_expired(*, now: dt.datetime | None = None) -> int:
    """Close responded reports the reporter left alone for REPORT_CLOSE_DAYS (no rating)."""
    now = now or utcnow()
    cutoff = now - _days("REPORT_CLOSE_DAYS")
    rows = db.session.scalars(
        select(Report).where(Report.status == "responded", Report.responded_at <= cutoff)
    ).all()
    for report in rows:
        report.status, report.closed_at = "closed", now
        _event(report, SYSTEM, "close", "responded", "closed", now=now, details={"auto": True})
    db.session.flush()
    return len(rows)


# --------------------------------------------------------------------------- routing


def add_route(
    category: str, to_email: str, *, region: str | None = None, words: str = ""
) -> ReportRoute:
    if category not in CATEGORIES:
        raise Invalid("category", f"category must be one of: {', '.join(CATEGORIES)}")
    code = None
    if region:
        found = taxonomy.resolve_region(region)
        if found is None:
            raise Invalid("province", "unknown province or regency")
        code = found.code
    institution = find_institution(to_email)
    route = ReportRoute(
        category=category, region_code=code, words=" ".join(words.split()), to_id=institution.id
    )
    db.session.add(route)
    db.session.flush()
    return route


def list_routes() -> list[ReportRoute]:
    return list(
        db.session.scalars(select(ReportRoute).order_by(ReportRoute.category, ReportRoute.id)).all()
    )


def delete_route(route_id: int) -> None:
    route = db.session.get(ReportRoute, route_id)
    if route is None:
        raise NotFound("no such routing rule")
    db.session.delete(route)
    db.session.flush()


def _route_score(route: ReportRoute, report: Report, text: str) -> int | None:
    if route.category != report.category:
        return None
    score = 0
    if route.region_code:
        if route.region_code == report.regency_code:
            score += 4
        elif route.region_code == report.province_code:
            score += 2
        else:
            return None
    if route.words:
        if not any(word.lower() in text for word in route.words.split()):
            return None
        score += 1
    return score


def suggest(report: Report, routes: Iterable[ReportRoute] | None = None) -> User | None:
    """The addressee to preselect: the institution owning the innovation the report is about,
    else the most specific routing rule (regency over province over anywhere; words count)."""
    innovation = report.innovation
    if innovation is not None and innovation.owner is not None:
        owner = innovation.owner
        if owner.role == "institution" and owner.active:
            return owner
    text = f"{report.title} {report.body}".lower()
    best: tuple[int, int, ReportRoute] | None = None
    for route in routes if routes is not None else list_routes():
        score = _route_score(route, report, text)
        if score is not None and (best is None or (score, -route.id) > best[:2]):
            best = (score, -route.id, route)
    if best is None or not best[2].to.active:
        return None
    return best[2].to


def institutions() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == "institution", User.active.is_(True))
            .order_by(User.email)
        ).all()
    )


# --------------------------------------------------------------------------- lists


@dataclass
class Page:
    items: list[Report]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _page(query: Any, page: int, per_page: int) -> Page:
    """One page of ``query``: the ids first (a narrow sort the indexes cover), then the rows of
    those ids only, so that a deep page never sorts whole reports."""
    total = db.session.scalar(
        select(func.count()).select_from(
            query.with_only_columns(Report.id).order_by(None).subquery()
        )
    )
    ids = list(
        db.session.scalars(
            query.with_only_columns(Report.id).limit(per_page).offset((page - 1) * per_page)
        ).all()
    )
    rows = {r.id: r for r in db.session.scalars(query.where(Report.id.in_(ids)).order_by(None))}
    return Page([rows[i] for i in ids if i in rows], int(total or 0), page, per_page)


@dataclass(frozen=True)
class Filters:
    status: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    province: tuple[str, ...] = ()
    page: int = 1
    per_page: int = 20


def parse_filters(args: Any, *, per_page_default: int = 20, per_page_max: int = 100) -> Filters:
    """status, category, province (several values mean OR), page, per_page; Invalid names the
    bad parameter."""

    def values(name: str) -> list[str]:
        out: list[str] = []
        for raw in args.getlist(name) if hasattr(args, "getlist") else [args.get(name)]:
            if raw:
                out += [v.strip() for v in str(raw).split(",") if v.strip()]
        return out

    statuses = values("status")
    for value in statuses:
        if value not in STATUSES:
            raise Invalid("status", f"status must be among: {', '.join(STATUSES)}")
    categories = values("category")
    for value in categories:
        if value not in CATEGORIES:
            raise Invalid("category", f"category must be among: {', '.join(CATEGORIES)}")
    provinces = []
    for value in values("province"):
        found = taxonomy.resolve_region(value, level=1)
        if found is None:
            raise Invalid("province", f"unknown province {value[:40]!r}")
        provinces.append(found.code)

    def number(name: str, default: int, high: int) -> int:
        raw = args.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(str(raw))
        except ValueError:
            raise Invalid(name, f"{name} must be a whole number") from None
        if not 1 <= value <= high:
            raise Invalid(name, f"{name} must be between 1 and {high}")
        return value

    return Filters(
        status=tuple(statuses),
        category=tuple(categories),
        province=tuple(provinces),
        page=number("page", 1, 100_000),
        per_page=number("per_page", per_page_default, per_page_max),
    )


def _filtered(query: Any, filters: Filters) -> Any:
    if filters.status:
        query = query.where(Report.status.in_(filters.status))
    if filters.category:
        query = query.where(Report.category.in_(filters.category))
    if filters.province:
        query = query.where(Report.province_code.in_(filters.province))
    return query


def public_query() -> Any:
    """Reports the public may read: verified and later, not confidential."""
    return select(Report).where(Report.confidential.is_(False), Report.status.in_(PUBLIC))


def public_page(filters: Filters) -> Page:
    query = _filtered(public_query(), filters)
    if filters.status and not set(filters.status) <= set(PUBLIC):
        query = query.where(False)  # asking for received or rejected ones shows none
    query = query.order_by(Report.received_at.desc(), Report.id.desc()).options(
        selectinload(Report.events)
    )
    return _page(query, filters.page, filters.per_page)


def all_page(filters: Filters) -> Page:
    """Every report (curators), newest first."""
    query = _filtered(select(Report), filters).order_by(Report.received_at.desc(), Report.id.desc())
    return _page(query, filters.page, filters.per_page)


def curator_queue(filters: Filters) -> Page:
    """Open reports by the clock: the earliest due (so the overdue) first."""
    statuses = filters.status or OPEN
    query = _filtered(
        select(Report).where(Report.status.in_(statuses)),
        Filters(category=filters.category, province=filters.province),
    )
    if set(statuses) <= set(OPEN):
        # only open reports have a due time: a range of the queue index, walked in order
        query = query.where(Report.due_at.is_not(None)).order_by(Report.due_at, Report.id)
    else:
        query = query.order_by(Report.due_at.is_(None), Report.due_at, Report.id)
    return _page(query, filters.page, filters.per_page)


def institution_queue(user: User, *, page: int = 1, per_page: int = 20, done: bool = False) -> Page:
    """The reports disposed to an institution by due time; ``done``: those it answered."""
    statuses = ("responded", "closed") if done else ("disposed",)
    query = (
        select(Report)
        .where(Report.addressee_id == user.id, Report.status.in_(statuses))
        .order_by(
            Report.due_at.is_(None),
            Report.due_at,
            Report.responded_at.desc(),
            Report.id,
        )
    )
    return _page(query, page, per_page)


def overdue(report: Report, now: dt.datetime | None = None) -> bool:
    return report.due_at is not None and (now or utcnow()) > report.due_at


def overdue_count(*, user: User | None = None, now: dt.datetime | None = None) -> int:
    query = select(func.count(Report.id)).where(
        Report.status.in_(OPEN), Report.due_at < (now or utcnow())
    )
    if user is not None:
        query = query.where(Report.addressee_id == user.id)
    return int(db.session.scalar(query) or 0)


def queue_figures(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The clock and two counts for the head of the curators' queue (cheap at any size)."""
    now = now or utcnow()
    # only open reports have a due time (the queue index answers without the table)
    open_count = db.session.scalar(
        select(func.count(Report.id)).where(Report.due_at.is_not(None), Report.status.in_(OPEN))
    )
    return {
        "dispose_days": float(current_app.config["REPORT_DISPOSE_DAYS"]),
        "respond_days": float(current_app.config["REPORT_RESPOND_DAYS"]),
        "open": int(open_count or 0),
        "overdue": overdue_count(now=now),
    }


def digest_items(
    now: dt.datetime | None = None, *, since: dt.timedelta | None = None
) -> dict[str, list[Report]]:
    """For the curators' daily digest: reports received in the last day (``since``) and open
    reports past their due time, the most overdue first."""
    now = now or utcnow()
    since = since or dt.timedelta(days=1)
    new = db.session.scalars(
        select(Report)
        .where(Report.received_at > now - since, Report.received_at <= now)
        .order_by(Report.received_at)
    ).all()
    late = db.session.scalars(
        select(Report)
        .where(Report.status.in_(OPEN), Report.due_at < now)
        .order_by(Report.due_at, Report.id)
    ).all()
    return {"new": list(new), "overdue": list(late)}


def region_counts(province: str | None = None) -> dict[str, int]:
    """Public reports (verified and later, not confidential) per province, or per regency
    within ``province`` (a province code) — the map's reports layer."""
    public = and_(Report.confidential.is_(False), Report.status.in_(PUBLIC))
    rows: Sequence[Any]
    if province is None:
        rows = db.session.execute(
            select(Report.province_code, func.count(Report.id))
            .where(public)
            .group_by(Report.province_code)
        ).all()
    else:
        rows = db.session.execute(
            select(Report.regency_code, func.count(Report.id))
            .where(public, Report.province_code == province, Report.regency_code.is_not(None))
            .group_by(Report.regency_code)
        ).all()
    return {str(code): int(n) for code, n in rows if code}


def about_innovation(innovation_id: int) -> dict[str, Any]:
    """For an innovation's page: how many public reports are about it, by category, and the
    public ones themselves (newest first)."""
    rows = db.session.scalars(
        public_query()
        .where(Report.innovation_id == innovation_id)
        .order_by(Report.received_at.desc())
    ).all()
    return {
        "count": len(rows),
        "categories": Counter(r.category for r in rows).most_common(),
        "reports": list(rows[:10]),
    }


# --------------------------------------------------------------------------- statistics


def _median_hours(values: list[float]) -> float | None:
    return round(statistics.median(values) / 3600, 1) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def stats(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Figures the way the ministry reported them: totals by category and kind, the share
    followed up, on-time shares and median hours for disposition and response, by month.
    Counted over every report that was not rejected (confidential ones count, unnamed)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(
            Report.received_at,
            Report.kind,
            Report.category,
            Report.status,
            Report.dispose_due,
            Report.respond_due,
            Report.disposed_at,
            Report.responded_at,
            Report.rating,
        ).where(Report.status != "rejected")
    ).all()
    months: dict[str, dict[str, Any]] = {}
    totals: dict[str, Any] = {"by_category": Counter(), "by_kind": Counter()}

    def summary(group: list[Any]) -> dict[str, Any]:
        disposed = [r for r in group if r.disposed_at is not None]
        disposed_late_open = [
            r for r in group if r.disposed_at is None and r.status in OPEN and now > r.dispose_due
        ]
        responded = [r for r in group if r.responded_at is not None]
        responded_late_open = [
            r for r in group if r.responded_at is None and r.status in OPEN and now > r.respond_due
        ]
        dispose_on_time = sum(r.disposed_at <= r.dispose_due for r in disposed)
        respond_on_time = sum(r.responded_at <= r.respond_due for r in responded)
        ratings = [r.rating for r in group if r.rating]
        return {
            "total": len(group),
            "followed_up": len(responded),
            "followed_up_share": _share(len(responded), len(group)),
            "disposed_on_time_share": _share(
                dispose_on_time, len(disposed) + len(disposed_late_open)
            ),
            "responded_on_time_share": _share(
                respond_on_time, len(responded) + len(responded_late_open)
            ),
            "median_dispose_hours": _median_hours(
                [(r.disposed_at - r.received_at).total_seconds() for r in disposed]
            ),
            "median_response_hours": _median_hours(
                [(r.responded_at - r.received_at).total_seconds() for r in responded]
            ),
            "mean_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        }

    by_month: dict[str, list[Any]] = {}
    for row in rows:
        totals["by_category"][row.category] += 1
        totals["by_kind"][row.kind] += 1
        by_month.setdefault(row.received_at.strftime("%Y-%m"), []).append(row)
    for month in sorted(by_month):
        months[month] = summary(by_month[month])
    overall = summary(list(rows))
    return {
        "dispose_days": float(current_app.config["REPORT_DISPOSE_DAYS"]),
        "respond_days": float(current_app.config["REPORT_RESPOND_DAYS"]),
        **overall,
        "by_category": dict(totals["by_category"].most_common()),
        "by_kind": dict(totals["by_kind"].most_common()),
        "open": sum(1 for r in rows if r.status in OPEN),
        "overdue": sum(
            1
            for r in rows
            if r.status in OPEN
            and now > (r.dispose_due if r.status != "disposed" else r.respond_due)
        ),
        "by_month": [{"month": m, **v} for m, v in months.items()],
    }


# --------------------------------------------------------------------------- records


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def _region(region: Any, locale: str) -> dict[str, str] | None:
    return (
        {"code": region.code, "name": region.name_en if locale == "en" else region.name}
        if region
        else None
    )


def shows_identity(report: Report, view: str) -> bool:
    """Whether this viewer may see the reporter's name and contact: the reporter, a curator,
    the institution only when the report is not anonymous, the public never."""
    return view in ("reporter", "curator") or (view == "institution" and not report.anonymous)


def visible_events(report: Report, view: str) -> list[ReportEvent]:
    """The steps this viewer sees; the public sees the follow-ups, not the curators' notes."""
    if view == "public":
        return [
            e
            for e in report.events
            if e.action in ("submit", "verify", "dispose", "respond", "close")
        ]
    return list(report.events)


def event_record(event: ReportEvent, view: str) -> dict[str, Any]:
    note = event.note
    if view == "public" and event.action != "respond":
        note = ""
    record: dict[str, Any] = {
        "at": _iso(event.at),
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "by": event.actor_role,
        "note": note,
    }
    if event.action == "close" and event.details and event.details.get("rating"):
        record["rating"] = event.details["rating"]
    return record


def record(
    report: Report,
    view: str,
    *,
    locale: str = "id",
    attachment_url: Any = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The report as this viewer (reporter | curator | institution | public) may see it."""
    body: dict[str, Any] = {
        "tracking_code": report.tracking_code,
        "kind": report.kind,
        "category": report.category,
        "title": report.title,
        "body": report.body,
        "province": _region(report.province, locale),
        "regency": _region(report.regency, locale),
        "innovation": report.innovation_id,
        "occurred_on": report.occurred_on.isoformat() if report.occurred_on else None,
        "status": report.status,
        "received_at": _iso(report.received_at),
        "dispose_due": _iso(report.dispose_due),
        "respond_due": _iso(report.respond_due),
        "overdue": overdue(report, now),
        "rating": report.rating,
    }
    if view != "public":
        body["anonymous"] = report.anonymous
        body["confidential"] = report.confidential
        body["reject_reason"] = report.reject_reason or None
        body["addressee"] = (
            (report.addressee.organization.name if report.addressee.organization else "")
            or report.addressee.name
            or report.addressee.email
            if report.addressee is not None
            else None
        )
    if shows_identity(report, view):
        body["reporter"] = {
            "name": report.reporter_name,
            "email": report.reporter_email,
            "phone": report.reporter_phone,
        }
    body["events"] = [event_record(e, view) for e in visible_events(report, view)]
    if view != "public" and attachment_url is not None:
        body["attachments"] = [
            {
                "id": a.id,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "from": "institution"
                if a.event_id and _is_response(report, a.event_id)
                else "reporter",
                "url": attachment_url(a),
            }
            for a in report.attachments
        ]
    return body


def _is_response(report: Report, event_id: int) -> bool:
    return any(e.id == event_id and e.action == "respond" for e in report.events)


def attachment_for(report: Report, attachment_id: int) -> ReportAttachment:
    for item in report.attachments:
        if item.id == attachment_id:
            return item
    raise NotFound("no such file")
